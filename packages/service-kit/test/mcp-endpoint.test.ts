import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/server';
import t from 'tap';
import { z } from 'zod';
import { connectLegacy, connectModern } from '../../../test/helpers/mcp-clients.js';
import {
  type Caller,
  callerFrom,
  createLogger,
  createMcpEndpoint,
  createMetrics,
  defineTool,
  HttpError,
  mcpRoute,
  registerTools,
  runHttpService,
  ToolError,
} from '../src/index.js';

const lines: string[] = [];
const logger = createLogger(
  'svc-test',
  'info',
  new Writable({
    write: (c, _e, cb) => {
      lines.push(String(c));
      cb();
    },
  }),
);
const metrics = createMetrics('svc-test');
const tool = defineTool<{ greeting: string }>();

let releaseSlow: (() => void) | undefined;
const tools = [
  tool({
    name: 'greet',
    title: 'Greet',
    description: 'Greets',
    input: z.object({ name: z.string().max(20) }),
    output: z.object({ text: z.string() }),
    annotations: { readOnlyHint: true },
    targets: (a) => ({ name: a.name }),
    run: async (args, ctx) => {
      if (args.name === 'nobody') throw new ToolError('There is nobody to greet.');
      if (args.name === 'crash') throw new Error('internal detail /etc/secret-path');
      if (args.name === 'slow') await new Promise<void>((r) => (releaseSlow = r));
      return { text: `${ctx.greeting}, ${args.name} (from ${ctx.userId})` };
    },
  }),
];

const endpoint = createMcpEndpoint(
  () => {
    const server = new McpServer({ name: 'svc-test', version: '1.2.3' });
    registerTools(server, tools, {
      logger,
      metrics,
      callerContext: (authInfo) => ({ userId: callerFrom<Caller>(authInfo).userId, context: { greeting: 'Hello' } }),
    });
    return server;
  },
  // Non-default options, as the servers pass them (a wrong option once broke plain-JSON clients).
  { maxRequestBodySize: 1024 * 1024, keepAliveMs: 5000 },
);

const service = await runHttpService({
  service: 'svc-test',
  version: '1.2.3',
  host: '127.0.0.1',
  port: 0,
  logger,
  metrics,
  handler: mcpRoute({
    endpoint,
    metrics,
    authenticate: async (req) => {
      if (req.headers.authorization !== 'Bearer good') throw new HttpError(401, 'invalid', 'bad token', { 'www-authenticate': 'Bearer error="invalid_token"' });
      return { userId: 'alice' };
    },
  }),
  health: () => ({ thing: { status: 'ok' } }),
  shutdownTimeoutMs: 3000,
});
t.teardown(() => service.stop());
const mcpUrl = `${service.url}/mcp`;
const auth = { authorization: 'Bearer good' };

for (const connect of [connectModern, connectLegacy]) {
  t.test(`${connect.name}: lists and calls tools`, async (t) => {
    const client = await connect(mcpUrl, auth);
    t.teardown(() => client.close());
    const { tools } = await client.listTools();
    t.same(
      tools.map((x) => x.name),
      ['greet'],
    );
    t.equal(tools[0]?.annotations?.readOnlyHint, true);
    const ok = await client.callTool('greet', { name: 'Bob' });
    t.same(ok.structuredContent, { text: 'Hello, Bob (from alice)' });
    t.notOk(ok.isError);
    const userError = await client.callTool('greet', { name: 'nobody' });
    t.equal(userError.isError, true);
    t.equal(userError.content?.[0]?.text, 'There is nobody to greet.');
    const internal = await client.callTool('greet', { name: 'crash' });
    t.equal(internal.isError, true);
    t.notMatch(internal.content?.[0]?.text ?? '', /secret-path/, 'internal details stay in the log');
    const invalid = await client.callTool('greet', { name: 'x'.repeat(50) });
    t.equal(invalid.isError, true, 'schema violations are tool errors');
  });
}

t.test('plain JSON clients get plain JSON-RPC, not 406', async (t) => {
  const post = (body: unknown) =>
    fetch(mcpUrl, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
  });
  t.equal(init.status, 200);
  t.match(init.headers.get('content-type'), /application\/json/);
  const initBody = (await init.json()) as { result: { serverInfo: { name: string } } };
  t.equal(initBody.result.serverInfo.name, 'svc-test');
  const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'Carol' } } });
  t.equal(call.status, 200);
  t.ok(Number(call.headers.get('content-length')) > 0, 'a JSON answer is sent with its length (one write), not chunked');
  t.equal(call.headers.get('transfer-encoding'), null);
  const callBody = (await call.json()) as { result: { structuredContent: unknown } };
  t.same(callBody.result.structuredContent, { text: 'Hello, Carol (from alice)' });
  // No Accept header at all, as some scripts send.
  const bare = await fetch(mcpUrl, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
  });
  t.equal(bare.status, 200);
  t.match(((await bare.json()) as { result: { tools: unknown[] } }).result.tools, [{ name: 'greet' }]);
});

