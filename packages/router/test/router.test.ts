import { createServer, get as httpGet, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, createMetrics, loadConfig, type RunningService, runHttpService } from '@labmcp/service-kit';
import t from 'tap';
import { createRouterApp } from '../src/app.js';
import { routerSettings } from '../src/config.js';

// Stand-in upstreams: plain HTTP servers that record what reaches them, so the router is tested on its own.
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

function upstream(name: string, handler?: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const closed: string[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.once('close', () => closed.push(req.url ?? ''));
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', service: name, version: '9.9.9' }));
      return;
    }
    if (req.url === '/metrics?format=json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify([
          {
            name: 'labmcp_tool_calls_total',
            help: 'x',
            type: 'counter',
            aggregator: 'sum',
            values: [{ value: 3, labels: { service: name, tool: 't', outcome: 'ok' } }],
          },
        ]),
      );
      return;
    }
    if (handler) return handler(req, res);
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'keep-alive': 'timeout=5' }).end(JSON.stringify({ ok: name })),
    );
  });
  return { server, seen, closed };
}

async function listen(server: Server | NetServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

let sseWriter: ServerResponse | undefined;
const quilt = upstream('quilt-mcp', (req, res) => {
  if (req.url === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    sseWriter = res;
    return;
  }
  if (req.url === '/slow') return; // never answers
  if (req.url === '/unauthorized') {
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"', 'content-type': 'application/json' }).end('{}');
    return;
  }
  if (req.url === '/hold') {
    setTimeout(() => res.writeHead(200).end('held'), 400);
    return;
  }
  if (req.url === '/dies-mid-answer') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"partial":');
    setTimeout(() => res.destroy(), 50);
    return;
  }
  if (req.url === '/echo-forwarding') {
    const pick = (h: string) => req.headers[h] ?? null;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ for: pick('x-forwarded-for'), proto: pick('x-forwarded-proto'), host: pick('x-forwarded-host'), expect: pick('expect') }));
    return;
  }
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":"quilt-mcp"}'));
});
const benchling = upstream('benchling-mcp');
const quiltPort = await listen(quilt.server);
const benchlingPort = await listen(benchling.server);

const logLines: string[] = [];
const logger = createLogger(
  'router',
  'info',
  new Writable({
    write: (c, _e, cb) => {
      logLines.push(String(c));
      cb();
    },
  }),
);
const sharedMetrics = createMetrics('router');

/**
 * An upstream that answers /health with `health` and breaks the connection under the first sight of each call (after
 * reading it whole), as a server that dies while handling it would. `calls` records what it saw: the tool of each
 * tools/call, the method of anything else, "batch" for a batch.
 */
async function breakingUpstream(health: Record<string, unknown>): Promise<{ port: number; calls: string[]; close: () => void }> {
  const calls: string[] = [];
  const broken = new Set<string>();
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health));
      return;
    }
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      const message = JSON.parse(body) as { method: string; params?: { name?: string } } | unknown[];
      const what = Array.isArray(message) ? 'batch' : message.method === 'tools/call' ? message.params!.name! : message.method;
      calls.push(what);
      if (what !== 'tools/list' && !broken.has(what)) {
        broken.add(what);
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { ran: what } }));
    });
  });
  const port = await listen(server);
  return {
    port,
    calls,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function startRouter(env: Record<string, string> = {}): Promise<RunningService & { base: string; metrics: ReturnType<typeof createMetrics> }> {
  // The main router keeps the shared registry (its metrics page is checked); extra ones get their own.
  const metrics = Object.keys(env).length === 0 ? sharedMetrics : createMetrics('router');
  const config = loadConfig(routerSettings, {
    QUILT_MCP_PORT: String(quiltPort),
    BENCHLING_MCP_PORT: String(benchlingPort),
    ROUTER_UPSTREAM_TIMEOUT_MS: '500',
    ROUTER_MAX_BODY_BYTES: '1024',
    ...env,
  });
  const app = createRouterApp(config, logger, metrics);
  const svc = await runHttpService({
    service: 'router',
    version: '1',
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    ...app.serviceHooks,
    maxHeaderSize: config.ROUTER_MAX_HEADER_BYTES,
    headersTimeoutMs: config.ROUTER_HEADERS_TIMEOUT_MS,
  });
  app.trackConnections(svc.server);
  return Object.assign(svc, { base: svc.url, metrics });
}

const router = await startRouter();
t.teardown(async () => {
  await router.stop();
  sseWriter?.end();
  quilt.server.closeAllConnections();
  quilt.server.close();
  benchling.server.close();
});

t.test('routes by prefix, strips it, and sets forwarding headers and a request id', async (t) => {
  const res = await fetch(`${router.base}/quilt/mcp?x=1`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
  });
  t.same(await res.json(), { ok: 'quilt-mcp' });
  t.equal(res.headers.get('x-request-id'), 'req-1');
  // The upstream said timeout=5 about its link to the router; the client may only hear about its own (Node's).
  t.notMatch(res.headers.get('keep-alive') ?? '', /timeout=5\b/, 'the upstream keep-alive header is not passed on');
  const seen = quilt.seen.at(-1)!;
  t.equal(seen.url, '/mcp?x=1');
  t.equal(seen.headers['x-request-id'], 'req-1');
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  t.equal(seen.headers['x-forwarded-proto'], 'http');
  t.ok(seen.headers['x-forwarded-host']);
});

