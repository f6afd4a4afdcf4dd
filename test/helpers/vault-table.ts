/**
 * The test table of key mode `vault` (issue 21), run end to end against each store by its own test file
 * (test/integration/benchling-vault-*.test.ts, so the two run side by side): callers send only their Quilt JWT
 * through the router; benchling-mcp names the user by a claim and fetches that user's own Benchling key from the
 * store. Keys are provisioned with the real `benchling-keys` command (and, to save time, some straight through the
 * same store class the server uses). The sandbox's visibility rules tell whose key was used: alice sees three
 * projects, carol two, bob one.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import type { Test } from 'tap';
import { FileKeyStore, parseFileKey } from '../../packages/benchling-mcp/src/vault/file-store.js';
import { SecretsManagerKeyStore } from '../../packages/benchling-mcp/src/vault/secrets-manager-store.js';
import type { KeyStore } from '../../packages/benchling-mcp/src/vault/store.js';
import { motoMissing, startMoto } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { freePort } from '../../scripts/lib/launcher.js';
import { type Bundle, repoRoot, startBundle } from './bundle.js';
import { connectLegacy, connectModern, type McpTestClient } from './mcp-clients.js';

const KEYS = { alice: 'sandbox-key-alice', carol: 'sandbox-key-carol', bob: 'sandbox-key-bob' };
const BOB_REVOKED = 'bob-key-revoked-in-benchling';
const BOB_ROTATED = 'bob-key-rotated-2026';
const VIEWS = {
  alice: ['src_AbDisc03', 'src_Crispr02', 'src_ProtExp1'],
  carol: ['src_Crispr02', 'src_ProtExp1'],
  bob: ['src_ProtExp1'],
};
const FILE_KEY = randomBytes(32).toString('base64');

/** A store under test: the settings that select it, the store itself (to provision), and how to take it down and back. */
export interface StoreCase {
  name: 'file' | 'secrets-manager';
  skip: string | false;
  setUp: (base: string) => Promise<{
    env: Record<string, string>;
    store: KeyStore;
    down: () => Promise<void>;
    up: () => Promise<void>;
    close: () => Promise<void>;
  }>;
}

export const fileStore: StoreCase = {
  name: 'file',
  skip: false,
  setUp: async (base) => {
    const file = path.join(base, 'vault', 'benchling-keys.enc');
    return {
      env: { BENCHLING_VAULT_STORE: 'file', BENCHLING_VAULT_FILE: file, BENCHLING_VAULT_FILE_KEY: FILE_KEY },
      store: new FileKeyStore(file, parseFileKey(FILE_KEY) as Buffer),
      // The file gone (moved away): the store cannot answer.
      down: async () => renameSync(file, `${file}.away`),
      up: async () => renameSync(`${file}.away`, file),
      close: async () => {},
    };
  },
};

export const secretsManagerStore: StoreCase = {
  name: 'secrets-manager',
  skip: motoMissing,
  setUp: async () => {
    const moto = await startMoto(await freePort(), []);
    const pid = motoPid(moto.endpoint);
    // This process's own calls (provisioning) find moto's credentials the way the server does: the SDK's chain.
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    const store = new SecretsManagerKeyStore({ endpoint: moto.endpoint, region: 'us-east-1', timeoutMs: 5000 });
    return {
      store,
      env: {
        BENCHLING_VAULT_STORE: 'secrets-manager',
        BENCHLING_VAULT_AWS_ENDPOINT: moto.endpoint,
        BENCHLING_VAULT_AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      },
      // Frozen, not stopped: moto keeps its secrets in memory, and a hung store is the harder case (timeouts).
      down: async () => {
        process.kill(await pid, 'SIGSTOP');
      },
      up: async () => {
        process.kill(await pid, 'SIGCONT');
      },
      close: async () => {
        store.close();
        process.kill(await pid, 'SIGCONT');
        await moto.close();
      },
    };
  },
};

