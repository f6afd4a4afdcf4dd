/**
 * Key rotation without downtime through the whole bundle (issue 22, item 4): while MCP clients call both servers
 * through the router without pause, the shared Benchling service key (BENCHLING_API_KEY_FILE) and the Quilt JWT
 * secret (QUILT_JWT_SECRET_FILE, read by quilt-mcp and benchling-mcp alike) are rotated by replacing their files,
 * as the README's procedure says; no process restarts and not one request may fail. The old service key is
 * carol's and the new one alice's (both valid in the sandbox, as both are during a real rotation), so what the
 * callers see shows when the new key took over. The public-key file and the JWKS are rotated under load in
 * packages/service-kit/test/auth/rotation.test.ts (same verifier code).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { sign } from '../../packages/service-kit/test/auth/helpers.js';
import { startBundle } from '../helpers/bundle.js';
import { connectModern } from '../helpers/mcp-clients.js';

const CAROL_VIEW = ['src_Crispr02', 'src_ProtExp1'];
const ALICE_VIEW = ['src_AbDisc03', 'src_Crispr02', 'src_ProtExp1'];

const dir = mkdtempSync(path.join(tmpdir(), 'labmcp-rotation-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const serviceKeyFile = path.join(dir, 'benchling-service-key');
const jwtSecretFile = path.join(dir, 'quilt-jwt-secret');

/** Another file, renamed over the old one: a reader never sees a half-written key. */
function replaceFile(file: string, text: string): void {
  writeFileSync(`${file}.new`, text, { mode: 0o600 });
  renameSync(`${file}.new`, file);
}

const oldSecret = randomBytes(32).toString('base64');
const newSecret = randomBytes(32).toString('base64');
replaceFile(serviceKeyFile, 'svc-key-old\n');
replaceFile(jwtSecretFile, `${oldSecret}\n`);

const bundle = await startBundle({
  env: {
    BENCHLING_KEY_MODE: 'service',
    BENCHLING_API_KEY_FILE: serviceKeyFile,
    QUILT_JWT_SECRET_FILE: jwtSecretFile,
    // Every request verified against the keys of the moment, not remembered from before the rotation.
    QUILT_JWT_VERIFY_CACHE_SECONDS: '0',
    BENCHLING_SANDBOX_EXTRA_KEYS: 'svc-key-old=carol,svc-key-new=alice',
    BENCHLING_SANDBOX_RATE_LIMIT: '100000',
    ROUTER_RATE_LIMIT_PER_MINUTE: '1000000',
    ROUTER_RATE_LIMIT_BURST: '100000',
    ROUTER_UNVERIFIED_PER_MINUTE: '1000000',
    ROUTER_UNVERIFIED_BURST: '100000',
    ROUTER_UNVERIFIED_TOTAL_PER_MINUTE: '1000000',
    ROUTER_UNVERIFIED_TOTAL_BURST: '100000',
  },
});
t.teardown(() => bundle.stop());

let signing = oldSecret;
const token = () => sign({ sub: 'dana@example.com' }, new TextEncoder().encode(signing), { alg: 'HS256' });

t.test('the service key and the JWT secret rotate under load: zero failed requests, no restart', async (t) => {
  const failures: string[] = [];
  const views: string[][] = [];
  let requests = 0;
  let running = true;
  // Each round a fresh token (signed with the secret of the moment) and a fresh client for both servers.
  const worker = async () => {
    while (running) {
      const headers = { authorization: `Bearer ${await token()}` };
      try {
        const benchling = await connectModern(`${bundle.routerUrl}/benchling/mcp`, headers);
        const result = await benchling.callTool('projects_list', {});
        await benchling.close();
        if (result.isError) throw new Error(result.content?.[0]?.text);
        views.push(((result.structuredContent?.projects as { id: string }[]) ?? []).map((p) => p.id).sort());
        const quilt = await connectModern(`${bundle.routerUrl}/quilt/mcp`, headers);
        await quilt.listTools();
        await quilt.close();
        requests += 2;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const workers = Array.from({ length: 6 }, worker);
  // Each phase lasts until enough requests went through it (not a fixed time: the machine may be busy).
  const untilDone = async (more: number, what: string, also: () => boolean = () => true) => {
    const target = views.length + more;
    const deadline = Date.now() + 60_000;
    while (!(views.length >= target && also())) {
      if (Date.now() > deadline || failures.length > 0)
        throw new Error(`${what}: ${views.length - target + more} of ${more} requests in 60 s; failures: ${failures[0]}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await untilDone(6, 'before the rotations');
    t.same(views.at(-1), CAROL_VIEW, 'before: the old service key (carol)');
    // 1. Benchling service key: the new key exists in Benchling (both are valid), the file gets it.
    replaceFile(serviceKeyFile, 'svc-key-new\n');
    await untilDone(6, 'after the service key rotation', () => views.at(-1)?.length === ALICE_VIEW.length);
    // 2. Quilt JWT secret: the file gets the new secret only, and tokens are signed with it from now on; tokens
    // signed with the old one are still in flight, accepted through QUILT_JWT_KEY_OVERLAP_SECONDS.
    replaceFile(jwtSecretFile, `${newSecret}\n`);
    signing = newSecret;
    await untilDone(12, 'after the JWT secret rotation');
  } finally {
    running = false;
    await Promise.all(workers);
  }

  t.same(failures, [], 'no request failed');
  t.ok(requests >= 48, `${requests} requests during the rotations`);
  t.same(views.at(-1), ALICE_VIEW, 'after: the new service key (alice), picked up without a restart');
  const oldToken = await sign({ sub: 'dana@example.com' }, new TextEncoder().encode(oldSecret), { alg: 'HS256' });
  const late = await connectModern(`${bundle.routerUrl}/quilt/mcp`, { authorization: `Bearer ${oldToken}` });
  t.ok((await late.listTools()).tools.length > 0, 'a token signed with the old secret is still accepted during the overlap');
  await late.close();

  await new Promise((r) => setTimeout(r, 200));
  const logs = bundle.logs();
  t.match(logs, /service key reloaded from BENCHLING_API_KEY_FILE/);
  t.match(logs, /JWT keys reloaded/);
  for (const secret of ['svc-key-old', 'svc-key-new', oldSecret, newSecret]) t.notOk(logs.includes(secret), 'no key or secret in the logs');
});