t.test('each upstream sees only its own credential', async (t) => {
  const basic = `Basic ${Buffer.from('sk_key:').toString('base64')}`;
  await fetch(`${router.base}/quilt/mcp`, { method: 'POST', body: '{}', headers: { authorization: basic, 'x-benchling-api-key': 'sk_key', cookie: 'a=b' } });
  t.equal(quilt.seen.at(-1)!.headers.authorization, undefined);
  t.equal(quilt.seen.at(-1)!.headers['x-benchling-api-key'], undefined);
  t.equal(quilt.seen.at(-1)!.headers.cookie, undefined);
  await fetch(`${router.base}/benchling/mcp`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer jwt', 'x-benchling-api-key': 'sk_key' } });
  t.equal(benchling.seen.at(-1)!.headers.authorization, undefined, 'user key mode: no JWT for benchling-mcp');
  t.equal(benchling.seen.at(-1)!.headers['x-benchling-api-key'], 'sk_key');
});

t.test('SSE passes through event by event, unbuffered', async (t) => {
  const ac = new AbortController();
  const res = await fetch(`${router.base}/quilt/sse`, { signal: ac.signal });
  t.equal(res.headers.get('content-type'), 'text/event-stream');
  t.equal(res.headers.get('x-accel-buffering'), 'no');
  t.match(res.headers.get('cache-control'), /no-transform/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let received = decoder.decode((await reader.read()).value);
  t.match(received, /: open/);
  for (let i = 0; i < 3; i++) {
    const sent = performance.now();
    sseWriter!.write(`data: {"n":${i}}\n\n`);
    received = decoder.decode((await reader.read()).value);
    t.match(received, new RegExp(`"n":${i}`), `event ${i} arrived on its own`);
    t.ok(performance.now() - sent < 200, 'promptly');
  }
  // A client that goes away cancels the upstream request.
  const closedBefore = quilt.closed.length;
  ac.abort();
  const deadline = Date.now() + 2000;
  while (quilt.closed.length === closedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.ok(quilt.closed.includes('/sse'), 'upstream request closed after the client disconnected');
});

t.test('forwarding headers from a trusted proxy in front are kept, and this hop is appended', async (t) => {
  const behindProxy = await startRouter({ ROUTER_TRUSTED_PROXIES: '127.0.0.0/8' });
  t.teardown(() => behindProxy.stop());
  const res = await fetch(`${behindProxy.base}/quilt/echo-forwarding`, {
    headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.org' },
  });
  t.same(await res.json(), { for: '203.0.113.7, 127.0.0.1', proto: 'https', host: 'mcp.example.org', expect: null });
});

t.test('forwarding headers from anyone else are replaced, not passed on', async (t) => {
  const res = await fetch(`${router.base}/quilt/echo-forwarding`, {
    headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
  });
  t.same(await res.json(), { for: '127.0.0.1', proto: 'http', host: new URL(router.base).host, expect: null });
});

t.test('an upstream that dies mid-answer cuts the response; the client is not handed a short one as whole', async (t) => {
  const res = await fetch(`${router.base}/quilt/dies-mid-answer`);
  t.equal(res.status, 200);
  await t.rejects(res.text(), 'reading the body fails');
  t.equal((await fetch(`${router.base}/quilt/mcp`, { method: 'POST', body: '{}' })).status, 200, 'the router goes on');
});

t.test('a client that gives up on a pending call cancels it upstream', async (t) => {
  const closedBefore = quilt.closed.filter((u) => u === '/slow').length;
  const ac = new AbortController();
  const pending = fetch(`${router.base}/quilt/slow`, { method: 'POST', body: '{}', signal: ac.signal });
  await new Promise((r) => setTimeout(r, 100));
  ac.abort();
  await t.rejects(pending);
  // Well before the router's own upstream timeout (500 ms in these tests, 400 ms from now) would close it.
  const deadline = Date.now() + 250;
  while (quilt.closed.filter((u) => u === '/slow').length === closedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.equal(quilt.closed.filter((u) => u === '/slow').length, closedBefore + 1, 'upstream request closed at once');
});

t.test('a live stream is not cut by the upstream timeout', async (t) => {
  const res = await fetch(`${router.base}/quilt/sse`);
  const reader = res.body!.getReader();
  await reader.read();
  await new Promise((r) => setTimeout(r, 800)); // longer than ROUTER_UPSTREAM_TIMEOUT_MS
  sseWriter!.write('data: still here\n\n');
  t.match(new TextDecoder().decode((await reader.read()).value), /still here/);
  await reader.cancel();
});

t.test('an upstream that never answers gets a 504, not a hang', async (t) => {
  const started = Date.now();
  const res = await fetch(`${router.base}/quilt/slow`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"x"}',
  });
  t.equal(res.status, 504);
  t.match(await res.json(), { jsonrpc: '2.0', error: { code: -32000, message: /did not answer/ } });
  t.ok(Date.now() - started < 2000);
});

t.test('a dead upstream gets a fast 503 with Retry-After; the other still answers', async (t) => {
  const dead = await startRouter({ QUILT_MCP_PORT: '1' });
  t.teardown(() => dead.stop());
  const res = await fetch(`${dead.base}/quilt/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
  t.equal(res.status, 503);
  t.equal(res.headers.get('retry-after'), '2');
  t.match(await res.json(), { jsonrpc: '2.0', error: { message: /quilt-mcp is unavailable/ } });
  const plain = await fetch(`${dead.base}/quilt/health`);
  t.equal(plain.status, 503);
  t.match(await plain.json(), { error: 'upstream_unavailable' });
  const other = await fetch(`${dead.base}/benchling/mcp`, { method: 'POST', body: '{}' });
  t.equal(other.status, 200);
  const health = await fetch(`${dead.base}/health`);
  t.equal(health.status, 503);
  t.match(await health.json(), { status: 'down', checks: { 'quilt-mcp': { status: 'down' }, 'benchling-mcp': { status: 'ok' } } });
});

t.test('a service found down while a request was on its way gets a fast 503, not a connection that is only held', async (t) => {
  // Nothing listens on the port at first, as while PM2 restarts a crashed server.
  const held = createNetServer();
  const port = await listen(held);
  await new Promise<void>((r) => held.close(() => r()));
  const router = await startRouter({ QUILT_MCP_PORT: String(port), ROUTER_UPSTREAM_TIMEOUT_MS: '5000' });
  t.teardown(() => router.stop());
  const body = '{"jsonrpc":"2.0","id":7,"method":"tools/list"}';
  // This request is past the router's "is it down?" check and waits for its body...
  const slow = request(`${router.base}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    slow.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    slow.on('error', reject);
  });
  slow.flushHeaders();
  await new Promise((r) => setTimeout(r, 100));
  // ...when another request finds the service down...
  const first = await fetch(`${router.base}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  t.equal(first.status, 503);
  await first.arrayBuffer();
  // ...and then something accepts connections on its port without answering (PM2's master holding them for a
  // worker that is not there yet, or handing them to the one that just died).
  const accepted: Socket[] = [];
  const holding = createNetServer((socket) => accepted.push(socket));
  await new Promise<void>((r) => holding.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    for (const socket of accepted) socket.destroy();
    holding.close();
  });
  const started = Date.now();
  slow.end(body);
  const { status, text } = await answered;
  t.equal(status, 503, 'answered as unavailable');
  t.match(JSON.parse(text), { jsonrpc: '2.0', error: { message: /quilt-mcp is unavailable/ } });
  t.ok(Date.now() - started < 1000, `at once (${Date.now() - started} ms), not after the upstream timeout`);
  t.equal(accepted.length, 0, 'and not sent to the port while the service is known to be down');
});

t.test('a client whose request found the service down keeps its connection: the 503 is the whole answer', async (t) => {
  // The upstream accepts and hangs up at once: the router's first sign that the service is gone, as when PM2's
  // master drops the connections it held for a worker that died.
  const hangsUp = createNetServer((socket) => socket.end());
  const port = await listen(hangsUp);
  t.teardown(() => hangsUp.close());
  const router = await startRouter({ QUILT_MCP_PORT: String(port) });
  t.teardown(() => router.stop());
  const client = connect(Number(new URL(router.base).port), '127.0.0.1');
  t.teardown(() => client.destroy());
  let received = '';
  let closed = false;
  client.on('data', (chunk) => (received += String(chunk)));
  client.on('close', () => (closed = true));
  const body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
  const ask = () => client.write(`POST /quilt/mcp HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  const answers = () => received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
  ask();
  const deadline = Date.now() + 2000;
  while (answers().length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(answers(), ['HTTP/1.1 503'], 'the first request is answered 503');
  const errors = await router.metrics.registry.getSingleMetric('labmcp_router_upstream_errors_total')!.get();
  t.same(
    errors.values.map((v) => v.value),
    [1],
    'one upstream error counted for it, not one per report of the failure',
  );
  // The connection must stay usable: a keep-alive client sends its next request on it straight away, and a
  // connection closed under that request fails it with a reset instead of a clear answer.
  await new Promise((r) => setTimeout(r, 200));
  t.notOk(closed, 'the router did not close the connection after answering');
  ask();
  while (answers().length < 2 && !closed && Date.now() < deadline + 2000) await new Promise((r) => setTimeout(r, 10));
  t.same(answers(), ['HTTP/1.1 503', 'HTTP/1.1 503'], 'and the next request on it is answered too');
});

t.test('bodies over the limit get 413, declared or chunked', async (t) => {
  const declared = await fetch(`${router.base}/quilt/mcp`, { method: 'POST', body: 'x'.repeat(2000) });
  t.equal(declared.status, 413);
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('y'.repeat(500)));
      c.close();
    },
  });
  const chunked = await fetch(`${router.base}/quilt/mcp`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  t.equal(chunked.status, 413);
});

