import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern } from '../helpers/mcp-clients.js';

const bundle = await startBundle();
t.teardown(() => bundle.stop());
const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
const quiltAuth = { authorization: `Bearer ${token}` };
const BENCHLING_KEY = 'sandbox-key-alice';
const benchlingAuth = { 'x-benchling-api-key': BENCHLING_KEY };

t.test('router /health aggregates every service', async (t) => {
  const res = await fetch(`${bundle.routerUrl}/health`);
  t.equal(res.status, 200);
  const body = (await res.json()) as { status: string; service: string; checks: Record<string, { status: string; latencyMs: number }> };
  t.equal(body.status, 'ok');
  t.equal(body.service, 'router');
  for (const name of ['quilt-mcp', 'benchling-mcp']) {
    t.equal(body.checks[name]?.status, 'ok', `${name} healthy`);
    t.type(body.checks[name]?.latencyMs, 'number');
  }
});

t.test('/quilt/health and /benchling/health reach the servers', async (t) => {
  const quilt = (await (await fetch(`${bundle.routerUrl}/quilt/health`)).json()) as Record<string, unknown>;
  t.match(quilt, { status: 'ok', service: 'quilt-mcp', checks: { auth: { mode: 'demo' } } });
  t.type(quilt.version, 'string');
  t.type(quilt.uptimeSeconds, 'number');
  const benchling = (await (await fetch(`${bundle.routerUrl}/benchling/health`)).json()) as Record<string, unknown>;
  t.match(benchling, { status: 'ok', service: 'benchling-mcp' });
  // The read-only tools, from the tools' own annotations: the router sends only calls of these twice.
  t.ok(
    (quilt.readOnlyTools as string[]).includes('registries_list') && !(quilt.readOnlyTools as string[]).includes('package_create'),
    'quilt-mcp names its read-only tools',
  );
  t.ok(
    (benchling.readOnlyTools as string[]).includes('projects_list') && !(benchling.readOnlyTools as string[]).includes('entry_create'),
    'benchling-mcp names its read-only tools',
  );
});

for (const connect of [connectModern, connectLegacy]) {
  t.test(`${connect.name} client lists and calls tools on both servers through the router`, async (t) => {
    const quilt = await connect(`${bundle.routerUrl}/quilt/mcp`, { ...quiltAuth, ...benchlingAuth });
    t.teardown(() => quilt.close());
    const quiltTools = (await quilt.listTools()).tools.map((x) => x.name);
    t.ok(quiltTools.includes('registries_list'));
    t.equal(quilt.capabilities()?.tools?.listChanged, false, 'no list-changed notifications promised: the list is fixed');
    const registries = await quilt.callTool('registries_list');
    t.match(registries.structuredContent, { registries: [{ kind: 'local', isDefault: true }] });

    const benchling = await connect(`${bundle.routerUrl}/benchling/mcp`, { ...quiltAuth, ...benchlingAuth });
    t.teardown(() => benchling.close());
    const benchlingTools = (await benchling.listTools()).tools.map((x) => x.name);
    t.ok(benchlingTools.includes('projects_list'));
    t.equal(benchling.capabilities()?.tools?.listChanged, false);
    const projects = await benchling.callTool('projects_list', {});
    t.notOk(projects.isError, projects.content?.[0]?.text ?? 'projects_list succeeds');
    t.ok(((projects.structuredContent?.projects as unknown[]) ?? []).length > 0, 'the sandbox has projects');
  });
}

