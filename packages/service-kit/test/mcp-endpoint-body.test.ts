// The MCP endpoint's own read of a request body (request-body.ts): a body declared and then stalled gets a 408 at
// the endpoint's body timeout (`bodyTimeoutMs`; LABMCP_MCP_BODY_TIMEOUT_MS in a server: mcp-service.test.ts) and its connection is closed; a
// slow body within it is answered; a client that goes away mid-body costs nothing. Raw sockets, a real service.
import t, { type Test } from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger, createMcpEndpoint, createMetrics, createStatelessMcpServer, mcpRoute, runHttpService } from '../src/index.js';
import { rawConnection } from './helpers/raw-connection.js';

const logger = createLogger('body-test', 'silent');
const metrics = createMetrics('body-test');
/** What the endpoint reported as errors (its `onerror`). */
const errors: Error[] = [];

/** A service over an endpoint made with `options`, for as long as the test runs. */
async function serve(t: Test, options: Parameters<typeof createMcpEndpoint>[1]) {
  const endpoint = createMcpEndpoint(() => createStatelessMcpServer('body-test', '1', 'Answers pings.'), { ...options, onerror: (err) => errors.push(err) });
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

const message = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' });
const head = `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: ${message.length}\r\n\r\n`;

/** Sends the headers and the first `sent` bytes of the message now; the rest (if `rest`) after `rest.afterMs`. */
async function post(port: number, sent: number, rest?: { afterMs: number }) {
  const c = await rawConnection(port, head + message.slice(0, sent));
  if (rest) setTimeout(() => c.socket.write(message.slice(sent)), rest.afterMs);
  return c;
}

/** Waits for the answer to the ping (or the connection's end). */
async function answered(c: Awaited<ReturnType<typeof post>>) {
  while (!c.received().includes('"id":7') && !c.socket.destroyed) await new Promise((r) => setTimeout(r, 20));
  return c.received();
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
  const answer = await answered(c);
  t.match(answer, /^HTTP\/1\.1 200 /);
  t.match(answer, /"result":\{\}/);
});

t.test('a client that goes away mid-body leaves nothing behind: no answer, no error', async (t) => {
  const port = await serve(t, { bodyTimeoutMs: 5000 });
  const c = await post(port, 10);
  await new Promise((r) => setTimeout(r, 50));
  c.socket.destroy();
  await c.closed;
  // The service still answers, and the endpoint reported nothing about the one that left.
  const d = await post(port, message.length);
  t.teardown(() => d.socket.destroy());
  t.match(await answered(d), /^HTTP\/1\.1 200 /);
  t.same(errors, [], 'no error reported');
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