t.test('rate limit per credential: 429 with Retry-After, others unaffected', async (t) => {
  const limited = await startRouter({ ROUTER_RATE_LIMIT_PER_MINUTE: '60', ROUTER_RATE_LIMIT_BURST: '3' });
  t.teardown(() => limited.stop());
  const call = (auth: string) => fetch(`${limited.base}/quilt/mcp`, { method: 'POST', body: '{}', headers: { authorization: auth } });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await call('Bearer one')).status);
  t.same(statuses, [200, 200, 200, 429, 429]);
  const res = await call('Bearer one');
  t.equal(res.headers.get('retry-after'), '1');
  t.equal((await call('Bearer two')).status, 200, 'another credential has its own bucket');
  // The refusals are summarized per caller (a flood must not become a flood of log lines), never named by secret.
  const before = logLines.length;
  await limited.stop();
  const lines = logLines.slice(before).map((l) => JSON.parse(l) as { event?: string; refused?: number; caller?: string });
  const summary = lines.filter((l) => l.event === 'rate_limited');
  t.equal(summary.length, 1, 'one summary line for the one refused caller');
  t.equal(summary[0]?.refused, 3, 'counting all three refusals');
  t.notMatch(summary[0]?.caller ?? '', /one/, 'the caller is a hash, not the credential');
  const accessLinesOf429 = logLines.filter((l) => l.includes('"statusCode":429'));
  t.equal(accessLinesOf429.length, 0, 'no access line per refused request');
});

