// JSON-only 2025-era `tools/call` requests are served by one MCP server built once (service-kit shared-server.ts).
// Here each real server runs twice on the same data (same registry folder, same Benchling sandbox): with the shared
// server (default) and without it (LABMCP_MCP_SHARED_SERVER=0, a fresh server per request, as before). Every call —
// each caller and scope set, tool results, tool errors, scope refusals, bad arguments, unknown tools, protocol
// version headers, ids — must get the same status, headers and bytes from both; calls of different callers at once
// must each get their own caller's answer; and the audit line must still name the caller.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { repoRoot, startBundle } from '../helpers/bundle.js';
import { type Answer, ask } from '../helpers/raw-answer.js';

const { mintDemoToken } = (await import(pathToFileURL(path.join(repoRoot, 'packages/service-kit/dist/auth/index.js')).href)) as {
  mintDemoToken: (o: { dataDir: string; subject: string; scopes?: string[]; expiresIn?: string }) => Promise<string>;
};

const shared = await startBundle({ only: ['benchling-sandbox', 'quilt-mcp', 'benchling-mcp'] });
// Same data folder (so the same local registry and demo signing key) and the first bundle's sandbox.
const perRequest = await startBundle({
  only: ['quilt-mcp', 'benchling-mcp'],
  env: { LABMCP_MCP_SHARED_SERVER: '0', LABMCP_DATA_DIR: shared.dataDir, BENCHLING_SANDBOX_PORT: String(shared.ports['benchling-sandbox']) },
});
t.teardown(async () => {
  await perRequest.stop();
  await shared.stop();
});

const json = { 'content-type': 'application/json', accept: 'application/json' };
/** A plain client, and one that accepts SSE too (the SDK clients: answered as one SSE event). */
const accepts = ['application/json', 'application/json, text/event-stream'];
const call = (id: string | number, name: string, args?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, ...(args !== undefined && { arguments: args }) } });

const token = (subject: string, scopes: string[]) => mintDemoToken({ dataDir: shared.dataDir, subject, scopes, expiresIn: '1h' });
const quiltCallers: Record<string, Record<string, string>> = {
  'read+write': { authorization: `Bearer ${await token('carol', ['read:packages', 'write:packages'])}` },
  read: { authorization: `Bearer ${await token('dave', ['read:packages'])}` },
  'no scopes': { authorization: `Bearer ${await token('erin', [])}` },
};
const benchlingCallers: Record<string, Record<string, string>> = {
  alice: { 'x-benchling-api-key': 'sandbox-key-alice' },
  bob: { 'x-benchling-api-key': 'sandbox-key-bob' },
};

async function compare(t: Test, server: 'quilt-mcp' | 'benchling-mcp', what: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const a = await ask(`http://127.0.0.1:${shared.ports[server]}/mcp`, headers, body);
  const b = await ask(`http://127.0.0.1:${perRequest.ports[server]}/mcp`, headers, body);
  t.equal(a.status, b.status, `${what}: status ${a.status}`);
  t.same(a.headers, b.headers, `${what}: headers`);
  if (!a.body.equals(b.body)) t.fail(`${what}: body differs\nshared:      ${a.body.toString().slice(0, 500)}\nper request: ${b.body.toString().slice(0, 500)}`);
  else t.pass(`${what}: same ${a.body.byteLength} bytes`);
  return a;
}

t.test('quilt-mcp: the shared server answers byte for byte as a server per request', async (t) => {
  const first = await ask(`http://127.0.0.1:${shared.ports['quilt-mcp']}/mcp`, { ...json, ...quiltCallers.read }, call(1, 'registries_list', {}));
  const registries = JSON.parse(first.body.toString()).result.structuredContent.registries as { name: string }[];
  t.ok(registries.length > 0, 'there is a registry to list');
  const registry = registries[0]!.name;
  const calls: [string, string | number, string, unknown][] = [
    ['registries_list', 1, 'registries_list', {}],
    ['registries_list, no arguments', 'abc', 'registries_list', undefined],
    ['packages_list', 7, 'packages_list', { registry }],
    ['packages_list of a registry that does not exist (tool error)', 8, 'packages_list', { registry: 'no-such-registry' }],
    ['packages_list with a bad argument type', 9, 'packages_list', { registry: 42 }],
    ['package_create without the write scope, or with it and bad arguments', 10, 'package_create', { registry, name: 'bad name!' }],
    ['an unknown tool', 11, 'no_such_tool', {}],
    ['a "quoted" id', 'a "quoted" id', 'registries_list', {}],
  ];
  const versions: (string | undefined)[] = [undefined, '2025-06-18', '2025-11-25', '1999-01-01'];
  for (const [caller, credentials] of Object.entries(quiltCallers)) {
    for (const [what, id, name, args] of calls) {
      for (const version of versions) {
        for (const accept of accepts) {
          const headers = { ...json, accept, ...credentials, ...(version && { 'mcp-protocol-version': version }) };
          await compare(t, 'quilt-mcp', `${caller}, ${what}, version ${version ?? 'none'}, accept ${accept}`, headers, call(id, name, args));
        }
      }
    }
  }
});

