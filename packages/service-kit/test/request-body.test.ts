// The shared request-body reader (request-body.ts) over a real loopback HTTP server, with raw sockets for the
// client, so that what arrives when (all at once, in pieces, stalled, cut off) is the test's to decide.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { BodyAbortedError, BodyTimeoutError, BodyTooLargeError, bufferedBody, readBody } from '../src/request-body.js';
import { rawConnection } from './helpers/raw-connection.js';

const LIMIT = 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
const server = createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
t.teardown(() => {
  server.closeAllConnections();
  server.close();
});

interface Read {
  body?: Buffer;
  error?: unknown;
  /** Milliseconds from the request's headers to the reader's answer. */
  ms: number;
}

/**
 * Serves the next request with `read`, answering as the callers do: 200 with the body's length, 413 on
 * BodyTooLargeError, 408 on BodyTimeoutError (the connection closed after it), nothing when the client went away.
 */
function serveNext(read: (req: IncomingMessage) => Buffer | undefined | Promise<Buffer>): Promise<Read & { req: IncomingMessage }> {
  return new Promise((resolve) => {
    handler = (req, res) => {
      const began = performance.now();
      const done = (outcome: { body?: Buffer; error?: unknown }) => {
        resolve({ ...outcome, ms: performance.now() - began, req });
        if (outcome.body) res.end(`read ${outcome.body.length}`);
        else if (outcome.error instanceof BodyTooLargeError) res.writeHead(413, { connection: 'close' }).end('too large');
        else if (outcome.error instanceof BodyTimeoutError) {
          res.once('finish', () => req.socket.destroy());
          res.writeHead(408, { connection: 'close' }).end('too slow');
        }
      };
      try {
        const result = read(req);
        if (result instanceof Promise)
          result.then(
            (body) => done({ body }),
            (error: unknown) => done({ error }),
          );
        else done({ body: result });
      } catch (error) {
        done({ error });
      }
    };
  });
}

const client = (...parts: string[]) => rawConnection(port, ...parts);

const head = (headers: string) => `POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}\r\n`;
const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
const listeners = (req: IncomingMessage) => ['data', 'end', 'error', 'close'].map((name) => req.listenerCount(name));

t.test('a body that came with its headers is taken from the buffer a turn later, with no listener added', async (t) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  let before: number[] = [];
  let after: number[] = [];
  const served = serveNext((req) => {
    before = listeners(req);
    return new Promise((resolve) =>
      setImmediate(() => {
        const read = bufferedBody(req, LIMIT);
        after = listeners(req);
        t.ok(read, 'all in: taken at once');
        resolve(read!);
      }),
    );
  });
  const c = await client(head(`content-length: ${body.length}\r\n`) + body);
  t.teardown(() => c.socket.destroy());
  const { body: read, req } = await served;
  t.equal(read?.toString(), body);
  t.same(after, before, 'no listener left behind');
  if (!req.readableEnded) await once(req, 'end');
  t.pass('the request then ends by itself');
});