t.test('rate-limit refusals come before the rest of the work, and still carry what every answer carries', async (t) => {
  const limited = await startRouter({ ROUTER_RATE_LIMIT_PER_MINUTE: '60', ROUTER_RATE_LIMIT_BURST: '1', ROUTER_ALLOWED_ORIGINS: 'https://app.example.org' });
  t.teardown(() => limited.stop());
  const call = (headers: Record<string, string>) =>
    fetch(`${limited.base}/quilt/mcp`, {
      method: 'POST',
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      headers: { authorization: 'Bearer one', 'content-type': 'application/json', ...headers },
    });
  t.equal((await call({})).status, 200);
  const refused = await call({ 'x-request-id': 'flood-7' });
  t.equal(refused.status, 429);
  t.equal(refused.headers.get('x-request-id'), 'flood-7', 'the request id is kept');
  t.match(await refused.json(), { jsonrpc: '2.0', error: { data: { reason: 'rate_limited' } }, id: null }, 'a JSON-RPC error for a JSON-RPC request');
  t.match((await call({})).headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'or assigned');

  const fromBrowser = await call({ origin: 'https://app.example.org' });
  t.equal(fromBrowser.status, 429);
  t.equal(fromBrowser.headers.get('access-control-allow-origin'), 'https://app.example.org', 'a browser client can read the refusal');
  const preflight = await fetch(`${limited.base}/quilt/mcp`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' },
  });
  t.equal(preflight.status, 204, 'preflights are answered, not limited');
  t.equal((await call({ origin: 'http://evil.example' })).status, 403, 'a refused origin is told so, not rate-limited');

  const text = await limited.metrics.registry.metrics();
  t.match(text, /labmcp_http_requests_total\{route="quilt-mcp",status_class="4xx"[^}]*\} 4/, 'each refusal is counted as a request');
});

t.test('concurrency bound per service: excess is refused at once, the other service is unaffected', async (t) => {
  const bounded = await startRouter({ ROUTER_MAX_CONCURRENT_PER_SERVICE: '2', ROUTER_UPSTREAM_TIMEOUT_MS: '10000' });
  t.teardown(() => bounded.stop());
  const held = [fetch(`${bounded.base}/quilt/hold`), fetch(`${bounded.base}/quilt/hold`)];
  await new Promise((r) => setTimeout(r, 100));
  const extra = await fetch(`${bounded.base}/quilt/mcp`, { method: 'POST', body: '{}' });
  t.equal(extra.status, 503);
  t.match(await extra.json(), { error: 'overloaded' });
  t.equal((await fetch(`${bounded.base}/benchling/mcp`, { method: 'POST', body: '{}' })).status, 200);
  for (const r of await Promise.all(held)) t.equal(r.status, 200);
});

t.test('browser origins: allow-list, CORS and preflight; others refused', async (t) => {
  const cors = await startRouter({ ROUTER_ALLOWED_ORIGINS: 'https://app.example.org', ROUTER_ALLOW_LOCALHOST_ORIGINS: 'false' });
  t.teardown(() => cors.stop());
  const preflight = await fetch(`${cors.base}/quilt/mcp`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' },
  });
  t.equal(preflight.status, 204);
  t.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.org');
  for (const h of ['Authorization', 'X-Benchling-API-Key', 'Mcp-Protocol-Version', 'Mcp-Session-Id'])
    t.match(preflight.headers.get('access-control-allow-headers'), h);
  const actual = await fetch(`${cors.base}/quilt/mcp`, { method: 'POST', body: '{}', headers: { origin: 'https://app.example.org' } });
  t.equal(actual.status, 200);
  t.match(actual.headers.get('access-control-expose-headers'), /Mcp-Session-Id/);
  const evil = await fetch(`${cors.base}/quilt/mcp`, { method: 'POST', body: '{}', headers: { origin: 'http://evil.example' } });
  t.equal(evil.status, 403);
  const local = await fetch(`${cors.base}/quilt/mcp`, { method: 'POST', body: '{}', headers: { origin: 'http://localhost:6274' } });
  t.equal(local.status, 403, 'localhost origins only when allowed');
  const noOrigin = await fetch(`${cors.base}/quilt/mcp`, { method: 'POST', body: '{}' });
  t.equal(noOrigin.status, 200, 'non-browser clients send no Origin and pass');
});

t.test('OAuth protected-resource metadata and the 401 challenge that names it', async (t) => {
  const oauth = await startRouter({ QUILT_AUTHORIZATION_SERVERS: 'https://auth.example.org', ROUTER_PUBLIC_URL: 'https://mcp.example.org' });
  t.teardown(() => oauth.stop());
  const meta = await fetch(`${oauth.base}/.well-known/oauth-protected-resource/quilt/mcp`);
  t.match(await meta.json(), { resource: 'https://mcp.example.org/quilt/mcp', authorization_servers: ['https://auth.example.org'] });
  const challenge = await fetch(`${oauth.base}/quilt/unauthorized`);
  t.equal(challenge.status, 401);
  t.equal(
    challenge.headers.get('www-authenticate'),
    'Bearer error="invalid_token", error_description="expired", resource_metadata="https://mcp.example.org/.well-known/oauth-protected-resource/quilt/mcp"',
  );
  t.equal((await fetch(`${router.base}/.well-known/oauth-protected-resource/quilt/mcp`)).status, 404, 'not served when not configured');
});