/** The pid of the process listening on the endpoint's port (moto_server runs behind pyenv's shim). */
async function motoPid(endpoint: string): Promise<number> {
  const port = Number(new URL(endpoint).port);
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inode = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')?.[9];
  if (!inode) throw new Error(`nothing listens on ${port}`);
  const { readdirSync, readlinkSync } = await import('node:fs');
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid);
    } catch {
      // a process that went away, or one we may not look into
    }
  }
  throw new Error(`no process found for port ${port}`);
}

/** `npm run benchling-keys -- <args>` with the bundle's settings, the key (if any) on standard input. */
function keysCommand(b: Bundle, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'packages/benchling-mcp/dist/keys-cli.js'), ...args], {
      env: b.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(input);
  });
}

const url = (b: Bundle) => `${b.routerUrl}/benchling/mcp`;
const bearer = async (b: Bundle, subject: string) => ({ authorization: `Bearer ${await mintDemoToken({ dataDir: b.dataDir, subject })}` });

async function projectsSeen(client: McpTestClient): Promise<string[]> {
  const result = await client.callTool('projects_list', {});
  if (result.isError) throw new Error(result.content?.[0]?.text);
  return ((result.structuredContent?.projects as { id: string }[]) ?? []).map((p) => p.id).sort();
}

/** One tools/call over plain HTTP, for the answers that refuse the request before MCP. */
async function call(b: Bundle, headers: Record<string, string>): Promise<{ status: number; message: string; retryAfter: string | null; text: string }> {
  const res = await fetch(url(b), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'projects_list', arguments: {} } }),
  });
  const text = await res.text();
  let message = '';
  try {
    message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '';
  } catch {
    // an MCP answer (SSE or JSON) rather than a refusal
  }
  return { status: res.status, message, retryAfter: res.headers.get('retry-after'), text };
}

interface KeysCheck {
  status: string;
  mode: string;
  store: string;
  lastFailure?: { at: string; reason: string };
}

/** benchling-mcp's own `/health` (its `keys` check), and the router's aggregated one (its status code, overall and benchling-mcp's status). */
async function healthOf(b: Bundle): Promise<{ keys: KeysCheck; text: string; router: { code: number; status: string; benchling: string } }> {
  const own = await fetch(`http://127.0.0.1:${b.ports['benchling-mcp']}/health`);
  const text = await own.text();
  const res = await fetch(`${b.routerUrl}/health`);
  const router = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
  return {
    keys: (JSON.parse(text) as { checks: { keys: KeysCheck } }).checks.keys,
    text,
    router: { code: res.status, status: router.status, benchling: router.checks['benchling-mcp']?.status ?? 'absent' },
  };
}

