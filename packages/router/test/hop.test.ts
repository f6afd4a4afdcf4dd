// The router's cheap hop (issue 16): what it now does without a copy, a parse or a listener per request must still
// come out exactly as before. A real router in-process in front of a plain HTTP upstream that records what reaches
// it, and raw sockets where a client library would hide the bytes (no Host, split packets, duplicate headers).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, createMetrics, loadConfig, runHttpService } from '@labmcp/service-kit';
import t from 'tap';
import { createRouterApp } from '../src/app.js';
import { routerSettings } from '../src/config.js';
import { needsParsing } from '../src/jsonrpc.js';

interface Seen {
  url: string;
  rawHeaders: string[];
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: Seen[] = [];
const upstream = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url !== '/health') seen.push({ url: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, body: Buffer.concat(chunks).toString() });
    if (req.url === '/hold') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"held":true}'), 300);
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': ['a=1', 'b=2'],
        'x-upstream': 'yes',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
      })
      .end(JSON.stringify({ ok: true }));
  });
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}
const upstreamPort = await listen(upstream);
const logger = createLogger('router', 'warn', new Writable({ write: (_c, _e, cb) => cb() }));

async function startRouter(env: Record<string, string> = {}) {
  const metrics = createMetrics('router');
  const config = loadConfig(routerSettings, {
    QUILT_MCP_PORT: String(upstreamPort),
    BENCHLING_MCP_PORT: String(upstreamPort),
    ROUTER_MAX_BODY_BYTES: '4096',
    ROUTER_BODY_TIMEOUT_MS: '2000',
    ...env,
  });
  const app = createRouterApp(config, logger, metrics);
  const svc = await runHttpService({ service: 'router', version: '1', host: '127.0.0.1', port: 0, logger, metrics, ...app.serviceHooks });
  return { ...svc, port: Number(new URL(svc.url).port) };
}

const router = await startRouter();
t.teardown(async () => {
  await router.stop();
  upstream.closeAllConnections();
  upstream.close();
});

/** Sends raw bytes, in pieces with a pause between them, and resolves with the whole answer once the connection closes. */
function raw(port: number, pieces: string[], pauseMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', async () => {
      for (const [i, piece] of pieces.entries()) {
        if (i > 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        socket.write(piece);
      }
    });
    socket.on('data', (c) => {
      answer += String(c);
      if (answerComplete(answer)) socket.end();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Whether an HTTP/1.1 answer is all in: its headers, and as many body bytes as they say (or the last chunk). */
function answerComplete(whole: string): boolean {
  // An interim `100 Continue` comes first when the client sent `Expect`.
  const answer = whole.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, '');
  const end = answer.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const head = answer.slice(0, end);
  const body = answer.slice(end + 4);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return Buffer.byteLength(body) >= Number(length);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return body.endsWith('0\r\n\r\n');
  return false;
}

const message = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'registries_list', arguments: {} } });
const post = (body: string, extra = '') =>
  `POST /quilt/mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n`;

t.test('a body reaches the upstream whole, whether it came with its headers, in pieces, or chunked', async (t) => {
  const together = await raw(router.port, [post(message) + message]);
  t.match(together, /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.body, message, 'in the same packet as the headers');

  const split = await raw(router.port, [post(message), message.slice(0, 20), message.slice(20)], 50);
  t.match(split, /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.body, message, 'headers first, then the body in two pieces');
  t.equal(seen.at(-1)!.headers['content-length'], String(Buffer.byteLength(message)));

  const chunked = `POST /quilt/mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n${(20).toString(16)}\r\n${message.slice(0, 20)}\r\n${(message.length - 20).toString(16)}\r\n${message.slice(20)}\r\n0\r\n\r\n`;
  t.match(await raw(router.port, [chunked]), /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.body, message, 'chunked: sent on with its length');
  t.equal(seen.at(-1)!.headers['content-length'], String(Buffer.byteLength(message)));
  t.equal(seen.at(-1)!.headers['transfer-encoding'], undefined);

  const unicode = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: { s: 'Grüße, 世界' } } });
  t.match(await raw(router.port, [post(unicode) + unicode]), /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.body, unicode, 'multi-byte characters intact');

  const get = await raw(router.port, ['GET /quilt/thing?x=1 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n']);
  t.match(get, /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.url, '/thing?x=1');
  t.equal(seen.at(-1)!.body, '', 'a request without a body has none');
  t.equal(seen.at(-1)!.headers['content-length'], undefined, 'and no length is made up for it');
});