t.test('one metrics page for the whole bundle', async (t) => {
  const text = await (await fetch(`${router.base}/metrics`)).text();
  t.match(text, /labmcp_http_requests_total\{[^}]*route="quilt-mcp"[^}]*\}/);
  t.match(text, /labmcp_http_request_duration_seconds_bucket\{/);
  t.match(text, /labmcp_router_upstream_errors_total\{[^}]*kind="timeout"/);
  t.match(text, /labmcp_router_rate_limited_total/);
  t.match(text, /labmcp_router_open_connections/);
  t.match(text, /labmcp_tool_calls_total\{[^}]*service="quilt-mcp"/, 'series from quilt-mcp');
  t.match(text, /labmcp_tool_calls_total\{[^}]*service="benchling-mcp"/, 'series from benchling-mcp');
  t.match(text, /labmcp_router_metrics_scrape_ok\{[^}]*upstream="quilt-mcp"[^}]*\} 1/);
  t.match(text, /labmcp_process_resident_memory_bytes\{[^}]*service="router"/);
  t.equal((text.match(/^# TYPE labmcp_tool_calls_total /gm) ?? []).length, 1, 'each family declared once');
});

t.test('unknown paths are 404 with a hint', async (t) => {
  const res = await fetch(`${router.base}/nope`);
  t.equal(res.status, 404);
});

t.test('no call runs twice: a write tools/call whose reused connection breaks is answered 502, a read-only one is retried', async (t) => {
  // An upstream that names its read-only tools in /health as the servers do.
  const { port, calls, close } = await breakingUpstream({ status: 'ok', readOnlyTools: ['registries_list'] });
  t.teardown(close);
  const router = await startRouter({ QUILT_MCP_PORT: String(port) });
  t.teardown(() => router.stop());
  await (await fetch(`${router.base}/health`)).arrayBuffer(); // the router has read the upstream's read-only tools
  const post = (body: unknown) =>
    fetch(`${router.base}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const call = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
  // Each call goes out on the keep-alive connection the tools/list before it left in the pool.
  const prime = async () => {
    t.equal((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).status, 200);
    await new Promise((r) => setTimeout(r, 50));
  };

  await prime();
  const write = await post(call('package_create'));
  t.equal(write.status, 502, 'a write call is not sent again');
  t.match(await write.json(), {
    jsonrpc: '2.0',
    error: { code: -32000, message: /package_create.*may or may not have run/, data: { reason: 'outcome_unknown' } },
  });
  t.equal(calls.filter((c) => c === 'package_create').length, 1, 'the upstream saw it exactly once');

  await prime();
  const batch = await post([call('registries_list'), call('entry_create')]);
  t.equal(batch.status, 502, 'nor a batch holding one');
  t.equal(calls.filter((c) => c === 'batch').length, 1, 'sent once');

  await prime();
  const read = await post(call('registries_list'));
  t.equal(read.status, 200, 'a read-only call is sent again on a fresh connection');
  t.same(await read.json(), { jsonrpc: '2.0', id: 1, result: { ran: 'registries_list' } });
  t.equal(calls.filter((c) => c === 'registries_list').length, 2, 'and so seen twice');
});

t.test('until an upstream has named its read-only tools, every call of it counts as a write', async (t) => {
  let resets = 0;
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(503).end(); // never says
      return;
    }
    req.resume();
    req.on('end', () => {
      if (resets++ === 1) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(server);
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const router = await startRouter({ QUILT_MCP_PORT: String(port) });
  t.teardown(() => router.stop());
  const post = (body: unknown) =>
    fetch(`${router.base}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.equal((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).status, 200);
  await new Promise((r) => setTimeout(r, 50));
  const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'registries_list', arguments: {} } });
  t.equal(res.status, 502);
  t.equal(resets, 2, 'sent once');
});

/** Raw connections that send full headers and part of the body (or part of the headers), then stall. */
async function stall(base: string, count: number, what: 'body' | 'headers', path: string) {
  const port = Number(new URL(base).port);
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<{ socket: Socket; received: () => string; closed: () => boolean }>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(
              what === 'body'
                ? `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer junk-${i}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"jsonrpc":`
                : `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer junk-${i}\r\n`,
            );
            resolve({ socket, received: () => received, closed: () => closed });
          });
          let received = '';
          let closed = false;
          socket.on('data', (c) => (received += String(c)));
          socket.on('close', () => (closed = true));
          socket.on('error', () => {});
        }),
    ),
  );
  return sockets;
}

t.test('stalled request bodies hold no concurrency slot: valid requests keep being answered', async (t) => {
  const router = await startRouter({
    ROUTER_UPSTREAM_TIMEOUT_MS: '5000',
    ROUTER_RATE_LIMIT_PER_MINUTE: '1000000',
    ROUTER_RATE_LIMIT_BURST: '100000',
    ROUTER_UNVERIFIED_PER_MINUTE: '1000000',
    ROUTER_UNVERIFIED_BURST: '100000',
    ROUTER_UNVERIFIED_TOTAL_BURST: '100000',
  });
  const stalled = [...(await stall(router.base, 200, 'body', '/quilt/mcp')), ...(await stall(router.base, 200, 'body', '/benchling/mcp'))];
  t.teardown(async () => {
    for (const s of stalled) s.socket.destroy();
    await router.stop();
  });
  await new Promise((r) => setTimeout(r, 200));
  for (const service of ['quilt', 'benchling']) {
    const statuses: number[] = [];
    let slowest = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const res = await fetch(`${router.base}/${service}/mcp`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer valid' } });
      await res.arrayBuffer();
      statuses.push(res.status);
      slowest = Math.max(slowest, performance.now() - started);
    }
    t.same(new Set(statuses), new Set([200]), `every valid request to ${service} answered while 200 stalled bodies sit on each service`);
    t.ok(slowest < 1000, `promptly (slowest ${Math.round(slowest)} ms)`);
  }
  t.notOk(
    stalled.some((s) => s.closed()),
    'the stalled connections are still within their deadline',
  );
});

