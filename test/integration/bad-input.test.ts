import { request } from 'node:http';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';

const bundle = await startBundle({ env: { ROUTER_MAX_BODY_BYTES: String(256 * 1024) } });
t.teardown(() => bundle.stop());
const good = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice', scopes: ['read:packages'] });
const writer = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice', scopes: ['read:packages', 'write:packages'] });
const expired = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice', expiresIn: -3600 });
const { privateKey } = await generateKeyPair('ES256');
const forged = await new SignJWT({ scopes: ['write:packages'] })
  .setProtectedHeader({ alg: 'ES256' })
  .setSubject('mallory')
  .setIssuer('labmcp-demo')
  .setAudience('labmcp')
  .setExpirationTime('1h')
  .sign(privateKey);
const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'mallory', iss: 'labmcp-demo', aud: 'labmcp', exp: 9999999999 })).toString('base64url')}.`;
const BAD_KEY = 'sk_not_a_real_key_0123456789';
// Credentials sent in a query string, where no server reads them but every access line would show them.
const inQuery = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'query-string-user', scopes: ['read:packages'] });
const QUERY_KEY = 'sk_query_string_key_9876543210';
const secrets = [good, expired, forged, unsigned, BAD_KEY, 'sandbox-key-alice', inQuery, QUERY_KEY];

interface Case {
  name: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  expect: (status: number, body: string) => void | Promise<void>;
}

const quiltAuth = { authorization: `Bearer ${good}` };
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const rpc = (method: string, params?: unknown, id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) });

function isJsonRpcError(body: string): boolean {
  const text =
    body.startsWith('event:') || body.startsWith('data:')
      ? (body
          .split('\n')
          .find((l) => l.startsWith('data:'))
          ?.slice(5) ?? '')
      : body;
  try {
    const parsed = JSON.parse(text) as { error?: { code: number; message: string } };
    return typeof parsed.error?.code === 'number' && typeof parsed.error.message === 'string' && parsed.error.message.length > 0;
  } catch {
    return false;
  }
}

function toolResult(body: string): { isError?: boolean; content?: { text?: string }[] } | undefined {
  const text =
    body.startsWith('event:') || body.startsWith('data:')
      ? (body
          .split('\n')
          .find((l) => l.startsWith('data:'))
          ?.slice(5) ?? '')
      : body;
  try {
    return (JSON.parse(text) as { result?: { isError?: boolean; content?: { text?: string }[] } }).result;
  } catch {
    return undefined;
  }
}

const clientError = (status: number) => status >= 400 && status < 500;

/** A tool call through the router, for checking what a refused call left behind. */
async function callTool(
  path: string,
  headers: Record<string, string>,
  name: string,
  args: unknown,
): Promise<{ isError?: boolean; structuredContent?: Record<string, unknown> } | undefined> {
  const res = await fetch(`${bundle.routerUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: rpc('tools/call', { name, arguments: args }),
  });
  return toolResult(await res.text()) as { isError?: boolean; structuredContent?: Record<string, unknown> } | undefined;
}

/** A reserved key was refused with an error naming it (a JSON-RPC error or an isError result). */
function refusedReservedKey(body: string, key: string): void {
  const result = toolResult(body);
  const text = result?.isError ? (result.content?.[0]?.text ?? '') : isJsonRpcError(body) ? body : '';
  t.ok(text.length > 0, `refused: ${body.slice(0, 300)}`);
  t.match(text, key, 'the error names the key');
}

const benchlingAlice = { 'x-benchling-api-key': 'sandbox-key-alice' };
const writerAuth = { authorization: `Bearer ${writer}` };