t.test('a plain JSON POST (curl) gets a JSON-RPC answer through the router', async (t) => {
  const res = await fetch(`${bundle.routerUrl}/quilt/mcp`, {
    method: 'POST',
    headers: { ...quiltAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /application\/json/);
  const body = (await res.json()) as { result: { tools: { name: string }[] } };
  t.ok(body.result.tools.some((x) => x.name === 'registries_list'));
});

t.test('missing credentials are refused per service', async (t) => {
  const quilt = await fetch(`${bundle.routerUrl}/quilt/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
  t.equal(quilt.status, 401);
  t.equal(quilt.headers.get('www-authenticate'), 'Bearer realm="quilt-mcp"', 'RFC 6750: no error code when no token was sent');
  const benchling = await fetch(`${bundle.routerUrl}/benchling/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...quiltAuth },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
  t.equal(benchling.status, 401, 'a Quilt JWT is no Benchling key');
  t.match(((await benchling.json()) as { error: { message: string } }).error.message, /X-Benchling-API-Key/);
});

t.test('unknown prefixes are 404 with a hint', async (t) => {
  const res = await fetch(`${bundle.routerUrl}/nothing/mcp`);
  t.equal(res.status, 404);
  t.match(((await res.json()) as { message: string }).message, /\/quilt\/mcp/);
});

t.test('request ids are kept, returned and forwarded', async (t) => {
  const res = await fetch(`${bundle.routerUrl}/quilt/health`, { headers: { 'x-request-id': 'trace-abc-123' } });
  t.equal(res.headers.get('x-request-id'), 'trace-abc-123');
  const assigned = await fetch(`${bundle.routerUrl}/quilt/mcp`, {
    method: 'POST',
    headers: { ...quiltAuth, 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
  const id = assigned.headers.get('x-request-id') ?? '';
  t.match(id, /^[0-9a-f-]{36}$/);
  await new Promise((r) => setTimeout(r, 200));
  const lines = (name: string) =>
    readFileSync(path.join(bundle.logDir, `${name}.log`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { service: string; req?: { id?: string } });
  t.ok(
    lines('router').some((l) => l.req?.id === id && l.service === 'router'),
    'router logged it',
  );
  t.ok(
    lines('quilt-mcp').some((l) => l.req?.id === id && l.service === 'quilt-mcp'),
    'quilt-mcp logged the same id',
  );
});

t.test('a stopped service is named in /health and fails fast; the other is unaffected', async (t) => {
  await bundle.kill('quilt-mcp');
  const started = Date.now();
  const health = await fetch(`${bundle.routerUrl}/health`);
  t.equal(health.status, 503);
  const body = (await health.json()) as { status: string; checks: Record<string, { status: string }> };
  t.equal(body.checks['quilt-mcp']?.status, 'down');
  t.equal(body.checks['benchling-mcp']?.status, 'ok');
  const call = await fetch(`${bundle.routerUrl}/quilt/mcp`, {
    method: 'POST',
    headers: { ...quiltAuth, 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}',
  });
  t.equal(call.status, 503);
  t.ok(Number(call.headers.get('retry-after')) > 0, 'Retry-After');
  t.match(await call.json(), { jsonrpc: '2.0', error: { code: -32000, message: /quilt-mcp is unavailable/ } });
  t.ok(Date.now() - started < 3000, 'fast, not a hang');
  const benchling = await connectModern(`${bundle.routerUrl}/benchling/mcp`, benchlingAuth);
  t.ok((await benchling.listTools()).tools.length > 0);
  await benchling.close();
  await bundle.start('quilt-mcp');
  t.equal((await fetch(`${bundle.routerUrl}/health`)).status, 200, 'healthy again once restarted');
});

t.test('each process has its own log file of pino JSON, and no secret in any', async (t) => {
  const files = readdirSync(bundle.logDir).sort();
  t.same(files, ['benchling-mcp.log', 'benchling-sandbox.log', 'quilt-mcp.log', 'router.log']);
  const all = bundle.logs();
  const repeated: string[] = [];
  const unnamed: string[] = [];
  for (const line of all.split('\n').filter(Boolean)) {
    const parsed = JSON.parse(line) as { service?: string };
    if (typeof parsed.service !== 'string') unnamed.push(line);
    // JSON.parse keeps the last of a repeated key; log stores that refuse duplicate fields (Elasticsearch) drop the line.
    const keys = topLevelKeys(line);
    if (new Set(keys).size !== keys.length) repeated.push(line);
  }
  // One assertion over all the lines (their number depends on timing): the run's count stays the same.
  t.same(unnamed, [], 'every line is JSON naming its service');
  t.same(repeated, [], 'no line has a key twice (tool calls and their audit lines were logged above)');
  t.notOk(all.includes(token), 'the JWT is in no log line');
  t.notOk(all.includes(token.split('.')[2] ?? 'x'), 'not even its signature');
  t.notOk(all.includes(BENCHLING_KEY), 'the Benchling key is in no log line');
});

/** The keys of a JSON object's top level as written, repeats included. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}