t.test('a body or headers that do not arrive in time get 408, and the connection is closed', async (t) => {
  const router = await startRouter({ ROUTER_BODY_TIMEOUT_MS: '300', ROUTER_HEADERS_TIMEOUT_MS: '300', ROUTER_MAX_CONCURRENT_PER_SERVICE: '2' });
  t.teardown(() => router.stop());
  const bodies = await stall(router.base, 3, 'body', '/quilt/mcp');
  const headers = await stall(router.base, 3, 'headers', '/quilt/mcp');
  const deadline = Date.now() + 3000;
  while ([...bodies, ...headers].some((s) => !s.closed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const s of bodies) {
    t.ok(s.closed(), 'stalled body: connection closed');
    t.match(s.received(), /^HTTP\/1\.1 408 /, 'answered 408');
    t.match(s.received(), /body_timeout/);
  }
  for (const s of headers) {
    t.ok(s.closed(), 'stalled headers: connection closed');
    t.match(s.received(), /^HTTP\/1\.1 408 /, 'answered 408');
  }
  t.equal((await fetch(`${router.base}/quilt/mcp`, { method: 'POST', body: '{}' })).status, 200, 'nothing is held afterwards');
});

t.test('the rate limit cannot be escaped by changing bytes of the credential', async (t) => {
  // An upstream that accepts one token and one Benchling key, as the servers do, and refuses anything else.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      const ok =
        /^bearer\s+valid2?\s*$/i.test(auth.trim()) ||
        req.headers['x-benchling-api-key'] === 'sk_valid' ||
        new RegExp(`^basic\\s+${Buffer.from('sk_valid:').toString('base64')}$`, 'i').test(auth);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(server);
  t.teardown(() => server.close());
  const router = await startRouter({
    QUILT_MCP_PORT: String(port),
    BENCHLING_MCP_PORT: String(port),
    ROUTER_TRUSTED_PROXIES: '127.0.0.1',
    ROUTER_RATE_LIMIT_PER_MINUTE: '60',
    ROUTER_RATE_LIMIT_BURST: '4',
    ROUTER_UNVERIFIED_PER_MINUTE: '60',
    ROUTER_UNVERIFIED_BURST: '3',
    ROUTER_UNVERIFIED_TOTAL_PER_MINUTE: '60',
    ROUTER_UNVERIFIED_TOTAL_BURST: '8',
  });
  t.teardown(() => router.stop());
  // Client addresses as a trusted proxy in front reports them.
  const call = async (service: string, from: string, headers: Record<string, string>, body = '{}') => {
    const res = await fetch(`${router.base}/${service}/mcp`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...headers },
    });
    await res.arrayBuffer();
    return res.status;
  };

  t.equal(await call('quilt', '198.51.100.3', { authorization: 'Bearer valid2' }), 200, 'a credential the service accepts');
  const junk = [];
  for (let i = 0; i < 6; i++) junk.push(await call('quilt', '203.0.113.7', { authorization: `Bearer junk-${i}` }));
  t.same(junk, [401, 401, 401, 429, 429, 429], 'a different junk Bearer each time meets the limit of its client address');
  t.equal(await call('quilt', '198.51.100.1', { authorization: 'Bearer valid' }), 200, 'another address is not affected');

  const variants = ['Bearer valid', 'bearer valid', 'BEARER   valid', ' Bearer valid ', 'bEaReR valid'];
  const cased = [];
  for (const v of variants) cased.push(await call('quilt', '198.51.100.1', { authorization: v }));
  t.same(cased, [200, 200, 200, 429, 429], 'one token in varying case and spacing is one credential (4 left of the burst of 4)');

  const keys = [];
  keys.push(await call('benchling', '198.51.100.2', { 'x-benchling-api-key': 'sk_valid' }));
  keys.push(await call('benchling', '198.51.100.2', { 'x-benchling-api-key': ' sk_valid ' }));
  keys.push(await call('benchling', '198.51.100.2', { authorization: `Basic ${Buffer.from('sk_valid:').toString('base64')}` }));
  keys.push(await call('benchling', '198.51.100.2', { authorization: `basic  ${Buffer.from('sk_valid:').toString('base64')}` }));
  keys.push(await call('benchling', '198.51.100.2', { 'x-benchling-api-key': 'sk_valid' }));
  t.same(keys, [200, 200, 200, 200, 429], 'a Benchling key is one credential however it is sent');

  // Refused credentials from many addresses use up the shared budget (8): then only credentials already accepted pass.
  const spread = [];
  for (let i = 0; i < 6; i++) spread.push(await call('benchling', `192.0.2.${i}`, { 'x-benchling-api-key': `sk_random_${i}` }));
  t.ok(spread.filter((s) => s === 429).length >= 2, `made-up keys from many addresses meet the total limit (${spread.join(', ')})`);
  t.equal(await call('benchling', '192.0.2.99', { 'x-benchling-api-key': 'sk_random_new' }), 429, 'no more of them get through');
  t.equal(await call('quilt', '198.51.100.9', { authorization: 'Bearer valid2' }), 200, 'an accepted credential still does, from any address');
});

