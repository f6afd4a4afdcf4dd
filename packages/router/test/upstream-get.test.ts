import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { getUpstream, jsonOf } from '../src/upstream-get.js';

// The router's GETs of its upstreams (/health probes, metrics for the bundle page), against a real server.
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

t.test('the answer, its status and its JSON; the path replaces the target path', async (t) => {
  const seen: string[] = [];
  const { url } = await serve((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', at: req.url }));
  });
  const ok = await getUpstream({ target: new URL(`${url}/ignored`) }, '/health', 1000);
  t.equal(ok.status, 200);
  t.ok(ok.ok);
  t.same(jsonOf(ok), { status: 'ok', at: '/health' });
  const down = await getUpstream({ target: new URL(url) }, '/metrics?format=json', 1000);
  t.equal(down.status, 503);
  t.notOk(down.ok);
  t.same(seen, ['/health', '/metrics?format=json']);
});

t.test("the upstream's operations token goes with each GET, and no credential without one", async (t) => {
  const seen: (string | undefined)[] = [];
  const { url } = await serve((req, res) => {
    seen.push(req.headers.authorization);
    res.end('{}');
  });
  await getUpstream({ target: new URL(url), opsAuthorization: 'Bearer an-operations-token-of-24-chars' }, '/health', 1000);
  await getUpstream({ target: new URL(url) }, '/metrics?format=json', 1000);
  t.same(seen, ['Bearer an-operations-token-of-24-chars', undefined]);
});

t.test('a body that is not JSON reads as undefined', async (t) => {
  const { url } = await serve((_req, res) => res.end('not json'));
  t.equal(jsonOf(await getUpstream({ target: new URL(url) }, '/health', 1000)), undefined);
});

t.test('nobody listening: the socket error code', async (t) => {
  const { url, server } = await serve((_req, res) => res.end());
  await new Promise((resolve) => server.close(resolve));
  await t.rejects(getUpstream({ target: new URL(url) }, '/health', 1000), { name: 'UpstreamGetError', code: 'ECONNREFUSED' });
});

t.test('no answer within the deadline: a TimeoutError, and the request is not left open', async (t) => {
  let open = 0;
  const { url } = await serve((req) => {
    open++;
    req.socket.on('close', () => open--);
  });
  const started = performance.now();
  await t.rejects(getUpstream({ target: new URL(url) }, '/health', 150), { name: 'TimeoutError', message: 'no answer within 150 ms' });
  t.ok(performance.now() - started < 1000, 'gave up at its deadline');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(open, 0, 'the connection was closed');
});

t.test('a body that never ends is cut at the deadline too', async (t) => {
  const { url } = await serve((_req, res) => {
    res.writeHead(200);
    res.write('{"status":');
  });
  await t.rejects(getUpstream({ target: new URL(url) }, '/health', 150), { name: 'TimeoutError' });
});

t.test('an answer past the bound is refused, not held', async (t) => {
  const { url } = await serve((_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 9; i++) res.write(chunk);
    res.end();
  });
  await t.rejects(getUpstream({ target: new URL(url) }, '/metrics?format=json', 5000), { name: 'UpstreamGetError', message: /larger than/ });
});