t.test('a body over the limit is refused, declared or arriving in the same packet as chunks', async (t) => {
  const big = 'x'.repeat(5000);
  t.match(await raw(router.port, [post(big) + big]), /^HTTP\/1\.1 413/);
  const chunked = `POST /quilt/mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
  t.match(await raw(router.port, [chunked]), /^HTTP\/1\.1 413/);
});

t.test('the headers the upstream gets: the client’s as Node reads them, less what is not for it, plus the forwarding ones', async (t) => {
  const request =
    'POST /quilt/mcp HTTP/1.1\r\n' +
    'host: router.example:8080\r\n' +
    'content-type: application/json\r\n' +
    'connection: keep-alive, x-private-hop\r\n' +
    'x-private-hop: 1\r\n' +
    'keep-alive: timeout=9\r\n' +
    'te: trailers\r\n' +
    'cookie: a=b\r\n' +
    'authorization: Bearer first\r\n' +
    'authorization: Bearer second\r\n' +
    'x-custom: one\r\n' +
    'x-custom: two\r\n' +
    'x-forwarded-for: 6.6.6.6\r\n' +
    'x-forwarded-host: evil.example\r\n' +
    'x-forwarded-proto: https\r\n' +
    'forwarded: for=6.6.6.6\r\n' +
    'x-request-id: hop-1\r\n' +
    'expect: 100-continue\r\n' +
    `content-length: ${message.length}\r\n\r\n${message}`;
  const answer = await raw(router.port, [request]);
  t.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200/, 'the router answers the Expect itself');
  const { headers, rawHeaders } = seen.at(-1)!;
  t.equal(headers.authorization, 'Bearer first', 'a duplicate Authorization goes as Node reads it: the first only');
  t.equal(rawHeaders.filter((h) => h.toLowerCase() === 'authorization').length, 1);
  t.equal(headers['x-custom'], 'one, two', 'other duplicates joined, as Node joins them');
  for (const name of ['x-private-hop', 'keep-alive', 'te', 'cookie', 'expect', 'forwarded']) t.equal(headers[name], undefined, `${name} is not passed on`);
  t.equal(headers['x-forwarded-for'], '127.0.0.1', 'forwarding headers from an untrusted client are replaced');
  t.equal(headers['x-forwarded-host'], 'router.example:8080');
  t.equal(headers['x-forwarded-proto'], 'http');
  t.equal(headers['x-request-id'], 'hop-1');
  t.equal(headers.host, `127.0.0.1:${upstreamPort}`, "the upstream's own name (an ingress in front of it routes by it); the client's is in X-Forwarded-Host");
  t.equal(rawHeaders.filter((h) => h.toLowerCase() === 'host').length, 1, 'one Host');
  t.match(headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'a trace is named');
  t.equal(headers['content-length'], String(message.length));
  // What the client gets back: the upstream's headers, its own hop-by-hop ones left out, each set-cookie kept.
  t.match(answer, /\r\nx-upstream: yes\r\n/i);
  t.equal(answer.match(/\r\nset-cookie: /gi)?.length, 2);
  t.notMatch(answer, /timeout=5/, "the upstream's keep-alive is about its own connection");
  t.match(answer, /\r\nx-request-id: hop-1\r\n/i);
});

t.test("a server's /health and /metrics: the upstream gets the router's operations token for it, never the client's credentials", async (t) => {
  const OPS_TOKEN = 'the-servers-operations-token-here';
  const withToken = await startRouter({ LABMCP_OPS_TOKEN: OPS_TOKEN });
  t.teardown(() => withToken.stop());
  const get = (port: number, path: string) =>
    raw(port, [`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer client-credential\r\nx-benchling-api-key: client-key\r\n\r\n`]);
  for (const path of ['/quilt/metrics', '/benchling/metrics?format=json']) {
    t.match(await get(withToken.port, path), /^HTTP\/1\.1 200/);
    const { url, headers, rawHeaders } = seen.at(-1)!;
    t.equal(url, path.replace(/^\/\w+/, ''));
    t.equal(headers.authorization, `Bearer ${OPS_TOKEN}`, `${path}: the operations token (LABMCP_OPS_TOKEN)`);
    t.equal(rawHeaders.filter((h) => h.toLowerCase() === 'authorization').length, 1);
    t.equal(headers['x-benchling-api-key'], undefined, `${path}: no Benchling key`);
  }
  t.match(await get(router.port, '/quilt/metrics'), /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.headers.authorization, undefined, 'a router without the token sends no credential at all');
  t.match(await raw(withToken.port, [post(message, 'authorization: Bearer client-credential\r\n') + message]), /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.headers.authorization, 'Bearer client-credential', "an MCP request still carries the client's own");
});

t.test("a browser's Origin is the router's to check, and does not go on to the server", async (t) => {
  const answer = await raw(router.port, [post(message, 'origin: http://localhost:6274\r\n') + message]);
  t.match(answer, /^HTTP\/1\.1 200/);
  t.match(answer, /\r\naccess-control-allow-origin: http:\/\/localhost:6274\r\n/i, 'the router answered the browser');
  t.equal(seen.at(-1)!.headers.origin, undefined, 'the server sees no Origin (it allows origins of its own)');
});

t.test('a request without a Host header (HTTP/1.0) still names one upstream', async (t) => {
  const answer = await raw(router.port, [`POST /quilt/mcp HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${message.length}\r\n\r\n${message}`]);
  t.match(answer, /^HTTP\/1\.1 200/);
  t.equal(seen.at(-1)!.headers.host, `127.0.0.1:${upstreamPort}`);
  t.equal(seen.at(-1)!.headers['x-forwarded-host'], undefined);
});

t.test('trusted proxies: their forwarding headers are kept and this hop appended', async (t) => {
  const trusting = await startRouter({ ROUTER_TRUSTED_PROXIES: '127.0.0.1' });
  t.teardown(() => trusting.stop());
  const answer = await raw(trusting.port, [
    post(message, 'x-forwarded-for: 203.0.113.9\r\nx-forwarded-proto: https\r\nx-forwarded-host: public.example\r\nforwarded: for=203.0.113.9\r\n') + message,
  ]);
  t.match(answer, /^HTTP\/1\.1 200/);
  const { headers } = seen.at(-1)!;
  t.equal(headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  t.equal(headers['x-forwarded-proto'], 'https');
  t.equal(headers['x-forwarded-host'], 'public.example');
  t.equal(headers.forwarded, 'for=203.0.113.9');
});

t.test('a trace named only in _meta is the one sent on; a traceparent header wins over it', async (t) => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const meta = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'x', arguments: {}, _meta: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
  });
  await raw(router.port, [post(meta) + meta]);
  t.match(seen.at(-1)!.headers.traceparent, new RegExp(`^00-${traceId}-`), '_meta adopted');
  // The same, with the key spelled with a JSON escape: the bytes never say "traceparent", the parsed message does.
  const escaped = meta.replace('"traceparent"', '"trace\\u0070arent"');
  await raw(router.port, [post(escaped) + escaped]);
  t.match(seen.at(-1)!.headers.traceparent, new RegExp(`^00-${traceId}-`), 'an escaped key adopted too');
  const header = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
  await raw(router.port, [post(meta, `traceparent: ${header}\r\n`) + meta]);
  t.match(seen.at(-1)!.headers.traceparent, new RegExp(`^00-${'a'.repeat(32)}-`), 'the header wins');
});

t.test('concurrency slots come back when answers end, and when clients give up', async (t) => {
  const bounded = await startRouter({ ROUTER_MAX_CONCURRENT_PER_SERVICE: '2' });
  t.teardown(() => bounded.stop());
  for (let i = 0; i < 10; i++) t.match(await raw(bounded.port, [post(message) + message]), /^HTTP\/1\.1 200/);
  // Clients that go away while their calls are held upstream.
  for (let i = 0; i < 4; i++) {
    const socket = connect(bounded.port, '127.0.0.1', () => socket.write(`GET /quilt/hold HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`));
    socket.on('error', () => {});
    await new Promise((r) => setTimeout(r, 30));
    socket.destroy();
  }
  await new Promise((r) => setTimeout(r, 400));
  const statuses = await Promise.all([1, 2].map(() => raw(bounded.port, ['GET /quilt/hold HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n'])));
  for (const s of statuses) t.match(s, /^HTTP\/1\.1 200/, 'both slots are free again');
});

t.test('which bodies are parsed before they are sent on', async (t) => {
  const b = (s: string) => Buffer.from(s);
  t.equal(needsParsing(b(message), true), false, 'a single message naming no trace: not parsed');
  t.equal(needsParsing(b(`  \n\t${message}`), false), false);
  t.equal(needsParsing(b(`[${message}]`), false), true, 'a batch: each message is charged');
  t.equal(needsParsing(b(` \r\n [${message}]`), false), true, 'after whitespace too');
  const meta = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"traceparent":"x"}}}';
  t.equal(needsParsing(b(meta), true), true, 'one that may name its trace, when a trace is wanted');
  t.equal(needsParsing(b(meta), false), false, 'not when the trace is fixed already');
  t.equal(needsParsing(b('{"params":{"s":"\\u00e9"}}'), true), true, 'any \\u escape could spell the name');
  t.equal(needsParsing(b(''), true), false);
});