t.test('a JSON-RPC batch costs one rate-limit token per message', async (t) => {
  const router = await startRouter({ ROUTER_RATE_LIMIT_PER_MINUTE: '60', ROUTER_RATE_LIMIT_BURST: '5' });
  t.teardown(() => router.stop());
  const message = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'package_verify', arguments: {} } });
  const batch = async (n: number) => {
    const res = await fetch(`${router.base}/quilt/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer batcher' },
      body: JSON.stringify(Array.from({ length: n }, (_, i) => message(i))),
    });
    return { status: res.status, body: await res.text() };
  };
  t.equal((await batch(3)).status, 200, 'three messages: three of five tokens');
  const over = await batch(3);
  t.equal(over.status, 429, 'three more: only two are left');
  t.match(over.body, /batch of 3 messages counts as 3/);
  const huge = await batch(8);
  t.equal(huge.status, 429, 'a batch larger than the burst never passes');
  t.match(JSON.parse(huge.body), { jsonrpc: '2.0', error: { data: { reason: 'rate_limited' }, message: /send smaller batches/ } });
});

/** A GET with any Host header (fetch does not let a caller choose it). */
function getWithHost(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

t.test("without ROUTER_PUBLIC_URL, a client's Host or X-Forwarded-Host does not choose the URLs the router hands out", async (t) => {
  const oauth = await startRouter({ QUILT_AUTHORIZATION_SERVERS: 'https://auth.example.org', ROUTER_ALLOWED_HOSTS: 'mcp.example.org' });
  t.teardown(() => oauth.stop());
  const port = new URL(oauth.base).port;
  const metadata = `${oauth.base}/.well-known/oauth-protected-resource/quilt/mcp`;
  const resourceFor = async (headers: Record<string, string>) => (JSON.parse((await getWithHost(metadata, headers)).body) as { resource: string }).resource;
  t.equal(await resourceFor({ host: 'evil.example' }), `http://mcp.example.org/quilt/mcp`, 'an arbitrary Host is not used');
  t.equal(
    await resourceFor({ host: `127.0.0.1:${port}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
    `http://127.0.0.1:${port}/quilt/mcp`,
    'nor X-Forwarded-* from a client that is not a trusted proxy',
  );
  t.equal(await resourceFor({ host: 'mcp.example.org' }), 'http://mcp.example.org/quilt/mcp', 'an allowed host is');
  const challenge = await getWithHost(`${oauth.base}/quilt/unauthorized`, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
  t.equal(challenge.status, 401);
  t.notMatch(challenge.headers['www-authenticate'] ?? '', /evil/, 'the 401 challenge does not name it either');
  t.match(challenge.headers['www-authenticate'] ?? '', /resource_metadata="http:\/\/mcp\.example\.org\//);

  const behindProxy = await startRouter({
    QUILT_AUTHORIZATION_SERVERS: 'https://auth.example.org',
    ROUTER_ALLOWED_HOSTS: 'mcp.example.org',
    ROUTER_TRUSTED_PROXIES: '127.0.0.1',
  });
  t.teardown(() => behindProxy.stop());
  const viaProxy = (headers: Record<string, string>) =>
    getWithHost(`${behindProxy.base}/.well-known/oauth-protected-resource/quilt/mcp`, headers).then(
      (r) => (JSON.parse(r.body) as { resource: string }).resource,
    );
  t.equal(
    await viaProxy({ host: 'internal:8080', 'x-forwarded-host': 'mcp.example.org', 'x-forwarded-proto': 'https' }),
    'https://mcp.example.org/quilt/mcp',
    "a trusted proxy's X-Forwarded-* are",
  );
  t.equal(
    await viaProxy({ host: 'internal:8080', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
    'https://mcp.example.org/quilt/mcp',
    'but only for an allowed host',
  );
});

t.test("on Quilt's own host name (ROUTER_SERVICE_HOSTS), the OAuth metadata describes <host>/mcp", async (t) => {
  const hosted = await startRouter({
    QUILT_AUTHORIZATION_SERVERS: 'https://auth.example.org',
    ROUTER_ALLOWED_HOSTS: 'mcp.example.org',
    ROUTER_SERVICE_HOSTS: 'quilt.example.org=quilt',
  });
  t.teardown(() => hosted.stop());
  const own = await getWithHost(`${hosted.base}/.well-known/oauth-protected-resource/mcp`, { host: 'quilt.example.org' });
  t.equal(own.status, 200);
  t.match(JSON.parse(own.body), { resource: 'http://quilt.example.org/mcp', authorization_servers: ['https://auth.example.org'] });
  const challenge = await getWithHost(`${hosted.base}/unauthorized`, { host: 'quilt.example.org' });
  t.equal(challenge.status, 401, "quilt.example.org/unauthorized is quilt-mcp's /unauthorized");
  t.match(challenge.headers['www-authenticate'] ?? '', /resource_metadata="http:\/\/quilt\.example\.org\/\.well-known\/oauth-protected-resource\/mcp"/);
  const prefixed = await getWithHost(`${hosted.base}/.well-known/oauth-protected-resource/quilt/mcp`, { host: 'mcp.example.org' });
  t.match(JSON.parse(prefixed.body), { resource: 'http://mcp.example.org/quilt/mcp' }, 'the prefixed endpoint keeps its own on the router host');
});

t.test('/health and /metrics: status only for the public, details on loopback or with the token, nothing for a foreign Host', async (t) => {
  const token = 'ops-token-0123456789-abcdefgh';
  const ops = await startRouter({ ROUTER_TRUSTED_PROXIES: '127.0.0.1', ROUTER_OPS_TOKEN: token, ROUTER_ALLOWED_HOSTS: 'mcp.example.org' });
  t.teardown(() => ops.stop());
  const port = new URL(ops.base).port;
  const publicClient = { host: 'mcp.example.org', 'x-forwarded-for': '203.0.113.7' };

  const health = await getWithHost(`${ops.base}/health`, publicClient);
  t.equal(health.status, 200);
  t.same(
    JSON.parse(health.body),
    { status: 'ok', checks: { 'quilt-mcp': { status: 'ok' }, 'benchling-mcp': { status: 'ok' } } },
    'the public sees the status per service and nothing else',
  );
  t.equal((await getWithHost(`${ops.base}/metrics`, publicClient)).status, 403, 'and no metrics');
  const serverHealth = await getWithHost(`${ops.base}/quilt/health`, publicClient);
  t.same(JSON.parse(serverHealth.body), { status: 'ok' }, "a server's own /health through the router: status only");
  t.equal((await getWithHost(`${ops.base}/benchling/metrics`, publicClient)).status, 403, "a server's own /metrics: refused");

  const withToken = await getWithHost(`${ops.base}/health`, { ...publicClient, authorization: `Bearer ${token}` });
  t.match(
    JSON.parse(withToken.body),
    { service: 'router', version: '1', checks: { 'quilt-mcp': { status: 'ok', version: '9.9.9' } } },
    'the token shows the details',
  );
  t.equal((await getWithHost(`${ops.base}/metrics`, { ...publicClient, authorization: `Bearer ${token}` })).status, 200);
  t.equal(
    (await getWithHost(`${ops.base}/metrics`, { ...publicClient, authorization: 'Bearer ops-token-0123456789-abcdefgX' })).status,
    403,
    'a wrong token does not',
  );
  const local = await getWithHost(`${ops.base}/health`, { host: `127.0.0.1:${port}` });
  t.match(JSON.parse(local.body), { service: 'router', checks: { 'quilt-mcp': { version: '9.9.9' } } }, 'loopback sees the details');
  t.equal((await getWithHost(`${ops.base}/quilt/health`, { host: `localhost:${port}` })).body.includes('9.9.9'), true, "and a server's own /health");
  // A proxy in front that marks a request as from outside (X-Labmcp-Ops-Access) lowers even loopback's access.
  const marked = { host: `127.0.0.1:${port}`, 'x-labmcp-ops-access': 'status' };
  t.same(JSON.parse((await getWithHost(`${ops.base}/health`, marked)).body), JSON.parse(health.body), 'X-Labmcp-Ops-Access: status: the status only');
  t.same(JSON.parse((await getWithHost(`${ops.base}/quilt/health`, marked)).body), { status: 'ok' }, "… of a server's own /health too");
  t.equal((await getWithHost(`${ops.base}/metrics`, marked)).status, 403, '… and no metrics');
  t.equal(
    (await getWithHost(`${ops.base}/metrics`, { ...publicClient, 'x-labmcp-ops-access': 'full', authorization: `Bearer ${token}` })).status,
    200,
    'it never raises access',
  );

  for (const path of ['/health', '/metrics', '/quilt/health', '/benchling/metrics']) {
    t.equal(
      (await getWithHost(`${ops.base}${path}`, { host: `rebound.evil.example:${port}` })).status,
      403,
      `${path} is refused for a Host the router does not answer to, even from loopback`,
    );
  }
});

t.test('an upstream whose /health names another service is reported down', async (t) => {
  // QUILT_MCP_PORT pointing at benchling-mcp: a setting gone wrong, or another process on the port.
  const crossed = await startRouter({ QUILT_MCP_PORT: String(benchlingPort) });
  t.teardown(() => crossed.stop());
  const res = await fetch(`${crossed.base}/health`);
  t.equal(res.status, 503, 'the bundle is not reported healthy');
  const health = (await res.json()) as { checks: Record<string, { status: string; error?: string }> };
  t.match(health.checks['quilt-mcp'], { status: 'down', error: 'its /health answers as "benchling-mcp", not quilt-mcp' });
  t.equal(health.checks['benchling-mcp']?.status, 'ok', 'the right one is up');
});

t.test("the read-only tools an answer naming another service lists are not taken as the upstream's", async (t) => {
  // Where quilt-mcp should be, a server whose /health names benchling-mcp and lists a read-only tool, and that breaks
  // the connection under the first sight of each call: a call of that tool must not be sent twice.
  const { port, calls, close } = await breakingUpstream({ status: 'ok', service: 'benchling-mcp', readOnlyTools: ['projects_list'] });
  t.teardown(close);
  const crossed = await startRouter({ QUILT_MCP_PORT: String(port) });
  t.teardown(() => crossed.stop());
  const post = (body: unknown) =>
    fetch(`${crossed.base}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // The router asks for the list at start and with each call while it is unknown; the aggregated /health reads it too.
  await (await fetch(`${crossed.base}/health`)).arrayBuffer();
  t.equal((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).status, 200);
  await new Promise((r) => setTimeout(r, 50));
  const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'projects_list', arguments: {} } });
  t.equal(res.status, 502, 'the call counts as a write');
  t.equal(calls.filter((c) => c === 'projects_list').length, 1, 'sent once');
});
