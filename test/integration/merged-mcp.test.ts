/**
 * The router's one-connection endpoint `/mcp`, end to end with the official MCP clients of both eras: the merged
 * list per credential set (each server decides what the caller may use), names and schemas as the servers list
 * them, dispatch with progress and isError passing through, and one server down.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectModern, connectors } from '../helpers/mcp-clients.js';

const bundle = await startBundle({ env: { ROUTER_RATE_LIMIT_PER_MINUTE: '100000', ROUTER_RATE_LIMIT_BURST: '10000', BENCHLING_SANDBOX_ADMIN: 'true' } });
t.teardown(() => bundle.stop());
const url = `${bundle.routerUrl}/mcp`;
const writer = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'writer@example.com', scopes: ['read:packages', 'write:packages'] });
const reader = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'reader@example.com', scopes: ['read:packages'] });
const ALICE = 'sandbox-key-alice';
const both = { authorization: `Bearer ${writer}`, 'x-benchling-api-key': ALICE };
const QUILT_WRITES = ['quilt_package_create', 'quilt_package_update', 'quilt_package_delete'];

type Listed = { name: string; inputSchema?: unknown; outputSchema?: unknown; annotations?: unknown; description?: string };
async function namesOf(headers: Record<string, string>): Promise<string[]> {
  const client = await connectModern(url, headers);
  try {
    return (await client.listTools()).tools.map((x) => x.name).sort();
  } finally {
    await client.close();
  }
}

for (const connect of connectors) {
  t.test(`${connect.name}: both credentials list both servers' tools under their prefixes, unchanged`, async (t) => {
    const merged = await connect(url, both);
    t.teardown(() => merged.close());
    const { tools } = (await merged.listTools()) as { tools: Listed[] };
    for (const tool of tools) t.match(tool.name, /^[a-zA-Z0-9_-]{1,64}$/, `${tool.name} is a name every client accepts`);
    t.equal(new Set(tools.map((x) => x.name)).size, tools.length, 'no two tools share a name');
    const byName = new Map(tools.map((x) => [x.name, x]));
    for (const [prefix, route, headers] of [
      ['quilt', '/quilt/mcp', { authorization: `Bearer ${writer}` }],
      ['benchling', '/benchling/mcp', { 'x-benchling-api-key': ALICE }],
    ] as const) {
      const own = await connect(`${bundle.routerUrl}${route}`, headers);
      const ownTools = (await own.listTools()).tools as Listed[];
      await own.close();
      t.ok(ownTools.length > 5, `${prefix}: ${ownTools.length} tools on its own route`);
      for (const tool of ownTools) {
        const there = byName.get(`${prefix}_${tool.name}`);
        t.ok(there, `${prefix}_${tool.name} is listed`);
        t.same({ ...there, name: tool.name }, tool, `${prefix}_${tool.name}: schemas, annotations and output schema unchanged`);
      }
    }
    t.same(merged.capabilities()?.tools?.listChanged, false, 'a fixed list: no list-changed notifications');
  });

  t.test(`${connect.name}: calls go to their server with the caller's credential; isError passes through`, async (t) => {
    const merged = await connect(url, both);
    t.teardown(() => merged.close());
    const registries = await merged.callTool('quilt_registries_list');
    t.notOk(registries.isError, JSON.stringify(registries.content));
    t.ok(Array.isArray(registries.structuredContent?.registries), 'quilt-mcp answered');
    const projects = await merged.callTool('benchling_projects_list');
    t.notOk(projects.isError, JSON.stringify(projects.content));
    t.ok(Array.isArray(projects.structuredContent?.projects), 'benchling-mcp answered');
    const missing = await merged.callTool('benchling_entry_get', { entry_id: 'etr_doesnotexist' });
    t.ok(missing.isError, 'an isError result passes through');
    t.match(missing.content?.[0]?.text, /etr_doesnotexist|not found|No entry/i);
    await t.rejects(merged.callTool('nobody_tool'), /not found/, 'a name of no server is an unknown tool');
  });
}

t.test('each server decides what the caller sees', async (t) => {
  const full = await namesOf(both);
  t.ok(full.some((n) => n.startsWith('quilt_')) && full.some((n) => n.startsWith('benchling_')), 'both credentials: both servers');
  for (const name of QUILT_WRITES) t.ok(full.includes(name), `a write token sees ${name}`);

  const readOnly = await namesOf({ authorization: `Bearer ${reader}`, 'x-benchling-api-key': ALICE });
  for (const name of QUILT_WRITES) t.notOk(readOnly.includes(name), `a read-only token does not see ${name}`);
  t.ok(readOnly.includes('quilt_packages_list') && readOnly.includes('benchling_entries_list'), 'it sees the reads of both');

  const quiltOnly = await namesOf({ authorization: `Bearer ${writer}` });
  t.notOk(
    quiltOnly.some((n) => n.startsWith('benchling_')),
    'no Benchling key: no Benchling tools',
  );
  t.ok(quiltOnly.includes('quilt_package_create'));
  const benchlingOnly = await namesOf({ 'x-benchling-api-key': ALICE });
  t.notOk(
    benchlingOnly.some((n) => n.startsWith('quilt_')),
    'no Quilt token: no Quilt tools',
  );

  const prefixed = await connectModern(`${bundle.routerUrl}/quilt/mcp`, { authorization: `Bearer ${reader}` });
  const prefixedNames = (await prefixed.listTools()).tools.map((x) => x.name);
  await prefixed.close();
  t.notOk(prefixedNames.includes('package_create'), "quilt-mcp's own list for a read-only token has no write tools either");
  t.ok(prefixedNames.includes('packages_list'));

  const readOnlyClient = await connectModern(url, { authorization: `Bearer ${reader}` });
  t.teardown(() => readOnlyClient.close());
  const write = await readOnlyClient.callTool('quilt_package_create', { package: 'lab/nope', entries: [{ logical_key: 'a.txt', text: 'a' }] });
  t.ok(write.isError, 'an unlisted write still reaches quilt-mcp, which refuses it');
  t.match(write.content?.[0]?.text, /write:packages/);
});

t.test('without a credential a server accepts: 401 with a challenge', async (t) => {
  // (benchling-mcp takes any well-formed key at the HTTP level; Benchling itself judges it at the first call.)
  for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    t.equal(res.status, 401, `${Object.keys(headers).join('+') || 'no credentials'}: 401`);
    t.match(res.headers.get('www-authenticate'), /^Bearer/);
    await res.arrayBuffer();
  }
});

t.test('progress notifications pass through /mcp', async (t) => {
  const registryRoot = path.join(bundle.dataDir, 'quilt-registry');
  mkdirSync(path.join(registryRoot, 'uploads', 'merged'), { recursive: true });
  writeFileSync(path.join(registryRoot, 'uploads', 'merged', 'image.bin'), Buffer.alloc(12 * 1024 * 1024, 3));
  // A raw v2 client, to pass onprogress (the shared helper does not).
  const client = new Client({ name: 'progress-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: both } }));
  t.teardown(() => client.close());
  const progress: number[] = [];
  const result = await client.callTool(
    {
      name: 'quilt_package_create',
      arguments: { package: 'lab/merged', message: 'via /mcp', directories: [{ physical_prefix: 'uploads/merged', logical_prefix: 'raw/' }] },
    },
    { onprogress: (p) => progress.push(p.progress) },
  );
  t.notOk(result.isError, JSON.stringify(result.content));
  t.ok(progress.length >= 1, `progress notifications: ${progress.length}`);
});

t.test('a cancelled call is cancelled at its server too', async (t) => {
  // Benchling answers the next request after 3 s; the client gives up after 0.5 s.
  const sandbox = `http://127.0.0.1:${bundle.ports['benchling-sandbox']}`;
  const queued = await fetch(`${sandbox}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'delay', ms: 3000, count: 1 }),
  });
  t.ok(queued.ok, 'delay queued');
  const client = new Client({ name: 'cancel-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: both } }));
  t.teardown(() => client.close());
  await t.rejects(client.callTool({ name: 'benchling_folders_list', arguments: {} }, { signal: AbortSignal.timeout(500) }), 'the client gave up');
  const audit = () =>
    readFileSync(path.join(bundle.logDir, 'benchling-mcp.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"audit":true') && l.includes('"tool":"folders_list"'))
      .map((l) => JSON.parse(l) as { outcome: string; durationMs: number });
  const deadline = Date.now() + 5000;
  while (audit().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const line = audit()[0];
  t.ok(line, 'benchling-mcp logged the call');
  t.equal(line?.outcome, 'cancelled', 'it is audited as cancelled, not as a failure');
  t.ok((line?.durationMs ?? Infinity) < 2500, `it stopped when the client cancelled, not when Benchling answered (${line?.durationMs} ms)`);
});

t.test('one server down: the other stays listed and callable, and the answer says which is missing', async (t) => {
  await bundle.kill('quilt-mcp');
  t.teardown(() => bundle.start('quilt-mcp'));
  for (const connect of connectors) {
    const merged = await connect(url, both);
    const listed = (await merged.listTools()) as { tools: Listed[]; _meta?: Record<string, unknown> };
    t.notOk(
      listed.tools.some((x) => x.name.startsWith('quilt_')),
      `${connect.name}: no Quilt tools while quilt-mcp is down`,
    );
    t.ok(
      listed.tools.some((x) => x.name === 'benchling_entries_list'),
      `${connect.name}: Benchling tools still listed`,
    );
    const projects = await merged.callTool('benchling_projects_list');
    t.notOk(projects.isError, `${connect.name}: Benchling tools still callable`);
    const quilt = await merged.callTool('quilt_registries_list');
    t.ok(quilt.isError, `${connect.name}: a Quilt call is an error result`);
    t.match(quilt.content?.[0]?.text, /quilt-mcp is unavailable/);
    await merged.close();
  }
  const raw = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...both },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
  });
  const body = (await raw.json()) as { result: { _meta?: Record<string, { service: string }[]> } };
  t.match(body.result._meta?.['io.labmcp/unavailable'], [{ service: 'quilt-mcp', message: /unavailable/ }], 'the list answer names the missing service');
});

t.test('no credential in any log line of any process, and the router logs its /mcp requests', async (t) => {
  await new Promise((r) => setTimeout(r, 200));
  const logs = bundle.logs();
  t.ok(logs.includes('"service":"router"'));
  t.ok(logs.includes('"url":"/mcp"'), 'the router wrote access lines for /mcp');
  for (const secret of [writer, reader, ALICE, writer.split('.')[2]!]) t.notOk(logs.includes(secret), `${secret.slice(0, 12)}… not logged`);
});

t.test("the router's rate limit applies to /mcp as to the prefixed routes", async (t) => {
  const limited = await startBundle({ env: { ROUTER_RATE_LIMIT_BURST: '3', ROUTER_RATE_LIMIT_PER_MINUTE: '1' } });
  t.teardown(() => limited.stop());
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${limited.routerUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer some-token' },
      body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/list', params: {} }),
    });
    statuses.push(res.status);
    if (res.status === 429) t.ok(res.headers.get('retry-after'), 'with Retry-After');
    await res.arrayBuffer();
  }
  t.same(statuses.slice(3), [429, 429], `past the burst: 429 (${statuses.join(', ')})`);
});

t.test('a key mode in which benchling-mcp accepts the Quilt JWT needs no change at /mcp', async (t) => {
  // What a caller may use is what the servers say for its credentials: here benchling-mcp acts with the shared
  // service key for any caller with a valid JWT, so a JWT alone brings the Benchling tools.
  bundle.env.BENCHLING_KEY_MODE = 'service';
  bundle.env.BENCHLING_API_KEY = 'sandbox-key-carol';
  await Promise.all([bundle.kill('router'), bundle.kill('benchling-mcp')]);
  await bundle.start('benchling-mcp');
  await bundle.start('router');
  const jwtOnly = await connectModern(url, { authorization: `Bearer ${writer}` });
  t.teardown(() => jwtOnly.close());
  const names = (await jwtOnly.listTools()).tools.map((x) => x.name);
  t.ok(names.includes('benchling_projects_list'), 'the Benchling tools are listed for the JWT');
  t.ok(names.includes('lab_package_benchling_entry'), 'and so are the workflows');
  const projects = await jwtOnly.callTool('benchling_projects_list');
  t.notOk(projects.isError, JSON.stringify(projects.content));
  t.same(
    ((projects.structuredContent?.projects as { id: string }[]) ?? []).map((p) => p.id).sort(),
    ['src_Crispr02', 'src_ProtExp1'],
    "with the service key's view",
  );
});
