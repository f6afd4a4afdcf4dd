// The MCP endpoint's own read of a request body (request-body.ts): a body declared and then stalled gets a 408 at
// the endpoint's body timeout (`bodyTimeoutMs`, else LABMCP_MCP_BODY_TIMEOUT_MS) and its connection is closed; a
// slow body within it is answered; a client that goes away mid-body costs nothing. Raw sockets, a real service.
import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  type Caller,
  callerFrom,
  createLogger,
  createMcpEndpoint,
  createMetrics,
  createStatelessMcpServer,
  defineTool,
  mcpRoute,
  registerTools,
  runHttpService,
} from '../src/index.js';

const lines: string[] = [];
const logger = createLogger(
  'body-test',
  'info',
  new Writable({
    write: (c, _e, cb) => {
      lines.push(String(c));
      cb();
    },
  }),
);
const metrics = createMetrics('body-test');
const tool = defineTool<Record<string, never>>();
const tools = [
  tool({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes',
    input: z.object({ text: z.string().max(100) }),
    output: z.object({ text: z.string() }),
    annotations: { readOnlyHint: true },
    run: async (args) => ({ text: args.text }),
  }),
];
const factory = () => {
  const server = createStatelessMcpServer('body-test', '1', 'Echoes.');
  registerTools(server, tools, {
    service: 'body-test',
    logger,
    metrics,
    callerContext: (authInfo) => ({ userId: callerFrom<Caller>(authInfo).userId, context: {} }),
  });
  return server;
};

/** A service over an endpoint made with `options`, for as long as the test runs. */
async function serve(t: Test, options: Parameters<typeof createMcpEndpoint>[1]) {
  const endpoint = createMcpEndpoint(factory, options);
  const service = await runHttpService({
    service: 'body-test',
    version: '1',
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    handler: mcpRoute({ endpoint, metrics, authenticate: async () => ({ userId: 'ann' }) }),
    shutdownTimeoutMs: 1000,
  });
  t.teardown(() => service.stop());
  return Number(new URL(service.url).port);
}

const message = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
const head = `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: ${message.length}\r\n\r\n`;

/** Sends the headers and the first `sent` bytes of the message now; the rest (if `rest`) after `restAfterMs`. */
async function post(port: number, sent: number, rest?: { afterMs: number }) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  const began = performance.now();
  socket.write(head + message.slice(0, sent));
  if (rest) setTimeout(() => socket.write(message.slice(sent)), rest.afterMs);
  return { socket, closed, received: () => received, began };
}

t.test('a body declared and then stalled gets a 408 JSON-RPC error at the body timeout, and the connection is closed', async (t) => {
  const port = await serve(t, { bodyTimeoutMs: 300 });
  const c = await post(port, 10);
  t.teardown(() => c.socket.destroy());
  await c.closed;
  const ms = performance.now() - c.began;
  t.ok(ms >= 290 && ms < 5000, `closed at the deadline (${Math.round(ms)} ms)`);
  t.match(c.received(), /^HTTP\/1\.1 408 /);
  t.match(c.received(), /\r\nconnection: close\r\n/i);
  const body = c.received().slice(c.received().indexOf('\r\n\r\n') + 4);
  t.match(JSON.parse(body), { jsonrpc: '2.0', id: null, error: { code: -32000, message: /did not arrive within 300 ms/ } });
});

t.test('a slow body that arrives within the timeout is answered', async (t) => {
  const port = await serve(t, { bodyTimeoutMs: 2000 });
  const c = await post(port, 10, { afterMs: 150 });
  t.teardown(() => c.socket.destroy());
  while (!c.received().includes('"hi"') && !c.socket.destroyed) await new Promise((r) => setTimeout(r, 20));
  t.match(c.received(), /^HTTP\/1\.1 200 /);
  t.match(c.received(), /"text":"hi"/);
});

t.test('without the option, LABMCP_MCP_BODY_TIMEOUT_MS sets the timeout', async (t) => {
  const before = process.env.LABMCP_MCP_BODY_TIMEOUT_MS;
  process.env.LABMCP_MCP_BODY_TIMEOUT_MS = '250';
  t.teardown(() => {
    if (before === undefined) delete process.env.LABMCP_MCP_BODY_TIMEOUT_MS;
    else process.env.LABMCP_MCP_BODY_TIMEOUT_MS = before;
  });
  const port = await serve(t, {});
  const c = await post(port, 10);
  t.teardown(() => c.socket.destroy());
  await c.closed;
  t.match(c.received(), /^HTTP\/1\.1 408 /);
  t.match(c.received(), /did not arrive within 250 ms/);
});

t.test('a client that goes away mid-body leaves nothing behind: no answer, no error logged', async (t) => {
  const port = await serve(t, { bodyTimeoutMs: 5000 });
  const logged = lines.length;
  const c = await post(port, 10);
  await new Promise((r) => setTimeout(r, 50));
  c.socket.destroy();
  await c.closed;
  // The service still answers, and said nothing about the one that left.
  const d = await post(port, message.length);
  t.teardown(() => d.socket.destroy());
  while (!d.received().includes('"hi"') && !d.socket.destroyed) await new Promise((r) => setTimeout(r, 20));
  t.match(d.received(), /^HTTP\/1\.1 200 /);
  t.same(
    lines.slice(logged).filter((l) => /"level":"(warn|error|fatal)"/.test(l)),
    [],
    'no warning or error',
  );
});

t.test('LABMCP_MCP_BODY_TIMEOUT_MS is validated with the other settings', async (t) => {
  t.equal(loadConfig({}, {}).LABMCP_MCP_BODY_TIMEOUT_MS, 30_000, 'default 30 s');
  t.equal(loadConfig({}, { LABMCP_MCP_BODY_TIMEOUT_MS: '5000' }).LABMCP_MCP_BODY_TIMEOUT_MS, 5000);
  for (const bad of ['0', '300001', '1.5', 'soon']) {
    const err = t.throws(() => loadConfig({}, { LABMCP_MCP_BODY_TIMEOUT_MS: bad })) as ConfigError;
    t.type(err, ConfigError);
    t.match(err.message, /LABMCP_MCP_BODY_TIMEOUT_MS: /, `${bad} is refused`);
  }
});