/** The whole table against one store. */
export function vaultTable(t: Test, store: StoreCase): void {
  t.test(`vault mode with the ${store.name} store`, { skip: store.skip }, async (t) => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const base = mkdtempSync(path.join(tmpdir(), 'labmcp-vault-'));
    const fixture = await store.setUp(base);
    const bundle = await startBundle({
      env: {
        ...fixture.env,
        BENCHLING_KEY_MODE: 'vault',
        // Long: what makes a rotated key take effect here is Benchling's refusal, not the cache running out.
        BENCHLING_VAULT_CACHE_TTL_MS: '600000',
        BENCHLING_VAULT_TIMEOUT_MS: '1000',
        BENCHLING_SANDBOX_EXTRA_KEYS: `${BOB_ROTATED}=bob`,
        BENCHLING_SANDBOX_RATE_LIMIT: '100000',
        ROUTER_RATE_LIMIT_PER_MINUTE: '100000',
        ROUTER_RATE_LIMIT_BURST: '10000',
      },
    });
    t.teardown(async () => {
      await bundle.stop();
      await fixture.close();
      rmSync(base, { recursive: true, force: true });
    });

    await t.test('keys are provisioned with the benchling-keys command; list shows names only', async (t) => {
      // One user through the command (the others straight into the store, which is quicker than a process each).
      const [cli] = await Promise.all([
        keysCommand(bundle, ['set', 'alice@example.com'], `${KEYS.alice}\n`),
        fixture.store.put('benchling/user/carol@example.com/api_key', KEYS.carol),
        fixture.store.put('benchling/user/erin@example.com/api_key', KEYS.bob),
        fixture.store.put('benchling/user/bob@example.com/api_key', BOB_REVOKED),
      ]);
      t.equal(cli.code, 0, cli.out);
      t.match(cli.out, /Stored the key of alice@example\.com as benchling\/user\/alice@example\.com\/api_key/);
      t.notOk(cli.out.includes(KEYS.alice), 'the command does not print the key');
      const list = await keysCommand(bundle, ['list']);
      t.equal(list.code, 0, list.out);
      t.match(list.out, /alice@example\.com\tbenchling\/user\/alice@example\.com\/api_key/);
      t.equal(list.out.split('\n').filter((l) => l.includes('\t')).length, 4, 'one line per user');
      for (const key of [...Object.values(KEYS), BOB_REVOKED]) t.notOk(list.out.includes(key), 'no key in the list');
      const rotateUnknown = await keysCommand(bundle, ['rotate', 'nobody@example.com'], 'x\n');
      t.equal(rotateUnknown.code, 1);
      t.match(rotateUnknown.out, /No key is stored for nobody@example\.com yet/);
    });

    await t.test('each user reads their own Benchling data with only a JWT, with both client generations', async (t) => {
      for (const connect of [connectModern, connectLegacy]) {
        const alice = await connect(url(bundle), await bearer(bundle, 'alice@example.com'));
        const carol = await connect(url(bundle), await bearer(bundle, 'carol@example.com'));
        t.same(await projectsSeen(alice), VIEWS.alice, `${connect.name}: alice sees her projects`);
        t.same(await projectsSeen(carol), VIEWS.carol, `${connect.name}: carol sees hers`);
        await Promise.all([alice.close(), carol.close()]);
      }
      const sentKey = await connectModern(url(bundle), { ...(await bearer(bundle, 'carol@example.com')), 'x-benchling-api-key': KEYS.alice });
      t.same(await projectsSeen(sentKey), VIEWS.carol, 'a key the caller sends is ignored: the vault decides');
      await sentKey.close();
    });

    await t.test('a user without a key, or without a JWT, gets a clear refusal', async (t) => {
      const dana = await call(bundle, await bearer(bundle, 'dana@example.com'));
      t.equal(dana.status, 403);
      t.match(dana.message, /No Benchling API key is stored for "dana@example\.com" \(looked up benchling\/user\/dana@example\.com\/api_key/);
      t.match(dana.message, /Ask an administrator to add yours/);
      const none = await call(bundle, {});
      t.equal(none.status, 401);
      t.match(none.message, /send your JWT/);
    });

    await t.test('a key Benchling refuses: a clear error; rotated in the store, it works without a restart', async (t) => {
      const bob = await connectModern(url(bundle), await bearer(bundle, 'bob@example.com'));
      const refused = await bob.callTool('projects_list', {});
      t.ok(refused.isError, 'the first call reaches Benchling and is refused');
      t.match(refused.content?.[0]?.text, /Benchling rejected the API key .*stored for you in the key vault: ask an administrator to rotate it/);
      t.notOk(JSON.stringify(refused).includes(BOB_REVOKED), 'the tool result does not hold the key');
      await bob.close();
      const again = await call(bundle, await bearer(bundle, 'bob@example.com'));
      t.equal(again.status, 403, 'the refused key is not sent again while the store still holds it');
      t.match(again.message, /Benchling refused the API key stored for "bob@example\.com" .* Ask an administrator to rotate it/);
      t.notOk(again.text.includes(BOB_REVOKED), 'nor does the refusal');

      const rotated = await keysCommand(bundle, ['rotate', 'bob@example.com'], `${BOB_ROTATED}\n`);
      t.equal(rotated.code, 0, rotated.out);
      const after = await connectLegacy(url(bundle), await bearer(bundle, 'bob@example.com'));
      t.same(await projectsSeen(after), VIEWS.bob, 'the rotated key is used at once (the cache TTL is 10 minutes)');
      await after.close();
    });

    await t.test('the store down: a clear 503 for keys not cached, cached keys keep working, /health degraded, and it recovers', async (t) => {
      const before = await healthOf(bundle);
      t.same(before.keys, { status: 'ok', mode: 'vault', store: store.name }, 'keys ok while the store answers');
      await fixture.down();
      try {
        const failedAfter = Date.now();
        const erin = await call(bundle, await bearer(bundle, 'erin@example.com'));
        t.equal(erin.status, 503);
        t.equal(erin.retryAfter, '5');
        t.match(erin.message, /The Benchling key vault is unavailable.*Try again shortly/);

        const down = await healthOf(bundle);
        t.equal(down.keys.status, 'degraded', 'the failed lookup shows in /health');
        t.match(
          down.keys.lastFailure?.reason,
          store.name === 'file'
            ? /^The key file .*benchling-keys\.enc does not exist/
            : /^AWS Secrets Manager at 127\.0\.0\.1:\d+ in us-east-1 did not answer within 1000 ms\.$/,
          "the store's own reason",
        );
        const at = Date.parse(down.keys.lastFailure?.at ?? '');
        t.ok(at >= failedAfter - 1000 && at <= Date.now(), `when (${down.keys.lastFailure?.at})`);
        t.notMatch(down.text, /erin|benchling\/user\//, 'neither the user nor the secret name in /health');
        t.same(down.router, { code: 200, status: 'degraded', benchling: 'degraded' }, "the router's /health: benchling-mcp degraded, still 200");
        // The front page (its summary, as loopback sees it) says why, in its warnings.
        const page = (await (await fetch(`${bundle.routerUrl}/front-page/summary.json`)).json()) as { services: { service: string; warnings: string[] }[] };
        t.ok(
          page.services
            .find((s) => s.service === 'benchling-mcp')
            ?.warnings.some((w) => w.startsWith('benchling-mcp keys: degraded since ') && w.endsWith(down.keys.lastFailure?.reason ?? '?')),
          "the front page's warnings say what failed",
        );

        const alice = await connectModern(url(bundle), await bearer(bundle, 'alice@example.com'));
        t.same(await projectsSeen(alice), VIEWS.alice, 'a key in the cache is still used');
        await alice.close();
        t.equal((await healthOf(bundle)).keys.status, 'degraded', 'a cache hit says nothing about the store: still degraded');
      } finally {
        await fixture.up();
      }
      const erin = await connectModern(url(bundle), await bearer(bundle, 'erin@example.com'));
      t.same(await projectsSeen(erin), VIEWS.bob, 'erin (who holds bob-level access) works once the store is back');
      await erin.close();
      const after = await healthOf(bundle);
      t.same(after.keys, { status: 'ok', mode: 'vault', store: store.name }, 'ok again at the first lookup the store answers');
      t.same(after.router, { code: 200, status: 'ok', benchling: 'ok' });
    });

    await t.test('audit lines and metrics for every lookup; no key or token anywhere', async (t) => {
      await new Promise((r) => setTimeout(r, 300));
      const lookups = readFileSync(path.join(bundle.logDir, 'benchling-mcp.log'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"benchling_key_lookup"'))
        .map((l) => JSON.parse(l) as { userId: string; store: string; cache: string; outcome: string });
      const seen = new Set(lookups.map((l) => `${l.userId} ${l.cache} ${l.outcome}`));
      for (const expected of [
        'alice@example.com miss found',
        'alice@example.com hit found',
        'dana@example.com miss missing',
        'bob@example.com refresh refused',
        'erin@example.com miss unavailable',
      ]) {
        t.ok(seen.has(expected), `audit: ${expected}`);
      }
      t.ok(
        lookups.every((l) => l.store === store.name),
        'each line names the store',
      );
      const metrics = await (await fetch(`http://127.0.0.1:${bundle.ports['benchling-mcp']}/metrics`)).text();
      t.match(metrics, new RegExp(`labmcp_benchling_key_lookups_total\\{[^}]*store="${store.name}",cache="hit",outcome="found"[^}]*\\} [1-9]`));
      t.match(metrics, new RegExp(`labmcp_benchling_key_cache_hits_total\\{[^}]*store="${store.name}"[^}]*\\} [1-9]`));
      t.match(metrics, new RegExp(`labmcp_benchling_key_lookup_failures_total\\{[^}]*store="${store.name}",outcome="unavailable"[^}]*\\} [1-9]`));
      const everything = `${bundle.logs()}\n${metrics}`;
      for (const secret of [...Object.values(KEYS), BOB_REVOKED, BOB_ROTATED, FILE_KEY]) {
        t.notOk(everything.includes(secret), `${secret.slice(0, 10)}… is in no log line and no metric`);
      }
      t.notMatch(everything, /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/, 'no JWT');
      if (store.name === 'file') {
        const raw = readFileSync(fixture.env.BENCHLING_VAULT_FILE as string, 'utf8');
        t.notOk(raw.includes('alice') || raw.includes(KEYS.alice), 'the key file shows neither users nor keys');
      }
    });

    if (store.name === 'file') {
      await t.test('the router limits JWT-only Benchling callers per user', async (t) => {
        bundle.env.ROUTER_RATE_LIMIT_BURST = '5';
        bundle.env.ROUTER_RATE_LIMIT_PER_MINUTE = '60';
        await bundle.kill('router');
        await bundle.start('router');
        const alice = await bearer(bundle, 'alice@example.com');
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) statuses.push((await call(bundle, alice)).status);
        t.ok(statuses.includes(429), `alice runs into her limit (${statuses.join(' ')})`);
        t.equal((await call(bundle, await bearer(bundle, 'carol@example.com'))).status, 200, "carol is not limited by alice's requests");
        // benchling-mcp ignores a key sent in vault mode, so a made-up key per request must not buy a fresh bucket.
        const erin = await bearer(bundle, 'erin@example.com');
        const withKeys: number[] = [];
        for (let i = 0; i < 8; i++) withKeys.push((await call(bundle, { ...erin, 'x-benchling-api-key': `made-up-${i}` })).status);
        t.ok(withKeys.includes(429), `erin is limited by her JWT whatever key she adds (${withKeys.join(' ')})`);
      });

      await t.test("user-or-vault: the caller's own key wins, else the vault key named by the JWT", async (t) => {
        Object.assign(bundle.env, { BENCHLING_KEY_MODE: 'user-or-vault', ROUTER_RATE_LIMIT_BURST: '10000', ROUTER_RATE_LIMIT_PER_MINUTE: '100000' });
        await Promise.all([bundle.kill('router'), bundle.kill('benchling-mcp')]);
        await bundle.start('benchling-mcp');
        await bundle.start('router');
        const own = await connectModern(url(bundle), { ...(await bearer(bundle, 'alice@example.com')), 'x-benchling-api-key': KEYS.carol });
        t.same(await projectsSeen(own), VIEWS.carol, 'own key (carol) sent with alice: the own key');
        await own.close();
        const vaulted = await connectLegacy(url(bundle), await bearer(bundle, 'alice@example.com'));
        t.same(await projectsSeen(vaulted), VIEWS.alice, "JWT only: alice's key from the vault");
        await vaulted.close();
        const none = await call(bundle, {});
        t.equal(none.status, 401);
        t.match(none.message, /Send your JWT .* or your own key in X-Benchling-API-Key/);
      });
    }
  });
}
