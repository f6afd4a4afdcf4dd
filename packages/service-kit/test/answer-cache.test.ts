// The endpoint's answer cache over real HTTP: a repeated tools/list / initialize / server/discover is answered
// without building a server (the factory is not called), per distinct request and scope set; tools/call always
// goes through the SDK (or the shared server, with sharedToolCalls); the cache is bounded. (Byte-for-byte equality with the SDK's answers, for both real
// servers, both eras and each scope set: test/integration/answer-cache.test.ts.)
import net from 'node:net';
import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/server';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { type Caller, callerFrom, createLogger, createMcpEndpoint, createMetrics, defineTool, mcpRoute, registerTools, runHttpService } from '../src/index.js';

const logger = createLogger('cache-test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
const metrics = createMetrics('cache-test');
const tool = defineTool<object>();
const tools = [
  tool({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes',
    input: z.object({ text: z.string().max(20) }),
    output: z.object({ text: z.string() }),
    annotations: { readOnlyHint: true },
    run: async (args) => ({ text: args.text }),
  }),
  tool({
    name: 'shout',
    title: 'Shout',
    description: 'Echoes louder (needs the write scope, so tools/list differs by scope)',
    input: z.object({ text: z.string().max(20) }),
    output: z.object({ text: z.string() }),
    annotations: { readOnlyHint: true },
    scope: 'write',
    run: async (args) => ({ text: args.text.toUpperCase() }),
  }),
];

let built = 0;
async function serve(t: Test, answerCacheEntries?: number, sharedToolCalls = false) {
  const endpoint = createMcpEndpoint(
    () => {
      built++;
      const server = new McpServer({ name: 'cache-test', version: '1.0.0' });
      registerTools(server, tools, {
        logger,
        metrics,
        callerContext: (authInfo) => ({ userId: callerFrom<Caller>(authInfo).userId, scopes: new Set(authInfo?.scopes), context: {} }),
      });
      return server;
    },
    { ...(answerCacheEntries !== undefined && { answerCacheEntries }), sharedToolCalls },
  );
  const service = await runHttpService({
    service: 'cache-test',
    version: '1.0.0',
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    handler: mcpRoute({
      endpoint,
      metrics,
      // "Bearer <user>:<scope,scope>"
      authenticate: async (req) => {
        const [userId, scopes] = (req.headers.authorization ?? '').replace(/^Bearer /, '').split(':');
        return { userId: userId!, scopes: scopes ? scopes.split(',') : [] };
      },
    }),
    health: () => ({}),
    shutdownTimeoutMs: 2000,
  });
  t.teardown(() => service.stop());
  return `${service.url}/mcp`;
}

async function post(url: string, auth: string, message: unknown, extra: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${auth}`, ...extra },
    body: JSON.stringify(message),
  });
  return { status: res.status, text: await res.text() };
}

t.test('a repeated tools/list is answered without building a server, per distinct request and scope set', async (t) => {
  const url = await serve(t);
  built = 0;
  const list = (id: number | string) => ({ jsonrpc: '2.0', id, method: 'tools/list' });
  const first = await post(url, 'alice:read', list(1));
  t.equal(built, 1);
  const again = await post(url, 'bob:read', list('x'));
  t.equal(built, 1, 'another caller with the same scopes: from the cache');
  t.equal(again.text, first.text.replace('"id":1', '"id":"x"'), 'the same answer with its own id');
  await post(url, 'alice:read,write', list(2));
  t.equal(built, 2, 'another scope set: built once more');
  await post(url, 'alice:read,write', list(3));
  await post(url, 'alice:write,read', list(4));
  t.equal(built, 2, 'scope order does not matter');
  await post(url, 'alice:read', list(5), { 'mcp-protocol-version': '2025-06-18' });
  t.equal(built, 3, 'another protocol revision: built once more');
  const init = {
    jsonrpc: '2.0',
    id: 9,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  };
  await post(url, 'alice:read', init);
  await post(url, 'alice:read', { ...init, id: 10 });
  t.equal(built, 4, 'initialize too');
  const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
  t.match((await post(url, 'alice:read', call(1))).text, /"text":"hi"/);
  t.match((await post(url, 'alice:read', call(2))).text, /"text":"hi"/);
  t.equal(built, 6, 'tools/call always goes through the SDK');
  const bad = await post(url, 'alice:read', { jsonrpc: '2.0', id: 11, method: 'tools/list', params: { cursor: 7 } });
  await post(url, 'alice:read', { jsonrpc: '2.0', id: 12, method: 'tools/list', params: { cursor: 7 } });
  t.equal(built, 8, 'errors are not cached');
  t.match(bad.text, /"error"/);
});

/** One POST of a body as written (not re-serialised), answered as status and text. */
async function postText(url: string, auth: string, body: string, extra: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${auth}`, ...extra },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

t.test('exact: requests that differ in anything but their id never share an answer', async (t) => {
  const cachedUrl = await serve(t);
  const plainUrl = await serve(t, 0);
  // Each body is sent after all before it, to the cached endpoint and to one without a cache; the answers must be
  // the same every time. The pairs are made to fool a key that looks at the text carelessly.
  const bodies = [
    '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":"2","method":"tools/list"}',
    '{"jsonrpc":"2.0","id":-0,"method":"tools/list"}',
    '{"jsonrpc":"2.0", "id" : 3 ,"method":"tools/list"}',
    '{"jsonrpc":"2.0", "id" : 4 ,"method":"tools/list"}',
    // "id" twice: JSON.parse (and so the SDK) takes the last one, not the one found first
    '{"jsonrpc":"2.0","id":5,"method":"tools/list","id":6}',
    '{"jsonrpc":"2.0","id":7,"method":"tools/list","id":6}',
    '{"jsonrpc":"2.0","id":5,"method":"tools/list","id":8}',
    '{"jsonrpc":"2.0","id":6,"method":"tools/list","id":6}',
    '{"jsonrpc":"2.0","id":5,"method":"tools/list","id":6}',
    // an "id" nested in params, before the request's own
    '{"jsonrpc":"2.0","method":"tools/list","params":{"_meta":{"id":1}},"id":9}',
    '{"jsonrpc":"2.0","method":"tools/list","params":{"_meta":{"id":2}},"id":9}',
    '{"jsonrpc":"2.0","method":"tools/list","params":{"_meta":{"id":1}},"id":10}',
    '{"jsonrpc":"2.0","method":"tools/list","params":{"_meta":{"id":9}},"id":9}',
    '{"jsonrpc":"2.0","method":"tools/list","params":{"_meta":{"id":5}},"id":9}',
    // ids the fast path does not take (escapes, fractions, exponents, past 2^53): answered by the SDK each time
    '{"jsonrpc":"2.0","id":"a\\"b","method":"tools/list"}',
    // a control character in the id's string is not JSON (the SDK refuses it), though the text around it is a cached one's
    '{"jsonrpc":"2.0","id":"a\u0001b","method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1e2,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":12345678901234567890,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":123456789012345678,"method":"tools/list"}',
    // the method named elsewhere than in "method"
    '{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"echo","arguments":{"text":"tools/list"}}}',
    '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"echo","arguments":{"text":"tools/list"}}}',
    // not a request: a batch, a notification, broken JSON
    '[{"jsonrpc":"2.0","id":13,"method":"tools/list"}]',
    '{"jsonrpc":"2.0","method":"tools/list"}',
    '{"jsonrpc":"2.0","id":14,"method":"tools/list"',
    // a cursor and _meta are part of the request
    '{"jsonrpc":"2.0","id":15,"method":"tools/list","params":{"cursor":"abc"}}',
    '{"jsonrpc":"2.0","id":16,"method":"tools/list","params":{"cursor":"abd"}}',
    '{"jsonrpc":"2.0","id":17,"method":"tools/list","params":{"cursor":7}}',
  ];
  for (const round of [1, 2]) {
    for (const body of bodies) {
      for (const auth of ['alice:read', 'alice:read,write']) {
        const a = await postText(cachedUrl, auth, body);
        const b = await postText(plainUrl, auth, body);
        t.same(a, b, `round ${round}, ${auth}: ${body}`);
      }
    }
  }
});

t.test('exact: the scopes and the headers the SDK reads are part of the key', async (t) => {
  const cachedUrl = await serve(t);
  const plainUrl = await serve(t, 0);
  const body = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' });
  const read = await postText(cachedUrl, 'alice:read', body(1));
  const write = await postText(cachedUrl, 'alice:read,write', body(2));
  t.notMatch(read.text, /"shout"/, 'without the write scope, shout is not listed');
  t.match(write.text, /"shout"/, 'with it, it is');
  t.same(await postText(cachedUrl, 'bob:read', body(3)), await postText(plainUrl, 'bob:read', body(3)), 'read scope again: the read answer');
  t.same(await postText(cachedUrl, 'bob:write,read', body(4)), await postText(plainUrl, 'bob:write,read', body(4)), 'write scope again: the write answer');
  // One scope whose name runs two together must not pass for both.
  t.same(await postText(cachedUrl, 'bob:readwrite', body(5)), await postText(plainUrl, 'bob:readwrite', body(5)));
  const variants: Record<string, string>[] = [
    {},
    { accept: 'application/json, text/event-stream' },
    { 'mcp-protocol-version': '2025-06-18' },
    { 'mcp-protocol-version': '1999-01-01' },
    { 'content-type': 'application/json; charset=utf-8' },
    { 'content-type': 'text/plain' },
    { origin: 'http://example.test' },
    { 'mcp-session-id': 'abc' },
    { 'mcp-method': 'tools/list' },
  ];
  for (const round of [1, 2]) {
    for (const [i, extra] of variants.entries()) {
      const a = await postText(cachedUrl, 'alice:read', body(100 + i), extra);
      const b = await postText(plainUrl, 'alice:read', body(100 + i), extra);
      t.same(a, b, `round ${round}: ${JSON.stringify(extra)}`);
    }
  }
});

/** A POST over a raw socket with its body in two parts, `pauseMs` apart (a slow client): the answer's body. */
function postInParts(url: string, auth: string, body: string, pauseMs: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const head = `POST /mcp HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nAccept: application/json\r\nAuthorization: Bearer ${auth}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    socket.write(head + body.slice(0, 10));
    setTimeout(() => socket.write(body.slice(10)), pauseMs);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer.slice(answer.indexOf('\r\n\r\n') + 4)));
    socket.on('error', reject);
  });
}

t.test('a body that arrives in parts is read whole: the cached and the shared-server answers are the same', async (t) => {
  const url = await serve(t, 64, true);
  const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const expected = (await post(url, 'alice:read', JSON.parse(list))).text;
  t.equal(await postInParts(url, 'alice:read', list, 50), expected, 'tools/list from the cache');
  const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } };
  const called = (await post(url, 'alice:read', call)).text;
  t.match(called, /"text":"hi"/);
  t.equal(await postInParts(url, 'alice:read', JSON.stringify(call), 50), called, 'tools/call on the shared server');
});

t.test('bounded: past answerCacheEntries the least recently used answer is built again', async (t) => {
  const url = await serve(t, 2);
  built = 0;
  const list = (v: string) => post(url, 'alice:read', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': v });
  await list('2025-11-25');
  await list('2025-06-18');
  await list('2025-03-26'); // evicts 2025-11-25
  t.equal(built, 3);
  await list('2025-03-26');
  await list('2025-06-18');
  t.equal(built, 3);
  await list('2025-11-25');
  t.equal(built, 4, 'the evicted answer was built again');
});

t.test('answerCacheEntries: 0 builds every answer', async (t) => {
  const url = await serve(t, 0);
  built = 0;
  await post(url, 'alice:read', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  await post(url, 'alice:read', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  t.equal(built, 2);
});

t.test('a 2025-era client that accepts SSE gets its tools/list from the cache too, as the same one-event stream', async (t) => {
  const url = await serve(t);
  built = 0;
  const sse = { accept: 'application/json, text/event-stream' };
  const first = await post(url, 'alice:read', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, sse);
  t.equal(built, 1);
  t.match(first.text, /^event: message\ndata: \{.*"id":1\}\n\n$/s, 'an SSE stream with one message event');
  const again = await post(url, 'bob:read', { jsonrpc: '2.0', id: 'x', method: 'tools/list' }, sse);
  t.equal(built, 1, 'answered from the cache');
  t.equal(again.text, first.text.replace('"id":1', '"id":"x"'), 'the same stream with its own id');
  const json = await post(url, 'bob:read', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  t.equal(built, 2, 'a JSON-only client is another answer');
  t.equal(`event: message\ndata: ${json.text}\n\n`, first.text, 'holding the same JSON');
});

t.test('sharedToolCalls: JSON-only 2025-era tools/call is served by one server, built once', async (t) => {
  const url = await serve(t, 64, true);
  built = 0;
  const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
  const a = await post(url, 'alice:read', call(1));
  const b = await post(url, 'bob:read', call(2));
  t.equal(built, 1, 'one server for both calls');
  t.match(a.text, /"text":"hi"/);
  t.equal(b.text, a.text.replace('"id":1', '"id":2'));
  const sse = await post(url, 'alice:read', call(3), { accept: 'application/json, text/event-stream' });
  t.equal(built, 1, 'a client that accepts SSE too (as the SDK clients do)');
  t.equal(sse.text, `event: message\ndata: ${a.text.replace('"id":1', '"id":3')}\n\n`, 'answered as the one SSE event');
  await post(
    url,
    'alice:read',
    { ...call(5), params: { name: 'echo', arguments: { text: 'hi' }, _meta: { progressToken: 'p' } } },
    { accept: 'application/json, text/event-stream' },
  );
  t.equal(built, 2, 'an SSE call with a progress token gets a server of its own (progress goes on its stream)');
  const modern = await post(
    url,
    'alice:read',
    {
      ...call(4),
      params: {
        name: 'echo',
        arguments: { text: 'hi' },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
  );
  t.match(modern.text, /"text":"hi"/);
  t.equal(built, 3, 'a 2026-07-28 call too');
});
