/**
 * The Quilt tools on the embedded local registry, through the router with the official MCP clients: the
 * seeded demo package, package_create / package_update / package_delete, search in both call shapes,
 * progress notifications, the write scope, and path-escape attempts.
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import t from 'tap';
import { computeManifestTopHash } from '../../packages/quilt-mcp/src/quilt/index.js';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern, type McpTestClient, type ToolResult } from '../helpers/mcp-clients.js';

const bundle = await startBundle();
t.teardown(() => bundle.stop());
const registryRoot = path.join(bundle.dataDir, 'quilt-registry');
const outside = await mkdtemp(path.join(tmpdir(), 'labmcp-outside-'));
t.teardown(() => rm(outside, { recursive: true, force: true }));

const writer = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'writer@example.com', scopes: ['read:packages', 'write:packages'] });
const reader = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'reader@example.com', scopes: ['read:packages'] });
const url = `${bundle.routerUrl}/quilt/mcp`;
const modern = await connectModern(url, { authorization: `Bearer ${writer}` });
const legacy = await connectLegacy(url, { authorization: `Bearer ${writer}` });
const readOnly = await connectModern(url, { authorization: `Bearer ${reader}` });
t.teardown(async () => {
  await Promise.all([modern.close(), legacy.close(), readOnly.close()]);
});

const called = new Set<string>();
async function ok(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<Any> {
  called.add(name);
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent as Any;
}
async function refused(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<string> {
  called.add(name);
  const result: ToolResult = await client.callTool(name, args);
  if (!result.isError) throw new Error(`${name} was expected to fail: ${JSON.stringify(result.structuredContent).slice(0, 300)}`);
  return result.content?.[0]?.text ?? '';
}

t.test('tools are listed with schemas and annotations', async (t) => {
  const { tools } = await modern.listTools();
  const byName = new Map(tools.map((x) => [x.name, x]));
  for (const name of [
    'registries_list',
    'packages_list',
    'package_browse',
    'package_history',
    'package_diff',
    'package_verify',
    'package_file_read',
    'bucket_objects_list',
    'bucket_object_info',
    'bucket_object_text',
    'bucket_object_link',
    'catalog_uri',
    'search',
    'workflows_list',
    'package_create',
    'package_update',
    'package_delete',
  ]) {
    t.ok(byName.get(name)?.outputSchema, `${name} has an output schema`);
  }
  t.match(byName.get('package_delete')?.annotations, { destructiveHint: true, readOnlyHint: false });
  t.match(byName.get('package_browse')?.annotations, { readOnlyHint: true });
  t.match(byName.get('package_create')?.annotations, { readOnlyHint: false, destructiveHint: false });
});

t.test('the seeded demo package', async (t) => {
  const regs = await ok(legacy, 'registries_list');
  t.match(regs.registries, [{ url: pathToFileURL(registryRoot).href, kind: 'local', isDefault: true }]);
  t.same(
    (await ok(modern, 'packages_list')).packages.map((p: Any) => p.name),
    ['demo/cells'],
  );
  t.match(await ok(legacy, 'workflows_list'), { config: null, workflows: [] }, 'the local registry has no workflows config');
  const history = await ok(modern, 'package_history', { package: 'demo/cells' });
  t.equal(history.revisions.length, 2);
  t.match(history.revisions, [{ message: 'first imaging run' }, { message: 'add HEK293 wells and a summary', is_latest: true }]);
  for (const rev of history.revisions) {
    const v = await ok(legacy, 'package_verify', { package: 'demo/cells', revision: rev.top_hash, check_files: true });
    t.match(v, { ok: true, top_hash_ok: true, files: { mismatched: 0, missing: 0 } }, `revision ${rev.top_hash} verifies`);
    const summary = await computeManifestTopHash(createReadStream(path.join(registryRoot, '.quilt', 'packages', rev.top_hash)));
    t.equal(summary.topHash, rev.top_hash);
  }
  const browse = await ok(modern, 'package_browse', { package: 'demo/cells' });
  t.same(
    browse.entries.map((e: Any) => e.logical_key),
    ['README.md', 'cells.csv', 'summary.json'],
  );
  t.match(browse.meta.user_meta, { project: 'demo' });
  const diff = await ok(modern, 'package_diff', { package: 'demo/cells' });
  t.match(diff.counts, { added: 1, modified: 1, unchanged: 1, removed: 0 });
  const csv = await ok(modern, 'package_file_read', { package: 'demo/cells', logical_key: 'cells.csv', max_bytes: 30 });
  t.match(csv, { is_text: true, truncated: true, text: /^well,cell_line/ });
  const rest = await ok(modern, 'package_file_read', { package: 'demo/cells', logical_key: 'cells.csv', offset: csv.next_offset });
  t.equal(csv.text + rest.text, readFileSync(path.join(registryRoot, 'demo', 'cells', 'cells.csv'), 'utf8'), 'windows join up');
  t.match(await ok(modern, 'catalog_uri', { package: 'demo/cells', path: 'cells.csv' }), {
    uri: new RegExp(`^quilt\\+file:///.*#package=demo/cells@${history.latest}&path=cells.csv$`),
  });
  t.match(await ok(legacy, 'bucket_objects_list', { prefix: 'demo/cells/' }), { prefixes: ['demo/cells/v1/'] });
  t.match(await ok(modern, 'bucket_object_info', { key: 'demo/cells/summary.json' }), { key: 'demo/cells/summary.json' });
  t.match(await ok(modern, 'bucket_object_text', { key: 'demo/cells/summary.json' }), { is_text: true, text: /HEK293/ });
  t.match(await refused(modern, 'bucket_object_link', { key: 'demo/cells/summary.json' }), /presigned links need S3/);
});

t.test('package_create, read back, recomputed by the core library; progress when asked', async (t) => {
  mkdirSync(path.join(registryRoot, 'uploads', 'run7'), { recursive: true });
  const big = Buffer.alloc(12 * 1024 * 1024, 7);
  writeFileSync(path.join(registryRoot, 'uploads', 'run7', 'image.bin'), big);
  writeFileSync(path.join(registryRoot, 'uploads', 'run7', 'plate.csv'), 'well,value\nA1,1\n');
  // A raw v2 client, to pass onprogress (the shared helper does not).
  const client = new Client({ name: 'progress-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${writer}` } } }));
  t.teardown(() => client.close());
  const progress: { progress: number; total?: number }[] = [];
  called.add('package_create');
  const result = await client.callTool(
    {
      name: 'package_create',
      arguments: {
        package: 'lab/run7',
        message: 'run 7',
        meta: { instrument: 'imager-2', plate: 7 },
        entries: [{ logical_key: 'README.md', text: '# Run 7\n', meta: { kind: 'readme' } }],
        directories: [{ physical_prefix: 'uploads/run7', logical_prefix: 'raw/' }],
      },
    },
    { onprogress: (p) => progress.push({ progress: p.progress, ...(p.total !== undefined && { total: p.total }) }) },
  );
  t.notOk(result.isError, JSON.stringify(result.content));
  const created = result.structuredContent as Any;
  t.match(created, { package: 'lab/run7', entries: 3, total_size: big.length + 16 + 8 });
  t.ok(progress.length >= 1, `progress notifications: ${progress.length}`);
  t.equal(progress[progress.length - 1]?.progress, progress[progress.length - 1]?.total, 'the last one says done');
  const summary = await computeManifestTopHash(createReadStream(path.join(registryRoot, '.quilt', 'packages', created.top_hash)));
  t.equal(summary.topHash, created.top_hash, 'recomputes to the same top hash');
  const back = await ok(legacy, 'package_browse', { package: 'lab/run7', revision: created.top_hash.slice(0, 10) });
  t.same(
    back.entries.map((e: Any) => e.logical_key),
    ['README.md', 'raw/image.bin', 'raw/plate.csv'],
  );
  t.match(await ok(modern, 'package_file_read', { package: 'lab/run7', logical_key: 'raw/image.bin' }), {
    is_text: false,
    head_hex: '07'.repeat(64),
    size: big.length,
  });
  t.match(await ok(modern, 'package_file_read', { package: 'lab/run7', logical_key: 'raw/plate.csv' }), { is_text: true, text: 'well,value\nA1,1\n' });
});

t.test('package_update and package_delete', async (t) => {
  const updated = await ok(modern, 'package_update', {
    package: 'lab/run7',
    message: 'add results',
    set: [{ logical_key: 'results.json', text: '{"ok": true}\n' }],
    remove: ['raw/image.bin'],
    meta: { reviewed: true },
    meta_mode: 'merge',
  });
  t.same(updated.changes, { added: 1, replaced: 0, removed: 1, meta_updated: 0 });
  const browse = await ok(modern, 'package_browse', { package: 'lab/run7' });
  t.same(
    browse.entries.map((e: Any) => e.logical_key),
    ['README.md', 'raw/plate.csv', 'results.json'],
  );
  t.same(browse.meta.user_meta, { instrument: 'imager-2', plate: 7, reviewed: true });
  t.equal((await computeManifestTopHash(createReadStream(path.join(registryRoot, '.quilt', 'packages', updated.top_hash)))).topHash, updated.top_hash);

  t.match(await refused(modern, 'package_delete', { package: 'lab/run7' }), /confirm: "lab\/run7"/);
  t.ok(existsSync(path.join(registryRoot, '.quilt', 'named_packages', 'lab', 'run7', 'latest')), 'nothing deleted without confirmation');
  const deleted = await ok(legacy, 'package_delete', { package: 'lab/run7', confirm: 'lab/run7' });
  t.match(deleted, { deleted: 'package', deleted_pointers: 3, data_kept: true });
  t.notOk(existsSync(path.join(registryRoot, '.quilt', 'named_packages', 'lab', 'run7')), 'pointers removed');
  t.ok(existsSync(path.join(registryRoot, '.quilt', 'packages', updated.top_hash)), 'manifest kept');
  t.ok(existsSync(path.join(registryRoot, 'uploads', 'run7', 'image.bin')), 'data kept');
  t.same(
    (await ok(modern, 'packages_list')).packages.map((p: Any) => p.name),
    ['demo/cells'],
  );
  t.match(await ok(legacy, 'workflows_list'), { config: null, workflows: [] }, 'the local registry has no workflows config');
  const byHash = await ok(modern, 'package_browse', { package: 'lab/run7', revision: updated.top_hash });
  t.same(
    byHash.entries.map((e: Any) => e.logical_key),
    ['README.md', 'raw/plate.csv', 'results.json'],
    'a deleted revision stays reachable by its top hash',
  );
  t.match(await refused(modern, 'package_history', { package: 'lab/run7' }), /No package lab\/run7/);
});

t.test('search in both call shapes', async (t) => {
  const plain = await ok(modern, 'search', { query: 'HEK293 csv' });
  t.equal(plain.results[0]?.package, 'demo/cells');
  t.ok(plain.results[0].score > 0);
  t.ok(plain.results[0].matches.length > 0);
  const old = await ok(legacy, 'search', { action: 'unified_search', params: { query: 'csv' } });
  t.equal(old.results[0]?.package, 'demo/cells');
  t.match(await refused(modern, 'search', {}), /Give a query/);
});

t.test('the write scope is required for writes', async (t) => {
  const text = await refused(readOnly, 'package_create', { package: 'lab/nope', entries: [{ logical_key: 'a.txt', text: 'a' }] });
  t.match(text, /package_create needs the write:packages scope/);
  t.match(await refused(readOnly, 'package_update', { package: 'demo/cells', message: 'x' }), /write:packages/);
  t.match(await refused(readOnly, 'package_delete', { package: 'demo/cells', confirm: 'demo/cells' }), /write:packages/);
  t.ok(await ok(readOnly, 'packages_list'), 'reads still work');
});

t.test('path escapes on the local registry are refused and touch nothing outside', async (t) => {
  writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
  symlinkSync(outside, path.join(registryRoot, 'escape'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(registryRoot, 'secret-link.txt'));
  const snapshot = () =>
    readdirSync(outside, { recursive: true, withFileTypes: true })
      .map((d) => `${d.name}:${d.isFile() ? statSync(path.join(d.parentPath, d.name)).mtimeMs : 'dir'}`)
      .sort();
  const before = snapshot();
  const physical = [
    '../secret.txt',
    '/etc/passwd',
    `file://${outside}/secret.txt`,
    `file://${registryRoot}/../secret.txt`,
    'escape/secret.txt',
    'secret-link.txt',
    'a/../../b',
  ];
  for (const pk of physical) {
    t.match(
      await refused(modern, 'package_create', { package: 'evil/pkg', entries: [{ logical_key: 'x.txt', physical_key: pk }] }),
      /Refused|outside/,
      `physical key ${pk}`,
    );
  }
  for (const lk of ['../x.txt', '/abs.txt', 'a/../../x.txt']) {
    t.match(
      await refused(modern, 'package_create', { package: 'evil/pkg', entries: [{ logical_key: lk, text: 'pwned' }] }),
      /logical key/i,
      `logical key ${lk}`,
    );
  }
  t.match(await refused(modern, 'package_create', { package: 'evil/pkg', directories: [{ physical_prefix: 'escape' }] }), /Refused|outside|No objects/);
  for (const key of ['../x', '/etc/passwd', 'escape/secret.txt', 'secret-link.txt']) {
    t.match(await refused(modern, 'bucket_object_text', { key }), /Refused|outside/, `object ${key}`);
  }
  t.match(await refused(modern, 'bucket_objects_list', { prefix: 'escape/' }), /Refused|outside/);
  t.match(await refused(modern, 'packages_list', { registry: `file://${outside}` }), /Unknown registry/);
  t.match(
    await refused(modern, 'package_update', { package: 'demo/cells', set: [{ logical_key: 'x', physical_key: 'escape/secret.txt' }] }),
    /Refused|outside/,
  );
  t.match(await refused(modern, 'package_verify', { package: '../../etc' }), /Input validation error|user\/package/);
  t.same(snapshot(), before, 'nothing outside the root was touched');
  t.same(readdirSync(outside), ['secret.txt']);
  t.notOk(existsSync(path.join(registryRoot, '.quilt', 'named_packages', 'evil')), 'no package was made');
});

t.test('every tool was called through the router', async (t) => {
  t.same([...called].sort(), [
    'bucket_object_info',
    'bucket_object_link',
    'bucket_object_text',
    'bucket_objects_list',
    'catalog_uri',
    'package_browse',
    'package_create',
    'package_delete',
    'package_diff',
    'package_file_read',
    'package_history',
    'package_update',
    'package_verify',
    'packages_list',
    'registries_list',
    'search',
    'workflows_list',
  ]);
  const lines = readFileSync(path.join(bundle.logDir, 'quilt-mcp.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Any);
  const audit = lines.filter((l) => l.audit && l.tool === 'package_delete');
  t.ok(
    audit.some((l) => l.outcome === 'ok' && l.targets?.package === 'lab/run7' && l.userId === 'writer@example.com'),
    'the delete is in the audit log with its target',
  );
  t.notOk(bundle.logs().includes(writer), 'no token in the logs');
});