t.test('benchling-mcp: the shared server answers byte for byte as a server per request', async (t) => {
  const calls: [string, string | number, string, unknown][] = [
    ['projects_list', 1, 'projects_list', {}],
    ['entry_get of an entry that does not exist (tool error)', 2, 'entry_get', { entry_id: 'etr_doesnotexist' }],
    ['projects_list with a bad argument', 3, 'projects_list', { page_size: 'many' }],
    ['search', 4, 'search', { query: 'a' }],
  ];
  const answers: Record<string, string> = {};
  for (const [caller, credentials] of Object.entries(benchlingCallers)) {
    for (const [what, id, name, args] of calls) {
      for (const accept of accepts) {
        const headers = { ...json, accept, ...credentials, 'mcp-protocol-version': '2025-11-25' };
        const a = await compare(t, 'benchling-mcp', `${caller}, ${what}, accept ${accept}`, headers, call(id, name, args));
        if (accept === 'application/json') answers[`${caller} ${what}`] = a.body.toString();
      }
    }
  }
  t.not(answers['alice projects_list'], answers['bob projects_list'], 'alice and bob see different projects (each call is its caller’s)');
});

t.test('a call with a progress token from a client that accepts SSE: the same stream on both', async (t) => {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 5,
    method: 'tools/call',
    params: { name: 'registries_list', arguments: {}, _meta: { progressToken: 'p1' } },
  });
  await compare(t, 'quilt-mcp', 'progress token, accepts SSE', { ...json, accept: accepts[1]!, ...quiltCallers.read }, body);
});

t.test('calls of different callers at once each get their own answer', async (t) => {
  // quilt-mcp, not benchling-mcp: the sandbox's tenant rate limit would pace two dozen calls at once.
  // packages_list needs the read scope: erin (no scopes) is refused, dave gets the list.
  const url = `http://127.0.0.1:${shared.ports['quilt-mcp']}/mcp`;
  const first = await ask(url, { ...json, ...quiltCallers.read }, call(1, 'registries_list', {}));
  const registry = (JSON.parse(first.body.toString()).result.structuredContent.registries as { name: string }[])[0]!.name;
  const callers = ['read', 'no scopes'] as const;
  const alone: Record<string, string> = {};
  for (const caller of callers) alone[caller] = (await ask(url, { ...json, ...quiltCallers[caller] }, call(1, 'packages_list', { registry }))).body.toString();
  t.not(alone.read, alone['no scopes'], 'the two callers get different answers');
  const order = Array.from({ length: 24 }, (_, i) => callers[i % 2]!);
  const together = await Promise.all(order.map((caller) => ask(url, { ...json, ...quiltCallers[caller] }, call(1, 'packages_list', { registry }))));
  order.forEach((caller, i) => {
    t.equal(together[i]!.body.toString(), alone[caller], `call ${i} (${caller})`);
  });
});

t.test('the audit line of a shared-server call names its caller', async (t) => {
  await ask(`http://127.0.0.1:${shared.ports['quilt-mcp']}/mcp`, { ...json, ...quiltCallers.read }, call(99, 'registries_list', {}));
  await new Promise((r) => setTimeout(r, 300));
  const audit = shared
    .logs()
    .split('\n')
    .filter((line) => line.includes('"event":"tool_call"') && line.includes('"tool":"registries_list"'));
  t.ok(
    audit.some((line) => line.includes('"userId":"dave"')),
    'dave’s call is audited as his',
  );
  t.ok(
    audit.some((line) => line.includes('"userId":"carol"')),
    'carol’s call is audited as hers',
  );
});
