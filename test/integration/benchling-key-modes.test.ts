/**
 * BENCHLING_KEY_MODE end to end, through the router with both client generations: `user` (each caller's own key),
 * `service` (the shared BENCHLING_API_KEY, only for callers with a valid JWT, audited under the JWT's subject)
 * and `either` (own key if sent, else the service key with a JWT). The service key is carol's, so what a caller
 * sees tells which key was used: alice sees three projects, carol two. (A service key Benchling rejects is
 * covered by the client's unit tests: its error points at BENCHLING_API_KEY.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { type Bundle, startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern, type McpTestClient } from '../helpers/mcp-clients.js';

const ALICE = 'sandbox-key-alice';
const CAROL = 'sandbox-key-carol';
const ALICE_VIEW = ['src_AbDisc03', 'src_Crispr02', 'src_ProtExp1'];
const CAROL_VIEW = ['src_Crispr02', 'src_ProtExp1'];

const common = { BENCHLING_SANDBOX_RATE_LIMIT: '100000', ROUTER_RATE_LIMIT_PER_MINUTE: '100000', ROUTER_RATE_LIMIT_BURST: '10000' };
// One bundle; between modes benchling-mcp and the router (which reads the mode too, to forward JWTs) are
// restarted with the new setting, which is much quicker than a bundle per mode.
const bundle = await startBundle({ env: { ...common, BENCHLING_KEY_MODE: 'user', BENCHLING_API_KEY: CAROL } });
t.teardown(() => bundle.stop());
async function mode(keyMode: 'user' | 'service' | 'either'): Promise<Bundle> {
  if (bundle.env.BENCHLING_KEY_MODE !== keyMode) {
    bundle.env.BENCHLING_KEY_MODE = keyMode;
    // Stateless processes: a hard stop loses nothing, and a graceful one would only add its drain time.
    await Promise.all([bundle.kill('router'), bundle.kill('benchling-mcp')]);
    await bundle.start('benchling-mcp');
    await bundle.start('router');
  }
  const health = (await (await fetch(`${bundle.routerUrl}/benchling/health`)).json()) as { checks: { keys: { mode: string } } };
  if (health.checks.keys.mode !== keyMode) throw new Error(`benchling-mcp runs in mode ${health.checks.keys.mode}, not ${keyMode}`);
  return bundle;
}

const url = (b: Bundle) => `${b.routerUrl}/benchling/mcp`;
const jwt = (b: Bundle, subject: string) => mintDemoToken({ dataDir: b.dataDir, subject });

async function projectsSeen(client: McpTestClient): Promise<string[]> {
  const result = await client.callTool('projects_list', {});
  if (result.isError) throw new Error(result.content?.[0]?.text);
  return ((result.structuredContent?.projects as { id: string }[]) ?? []).map((p) => p.id).sort();
}

async function refused(b: Bundle, headers: Record<string, string>): Promise<{ status: number; message: string }> {
  const res = await fetch(url(b), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'projects_list', arguments: {} } }),
  });
  const body = (await res.json()) as { error?: { message?: string } };
  return { status: res.status, message: body.error?.message ?? '' };
}

function logLines(b: Bundle): string[] {
  return readFileSync(path.join(b.logDir, 'benchling-mcp.log'), 'utf8').split('\n').filter(Boolean);
}

/** The user ids of audit lines written after line `from` of benchling-mcp's log. */
function auditUsers(b: Bundle, from: number): string[] {
  return logLines(b)
    .slice(from)
    .map((l) => JSON.parse(l) as { audit?: boolean; userId?: string })
    .filter((l) => l.audit)
    .map((l) => l.userId ?? '');
}

t.test("user mode: the caller's own key; a JWT alone is not enough", async (t) => {
  const user = await mode('user');
  for (const connect of [connectModern, connectLegacy]) {
    const client = await connect(url(user), { 'x-benchling-api-key': ALICE });
    t.same(await projectsSeen(client), ALICE_VIEW, `${connect.name}: alice's view`);
    await client.close();
  }
  const basic = await connectModern(url(user), { authorization: `Basic ${Buffer.from(`${ALICE}:`).toString('base64')}` });
  t.same(await projectsSeen(basic), ALICE_VIEW, 'the key as HTTP Basic works too');
  await basic.close();
  const token = await jwt(user, 'dana@example.com');
  const r = await refused(user, { authorization: `Bearer ${token}` });
  t.equal(r.status, 401);
  t.match(r.message, /No Benchling API key/);
});

t.test('service mode: the service key, for callers with a valid JWT, audited under their subject', async (t) => {
  const service = await mode('service');
  const from = logLines(service).length;
  const token = await jwt(service, 'dana@example.com');
  for (const connect of [connectModern, connectLegacy]) {
    const client = await connect(url(service), { authorization: `Bearer ${token}` });
    t.same(await projectsSeen(client), CAROL_VIEW, `${connect.name}: the service key's (carol's) view`);
    await client.close();
  }
  const withOwnKey = await connectModern(url(service), { authorization: `Bearer ${token}`, 'x-benchling-api-key': ALICE });
  t.same(await projectsSeen(withOwnKey), CAROL_VIEW, 'a key sent by the caller is ignored in service mode');
  await withOwnKey.close();

  const noJwt = await refused(service, { 'x-benchling-api-key': ALICE });
  t.equal(noJwt.status, 401, 'a key without a JWT is refused');
  t.match(noJwt.message, /send a JWT/);
  const expired = await mintDemoToken({ dataDir: service.dataDir, subject: 'dana@example.com', expiresIn: -3600 });
  const r = await refused(service, { authorization: `Bearer ${expired}` });
  t.equal(r.status, 401);
  t.match(r.message, /expired/);
  await new Promise((res) => setTimeout(res, 200));
  t.ok(auditUsers(service, from).includes('dana@example.com'), 'the audit trail names the JWT subject');
});

t.test('either mode: the own key wins; a JWT alone uses the service key; neither is refused', async (t) => {
  const either = await mode('either');
  const from = logLines(either).length;
  const token = await jwt(either, 'erin@example.com');
  const own = await connectLegacy(url(either), { 'x-benchling-api-key': ALICE });
  t.same(await projectsSeen(own), ALICE_VIEW, "alice's own key");
  await own.close();
  const both = await connectModern(url(either), { 'x-benchling-api-key': ALICE, authorization: `Bearer ${token}` });
  t.same(await projectsSeen(both), ALICE_VIEW, 'own key and JWT: the own key');
  await both.close();
  const viaService = await connectModern(url(either), { authorization: `Bearer ${token}` });
  t.same(await projectsSeen(viaService), CAROL_VIEW, 'JWT only: the service key');
  await viaService.close();
  const none = await refused(either, {});
  t.equal(none.status, 401);
  t.match(none.message, /X-Benchling-API-Key, or a JWT/);
  await new Promise((res) => setTimeout(res, 200));
  const users = auditUsers(either, from);
  t.ok(users.includes('erin@example.com'));
  t.ok(
    users.some((u) => /^key:[0-9a-f]{12}$/.test(u)),
    'own-key calls are audited under a key fingerprint',
  );
});

t.test('no key and no token in any log line, in any mode', async (t) => {
  await new Promise((res) => setTimeout(res, 200));
  const logs = bundle.logs();
  t.match(logs, /"keyMode":"either"/, 'the log covers all three modes');
  for (const secret of [ALICE, CAROL]) t.notOk(logs.includes(secret), `${secret.slice(0, 12)}… not logged`);
  t.notMatch(logs, /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/, 'no JWT');
});
