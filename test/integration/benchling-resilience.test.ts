/**
 * Benchling misbehaving, end to end: injected 5xx answers (retried, then a clear error), the tenant's rate limit
 * (a low one here: 12 requests per 2 s for the whole tenant) paced across two users, 429s waited out, and
 * timeouts. Faults are queued through the sandbox's test-only admin endpoints.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern, type McpTestClient } from '../helpers/mcp-clients.js';

const bundle = await startBundle({
  env: {
    BENCHLING_SANDBOX_ADMIN: 'true',
    BENCHLING_SANDBOX_RATE_LIMIT: '12',
    BENCHLING_SANDBOX_RATE_WINDOW_SECONDS: '2',
    BENCHLING_RETRY_BASE_DELAY_MS: '50',
    BENCHLING_RETRY_MAX_DELAY_MS: '200',
    BENCHLING_RETRY_MAX_ATTEMPTS: '4',
    BENCHLING_REQUEST_TIMEOUT_MS: '1500',
    ROUTER_RATE_LIMIT_PER_MINUTE: '100000',
    ROUTER_RATE_LIMIT_BURST: '10000',
  },
});
t.teardown(() => bundle.stop());
const mcpUrl = `${bundle.routerUrl}/benchling/mcp`;
const sandboxUrl = `http://127.0.0.1:${bundle.ports['benchling-sandbox']}`;
const as = (key: string) => ({ 'x-benchling-api-key': key });

async function admin(method: string, route: string, body?: unknown): Promise<void> {
  const res = await fetch(`${sandboxUrl}/_sandbox/${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox admin ${method} ${route}: ${res.status} ${await res.text()}`);
}

function mcpLog(): { msg?: string; benchling?: { status?: number } }[] {
  return readFileSync(path.join(bundle.logDir, 'benchling-mcp.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg?: string; benchling?: { status?: number } });
}

const rateLimitHits = () => mcpLog().filter((l) => l.msg === 'Benchling rate limit hit; waiting for the window to reset').length;

let alice: McpTestClient;
t.before(async () => {
  alice = await connectModern(mcpUrl, as('sandbox-key-alice'));
});
t.teardown(() => alice?.close());

t.test('a few 503s are retried away', async (t) => {
  await admin('POST', 'faults', { kind: 'status', status: 503, count: 2 });
  const result = await alice.callTool('projects_list', {});
  t.notOk(result.isError, result.content?.[0]?.text ?? '');
  t.equal((result.structuredContent?.projects as unknown[] | undefined)?.length, 3);
  await admin('POST', 'faults', { kind: 'status', status: 502, count: 1, body: 'html' });
  t.notOk((await alice.callTool('folders_list', {})).isError, 'a proxy-style HTML 502 too');
});

t.test('a Benchling that stays down: a clear error after the bounded tries', async (t) => {
  await admin('POST', 'faults', { kind: 'status', status: 503, count: 50 });
  const started = Date.now();
  const result = await alice.callTool('entry_get', { entry_id: 'etr_ExpRn001' });
  await admin('DELETE', 'faults');
  t.equal(result.isError, true);
  t.match(result.content?.[0]?.text, /Benchling failed or is unavailable: HTTP 503.*Injected fault.*4 tries/);
  t.ok(Date.now() - started < 5000, 'bounded in time');
});

t.test('a slow Benchling: the request times out with a clear error', async (t) => {
  await admin('POST', 'faults', { kind: 'delay', ms: 4000, count: 1 });
  const result = await alice.callTool('projects_list', {});
  t.equal(result.isError, true);
  t.match(result.content?.[0]?.text, /did not answer GET \/projects within 1\.5 s/);
});

t.test("the tenant's limit used up: the call waits for the reset instead of failing", async (t) => {
  const before = rateLimitHits();
  // The sandbox's 2 s windows are aligned to the clock: exhausted near a window's end, the limit would be back before
  // the call reached it (seen under load). Exhaust early in a window, so the call meets the 429.
  const intoWindow = Date.now() % 2000;
  if (intoWindow > 500) await new Promise((r) => setTimeout(r, 2000 - intoWindow + 20));
  await admin('POST', 'rate-limit/exhaust');
  const started = Date.now();
  const result = await alice.callTool('aa_sequences_list', {});
  t.notOk(result.isError, result.content?.[0]?.text ?? '');
  t.ok(Date.now() - started < 4000, 'within about one 2 s window');
  t.ok(rateLimitHits() > before, 'the 429 was seen and waited out');
});

t.test('two users, one tenant limit: requests are paced so nobody hits it', async (t) => {
  await new Promise((r) => setTimeout(r, 2100)); // a fresh window
  const bob = await connectLegacy(mcpUrl, as('sandbox-key-bob'));
  t.teardown(() => bob.close());
  const before = rateLimitHits();
  const started = Date.now();
  const calls = (client: McpTestClient) =>
    (async () => {
      const errors: string[] = [];
      for (let i = 0; i < 15; i++) {
        const r = await client.callTool('entries_list', { project_id: 'src_ProtExp1', page_size: 2 });
        if (r.isError) errors.push(r.content?.[0]?.text ?? '');
      }
      return errors;
    })();
  const [a, b] = await Promise.all([calls(alice), calls(bob)]);
  t.same([...a, ...b], [], 'all 30 calls succeed');
  t.ok(Date.now() - started >= 2000, 'spread over more than one window (30 requests, 12 per window)');
  t.ok(rateLimitHits() - before <= 1, `the limit was (nearly) never hit: ${rateLimitHits() - before} 429s`);
});