t.test('authentication failures are 401 with a challenge, before MCP', async (t) => {
  const res = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
  t.equal(res.status, 401);
  t.equal(res.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  const body = (await res.json()) as { error: { message: string } };
  t.equal(body.error.message, 'bad token');
});

t.test('health, request ids, metrics and unknown routes', async (t) => {
  const health = await fetch(`${service.url}/health`);
  t.equal(health.status, 200);
  const report = (await health.json()) as Record<string, unknown>;
  t.match(report, { status: 'ok', service: 'svc-test', version: '1.2.3', checks: { thing: { status: 'ok' } } });
  t.type(report.uptimeSeconds, 'number');
  const kept = await fetch(`${service.url}/nope`, { headers: { 'x-request-id': 'client-id-1' } });
  t.equal(kept.status, 404);
  t.equal(kept.headers.get('x-request-id'), 'client-id-1');
  const assigned = await fetch(`${service.url}/nope`, { headers: { 'x-request-id': 'bad id with spaces' } });
  t.match(assigned.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
  const text = await (await fetch(`${service.url}/metrics`)).text();
  t.match(text, /labmcp_tool_calls_total\{tool="greet",outcome="ok",service="svc-test"\} \d+/);
  t.match(text, /labmcp_auth_failures_total\{reason="invalid",service="svc-test"\} 1/);
  for (const reason of ['missing', 'expired', 'invalid_signature', 'key_rejected']) {
    t.match(text, new RegExp(`labmcp_auth_failures_total\\{reason="${reason}",service="svc-test"\\} \\d+`), `${reason} is on the page before it first happens`);
  }
  t.match(text, /labmcp_process_resident_memory_bytes/);
});

t.test('audit lines name user, tool, targets, outcome and duration', async (t) => {
  const audits = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);
  t.ok(audits.length >= 4);
  t.match(audits[0], { service: 'svc-test', userId: 'alice', tool: 'greet', outcome: 'ok', targets: { name: 'Bob' } });
  t.type(audits[0]?.durationMs, 'number');
  t.ok(audits.some((a) => a.outcome === 'user_error'));
  t.ok(audits.some((a) => a.outcome === 'error'));
  t.notOk(lines.join('').includes('Bearer good'), 'the bearer token is never logged');
});

t.test('a graceful stop finishes the in-flight call, then refuses new connections', async (t) => {
  const svc2 = await runHttpService({
    service: 'svc-test',
    version: '1',
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    handler: mcpRoute({ endpoint, metrics, authenticate: async () => ({ userId: 'u' }) }),
    shutdownTimeoutMs: 5000,
  });
  const client = await connectModern(`${svc2.url}/mcp`);
  const pending = client.callTool('greet', { name: 'slow' });
  while (!releaseSlow) await new Promise((r) => setTimeout(r, 10));
  const stopping = svc2.stop();
  await new Promise((r) => setTimeout(r, 100));
  releaseSlow();
  const result = await pending;
  t.same(result.structuredContent, { text: 'Hello, slow (from u)' });
  await stopping;
  await t.rejects(fetch(`${svc2.url}/health`), 'no longer listening');
  await client.close().catch(() => {});
});

t.test('an authenticator may answer at once: a caller, an HttpError or another error, each as when it is a promise', async (t) => {
  const svc = await runHttpService({
    service: 'svc-test',
    version: '1',
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    handler: mcpRoute({
      endpoint,
      metrics,
      authenticate: (req) => {
        const who = req.headers.authorization ?? '';
        if (who === 'Bearer broken') throw new Error('authenticator bug');
        if (who !== 'Bearer now') throw new HttpError(401, 'invalid', 'not now', { 'www-authenticate': 'Bearer error="invalid_token"' });
        return { userId: 'now' };
      },
    }),
    shutdownTimeoutMs: 2000,
  });
  t.teardown(() => svc.stop());
  const post = (authorization: string) =>
    fetch(`${svc.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Ann"}}}',
    });
  const ok = await post('Bearer now');
  t.equal(ok.status, 200);
  t.match(await ok.text(), /Hello, Ann \(from now\)/);
  const refused = await post('Bearer later');
  t.equal(refused.status, 401);
  t.equal(refused.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  t.match(await refused.json(), { error: { message: 'not now' } });
  const broken = await post('Bearer broken');
  t.equal(broken.status, 500, 'an unexpected error is a 500, as from an async authenticator');
  t.equal((await post('Bearer now')).status, 200, 'and the service goes on');
});