t.test('a request without a body has an empty one at once', async (t) => {
  const served = serveNext((req) => bufferedBody(req, LIMIT));
  const c = await client('GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
  t.teardown(() => c.socket.destroy());
  const { body } = await served;
  t.equal(body?.length, 0);
});

t.test('a body not all in is left to readBody, which takes it whole as it trickles in', async (t) => {
  const body = 'x'.repeat(600);
  let buffered: Buffer | undefined | 'not called' = 'not called';
  let before: number[] = [];
  const served = serveNext((req) => {
    before = listeners(req);
    buffered = bufferedBody(req, LIMIT);
    return readBody(req, LIMIT, 5000);
  });
  const c = await client(head(`content-length: ${body.length}\r\n`) + body.slice(0, 100));
  t.teardown(() => c.socket.destroy());
  for (let at = 100; at < body.length; at += 100) {
    await new Promise((r) => setTimeout(r, 30));
    c.socket.write(body.slice(at, at + 100));
  }
  const { body: read, req, error } = await served;
  t.error(error);
  t.equal(buffered, undefined, 'bufferedBody: not all in, undefined');
  t.equal(read?.toString(), body, 'readBody: whole, in order');
  t.same(listeners(req), before, 'its listeners removed');
});

t.test('a chunked body is read whole, and the terminating chunk ends it', async (t) => {
  const served = serveNext((req) => bufferedBody(req, LIMIT) ?? readBody(req, LIMIT, 5000));
  const c = await client(head('transfer-encoding: chunked\r\n') + chunk('hello '));
  t.teardown(() => c.socket.destroy());
  await new Promise((r) => setTimeout(r, 30));
  c.socket.write(`${chunk('world')}0\r\n\r\n`);
  const { body } = await served;
  t.equal(body?.toString(), 'hello world');
});

t.test('a body declared over the limit is refused unread, and the 413 still reaches the client', async (t) => {
  const served = serveNext((req) => bufferedBody(req, LIMIT));
  const c = await client(head(`content-length: ${4 * LIMIT}\r\n`) + 'a'.repeat(LIMIT));
  t.teardown(() => c.socket.destroy());
  const { error } = await served;
  t.type(error, BodyTooLargeError);
  t.equal((error as BodyTooLargeError).limit, LIMIT);
  c.socket.write('a'.repeat(3 * LIMIT));
  await c.closed;
  t.match(c.received(), /^HTTP\/1\.1 413 /);
});

t.test('a chunked body is refused as it crosses the limit, before it ends, and the 413 reaches the client', async (t) => {
  const served = serveNext((req) => bufferedBody(req, LIMIT) ?? readBody(req, LIMIT, 5000));
  const c = await client(head('transfer-encoding: chunked\r\n') + chunk('a'.repeat(600)));
  t.teardown(() => c.socket.destroy());
  await new Promise((r) => setTimeout(r, 30));
  // Over the limit, and no terminating chunk: only the limit can end the read.
  c.socket.write(chunk('b'.repeat(600)));
  const { error } = await served;
  t.type(error, BodyTooLargeError);
  await c.closed;
  t.match(c.received(), /^HTTP\/1\.1 413 /);
});

t.test('bytes buffered over the limit without a declared length are refused by bufferedBody', async (t) => {
  const served = serveNext(async (req) => {
    await new Promise((r) => setImmediate(r));
    return bufferedBody(req, LIMIT)!;
  });
  const c = await client(`${head('transfer-encoding: chunked\r\n') + chunk('c'.repeat(2 * LIMIT))}0\r\n\r\n`);
  t.teardown(() => c.socket.destroy());
  const { error } = await served;
  t.type(error, BodyTooLargeError);
  await c.closed;
  t.match(c.received(), /^HTTP\/1\.1 413 /);
});

t.test('a stalled body times out: BodyTimeoutError, and the 408 still reaches the client', async (t) => {
  const served = serveNext((req) => bufferedBody(req, LIMIT) ?? readBody(req, LIMIT, 200));
  const c = await client(`${head('content-length: 100\r\n')}only ten b`);
  t.teardown(() => c.socket.destroy());
  const { error, ms } = await served;
  t.type(error, BodyTimeoutError);
  t.equal((error as BodyTimeoutError).timeoutMs, 200);
  t.ok(ms >= 190 && ms < 2000, `at the deadline (${Math.round(ms)} ms)`);
  await c.closed;
  t.match(c.received(), /^HTTP\/1\.1 408 /);
});

for (const timeoutMs of [10_000, undefined]) {
  t.test(`a client that goes away mid-body: rejected at once, not at the deadline (timeout ${timeoutMs ?? 'none'})`, async (t) => {
    let before: number[] = [];
    const served = serveNext((req) => {
      before = listeners(req);
      return bufferedBody(req, LIMIT) ?? readBody(req, LIMIT, timeoutMs);
    });
    const c = await client(`${head('content-length: 100\r\n')}only ten b`);
    setTimeout(() => c.socket.destroy(), 50);
    const { error, req, ms } = await served;
    t.ok(error instanceof BodyAbortedError || (error as NodeJS.ErrnoException).code === 'ECONNRESET', `rejected as cut off (${String(error)})`);
    t.ok(ms < 2000, `promptly (${Math.round(ms)} ms)`);
    t.same(listeners(req), before, 'its listeners removed');
  });
}

t.test('readBody of a request already gone rejects at once', async (t) => {
  const served = serveNext(async (req) => {
    req.on('error', () => {});
    await new Promise((r) => req.once('close', r));
    return readBody(req, LIMIT);
  });
  const c = await client(`${head('content-length: 100\r\n')}only ten b`);
  setTimeout(() => c.socket.destroy(), 20);
  const { error } = await served;
  t.type(error, BodyAbortedError);
});