const cases: Case[] = [
  {
    name: 'malformed JSON',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: '{"jsonrpc": "2.0", "id": 1, "method": ',
    expect: (s, b) => {
      t.ok(clientError(s), `status ${s}`);
      t.ok(isJsonRpcError(b), b);
    },
  },
  {
    name: 'JSON that is not JSON-RPC',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: '{"hello":"world"}',
    expect: (s, b) => {
      t.ok(clientError(s), `status ${s}`);
      t.ok(isJsonRpcError(b), b);
    },
  },
  {
    name: 'a JSON-RPC batch of 5000 requests',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: `[${Array.from({ length: 5000 }, (_, i) => rpc('tools/list', undefined, i)).join(',')}]`,
    expect: (s, b) => void t.ok(clientError(s) || isJsonRpcError(b), `status ${s}: ${b.slice(0, 200)}`),
  },
  {
    name: 'an empty batch',
    path: '/benchling/mcp',
    headers: { 'x-benchling-api-key': 'sandbox-key-alice', ...json },
    body: '[]',
    expect: (s, b) => void t.ok(clientError(s) || isJsonRpcError(b), `status ${s}`),
  },
  {
    name: 'a body over the router limit',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: Buffer.alloc(300 * 1024, 'a'),
    expect: (s) => void t.equal(s, 413),
  },
  {
    name: 'a chunked body over the router limit',
    path: '/benchling/mcp',
    headers: { 'x-benchling-api-key': 'sandbox-key-alice', ...json },
    body: Buffer.alloc(300 * 1024, 'a'),
    chunked: true,
    expect: (s) => void t.equal(s, 413),
  },
  {
    name: 'huge headers',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json, 'x-padding': 'p'.repeat(20 * 1024) },
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 431),
  },
  {
    name: 'wrong content type',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, 'content-type': 'text/plain', accept: 'application/json, text/event-stream' },
    body: rpc('tools/list'),
    expect: (s) => void t.ok(clientError(s), `status ${s}`),
  },
  {
    name: 'path traversal into the other service',
    path: '/quilt/../benchling/mcp',
    headers: { ...quiltAuth, ...json },
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 404),
  },
  { name: 'encoded path traversal', path: '/quilt/%2e%2e/%2e%2e/etc/passwd', expect: (s) => void t.equal(s, 404) },
  { name: 'traversal at the root', path: '/../../etc/passwd', expect: (s) => void t.equal(s, 404) },
  { name: 'unknown prefix', path: '/admin/mcp', headers: json, body: rpc('tools/list'), expect: (s) => void t.equal(s, 404) },
  { name: 'no token', path: '/quilt/mcp', headers: json, body: rpc('tools/list'), expect: (s) => void t.equal(s, 401) },
  {
    name: 'garbage token',
    path: '/quilt/mcp',
    headers: { ...json, authorization: 'Bearer not.a.jwt' },
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'expired token',
    path: '/quilt/mcp',
    headers: { ...json, authorization: `Bearer ${expired}` },
    body: rpc('tools/list'),
    expect: (s, b) => {
      t.equal(s, 401);
      t.match(b, /expired/i);
    },
  },
  {
    name: 'forged token (unknown key)',
    path: '/quilt/mcp',
    headers: { ...json, authorization: `Bearer ${forged}` },
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'alg none token',
    path: '/quilt/mcp',
    headers: { ...json, authorization: `Bearer ${unsigned}` },
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'a JWT in the query string',
    path: `/quilt/mcp?access_token=${inQuery}`,
    headers: json,
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'a JWT in the query string, under another name',
    path: `/quilt/mcp?x=1&t=${inQuery}`,
    headers: json,
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'a Benchling key in the query string',
    path: `/benchling/mcp?api_key=${QUERY_KEY}`,
    headers: json,
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'a Benchling key in the query string, encoded name',
    path: `/benchling/mcp?X%2DBenchling%2DAPI%2DKey=${QUERY_KEY}`,
    headers: json,
    body: rpc('tools/list'),
    expect: (s) => void t.equal(s, 401),
  },
  {
    name: 'a __proto__ key in entry_create fields',
    path: '/benchling/mcp',
    headers: { ...json, ...benchlingAlice },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"entry_create","arguments":{"name":"proto-probe-entry","folder_id":"lib_abc123","schema_id":"ts_ExpRun01","fields":{"__proto__":{"Resistance":"Kanamycin"}}}}}',
    expect: async (_s, b) => {
      refusedReservedKey(b, '__proto__');
      const found = await callTool('/benchling/mcp', benchlingAlice, 'entries_list', { folder_id: 'lib_abc123', name: 'proto-probe-entry' });
      t.same((found?.structuredContent?.entries as unknown[] | undefined)?.length, 0, 'nothing was created');
    },
  },
  {
    name: 'a constructor key in dna_sequence_create fields',
    path: '/benchling/mcp',
    headers: { ...json, ...benchlingAlice },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"dna_sequence_create","arguments":{"name":"proto-probe-seq","folder_id":"lib_abc123","bases":"ACGT","is_circular":false,"fields":{"constructor":"x"}}}}',
    expect: (_s, b) => refusedReservedKey(b, 'constructor'),
  },
  {
    name: 'a __proto__ key in package_create metadata',
    path: '/quilt/mcp',
    headers: { ...json, ...writerAuth },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"package_create","arguments":{"package":"probe/proto","message":"m","meta":{"__proto__":{"polluted":true}},"entries":[{"logical_key":"a.txt","text":"a"}]}}}',
    expect: async (_s, b) => {
      refusedReservedKey(b, '__proto__');
      const found = await callTool('/quilt/mcp', writerAuth, 'packages_list', { prefix: 'probe/' });
      t.notMatch(JSON.stringify(found?.structuredContent ?? {}), /probe\/proto/, 'nothing was created');
    },
  },
  {
    name: 'a prototype key nested in package_update metadata',
    path: '/quilt/mcp',
    headers: { ...json, ...writerAuth },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"package_update","arguments":{"package":"demo/cells","message":"m","meta":{"lab":{"prototype":{"x":1}}}}}}',
    expect: (_s, b) => refusedReservedKey(b, 'prototype'),
  },
  {
    name: 'a batch of 100 tools/call in one request (more than the rate-limit burst)',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: `[${Array.from({ length: 100 }, (_, i) => rpc('tools/call', { name: 'package_verify', arguments: { package: 'demo/cells' } }, i)).join(',')}]`,
    expect: (s, b) => {
      t.equal(s, 429, `status ${s}`);
      t.match(b, /batch of 100 messages/);
    },
  },
  {
    name: '/health for a Host the router does not answer to',
    path: '/health',
    headers: { host: 'rebound.attacker.example' },
    expect: (s) => void t.equal(s, 403),
  },
  {
    name: '/metrics for a Host the router does not answer to',
    path: '/metrics',
    headers: { host: 'rebound.attacker.example:8080' },
    expect: (s) => void t.equal(s, 403),
  },
  { name: 'no Benchling key', path: '/benchling/mcp', headers: json, body: rpc('tools/list'), expect: (s) => void t.equal(s, 401) },
  {
    name: 'a Benchling key Benchling rejects',
    path: '/benchling/mcp',
    headers: { ...json, 'x-benchling-api-key': BAD_KEY },
    body: rpc('tools/call', { name: 'projects_list', arguments: {} }),
    expect: (s, b) => {
      const result = toolResult(b);
      t.ok(clientError(s) || isJsonRpcError(b) || result?.isError === true, `status ${s}: ${b.slice(0, 200)}`);
      if (result?.isError) t.match(result.content?.[0]?.text ?? '', /key|401|unauthori[sz]ed/i, 'the message says what is wrong');
    },
  },
  {
    name: 'unknown tool',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: rpc('tools/call', { name: 'rm_rf', arguments: {} }),
    expect: (s, b) => void t.ok(isJsonRpcError(b) || toolResult(b)?.isError === true, `status ${s}: ${b.slice(0, 200)}`),
  },
  {
    name: 'unknown method',
    path: '/quilt/mcp',
    headers: { ...quiltAuth, ...json },
    body: rpc('files/delete'),
    expect: (_s, b) => void t.ok(isJsonRpcError(b), b.slice(0, 200)),
  },
  {
    name: 'arguments that break the schema',
    path: '/benchling/mcp',
    headers: { ...json, 'x-benchling-api-key': 'sandbox-key-alice' },
    body: rpc('tools/call', { name: 'projects_list', arguments: { page_size: 'all of them' } }),
    expect: (s, b) => void t.ok(isJsonRpcError(b) || toolResult(b)?.isError === true, `status ${s}: ${b.slice(0, 200)}`),
  },
];

function send(c: Case): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    if (body && !c.chunked) headers['content-length'] = String(body.length);
    // Host/port/path given apart: a URL string would have its dot segments normalised away before sending.
    const { hostname, port } = new URL(bundle.routerUrl);
    const req = request({ hostname, port, path: c.path, method: c.method ?? (body ? 'POST' : 'GET'), headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out: a bad input must get an answer, not a hang')));
    req.on('error', reject);
    if (body && c.chunked) {
      // Several writes so it really goes out chunked.
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

for (const c of cases) {
  t.test(c.name, async () => {
    const { status, body } = await send(c);
    await c.expect(status, body);
  });
}

t.test('no process crashed, and no secret reached a log file', async (t) => {
  const health = await fetch(`${bundle.routerUrl}/health`);
  t.equal(health.status, 200, 'all services still healthy');
  await new Promise((r) => setTimeout(r, 300));
  const logs = bundle.logs();
  t.notMatch(logs, /uncaught|unhandled/i, 'no crash in any log');
  for (const secret of secrets) t.notOk(logs.includes(secret), `secret ${secret.slice(0, 8)}… not logged`);
  t.notOk(logs.includes(good.split('.')[2]!), 'not even a JWT signature');
});
