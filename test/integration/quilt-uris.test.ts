/**
 * Issue 18, Quilt+ URIs in everywhere, through a real quilt-mcp process and the official MCP clients: every tool
 * that takes a registry, package, revision or path accepts the URI catalog_uri (and the catalog, and quilt3) print,
 * and the read and write tools answer with the URI of what they name.
 */
import t from 'tap';
import { startQuiltInstances } from '../helpers/quilt-instances.js';
import { ok, refused, writerClients } from '../helpers/quilt-tools.js';

const instances = await startQuiltInstances({ count: 1 });
t.teardown(() => instances.stop());
const [modern, legacy] = await writerClients(t, instances.dataDir, instances.urls[0] as string);

t.test('read tools take the URI catalog_uri prints and answer with URIs', async (t) => {
  const named = await ok(modern, 'catalog_uri', { package: 'demo/cells', path: 'cells.csv' });
  const fileUri: string = named.uri;
  t.match(fileUri, /^quilt\+file:\/\/\/.*#package=demo\/cells@[0-9a-f]{64}&path=cells\.csv$/);
  const packageUri = fileUri.replace(/&path=.*$/, '');
  const latestUri = packageUri.replace(/@[0-9a-f]{64}$/, ':latest');

  const read = await ok(legacy, 'package_file_read', { uri: fileUri });
  t.match(read, { logical_key: 'cells.csv', top_hash: named.top_hash, uri: fileUri });
  const browse = await ok(modern, 'package_browse', { uri: packageUri });
  t.match(browse, { package: 'demo/cells', top_hash: named.top_hash, uri: packageUri });
  t.equal((await ok(modern, 'package_browse', { uri: latestUri })).top_hash, named.top_hash, ':latest is latest');
  t.match(await ok(modern, 'package_verify', { uri: packageUri }), { ok: true, uri: packageUri });

  const history = await ok(legacy, 'package_history', { uri: latestUri });
  t.equal(history.revisions.length, 2);
  const first = history.revisions[0];
  t.match(first.uri, new RegExp(`#package=demo/cells@${first.top_hash}$`), 'each revision has its URI');
  const diff = await ok(modern, 'package_diff', { from_uri: first.uri, to_uri: packageUri });
  t.match(diff, { from: { top_hash: first.top_hash, uri: first.uri }, to: { top_hash: named.top_hash, uri: packageUri } });
  t.equal((await ok(modern, 'package_diff', { to_uri: packageUri })).from.top_hash, first.top_hash, 'to_uri alone compares with the revision before');
  t.equal((await ok(modern, 'catalog_uri', { uri: latestUri, path: 'cells.csv' })).uri, fileUri, 'catalog_uri pins a :latest URI');

  // Registry-only tools take the URI as their registry.
  t.match(await ok(modern, 'packages_list', { registry: latestUri }), { packages: [{ name: 'demo/cells', uri: latestUri }] });
  t.match((await ok(modern, 'search', { query: 'cells' })).results[0], { package: 'demo/cells', uri: packageUri }, 'search results carry their URI');
  t.ok((await ok(legacy, 'bucket_objects_list', { registry: fileUri, prefix: '.quilt/' })).objects.length >= 0);
  t.match(await ok(modern, 'workflows_list', { registry: fileUri }), { config: null });

  t.match(await refused(modern, 'package_browse', { uri: packageUri, package: 'other/pkg' }), /package "other\/pkg" disagrees with the Quilt\+ URI/);
  t.match(await refused(modern, 'package_file_read', { uri: packageUri }), /Give logical_key/);
  t.match(await refused(modern, 'package_browse', { uri: 'quilt+http://x#package=a/b' }), /not a Quilt\+ URI/);
  t.match(await refused(modern, 'package_browse', { registry: 'file:///etc' }), /Give package|Unknown registry/);
});

t.test('write tools take a URI for the package; a pinned one guards the update and names the revision to delete', async (t) => {
  const registry = (await ok(modern, 'registries_list', {})).registries[0].url as string;
  const base = `quilt+${registry}#package=uri/made`;
  t.match(await refused(modern, 'package_create', { uri: `${base}:latest`, entries: [{ logical_key: 'a.txt', text: 'a' }] }), /without @<top hash> or :latest/);
  const created = await ok(modern, 'package_create', { uri: base, entries: [{ logical_key: 'a.txt', text: 'a' }] });
  t.match(created, { package: 'uri/made' });
  t.equal(created.uri, `${base}@${created.top_hash}`);
  const second = await ok(legacy, 'package_update', { uri: created.uri, set: [{ logical_key: 'b.txt', text: 'b' }] });
  t.equal(second.base_top_hash, created.top_hash);
  t.match(
    await refused(modern, 'package_update', { uri: created.uri, set: [{ logical_key: 'c.txt', text: 'c' }] }),
    /^Conflict: the latest revision of uri\/made is/,
    'a URI pinned to an older revision acts as expected_top_hash',
  );
  const deleted = await ok(modern, 'package_delete', { uri: created.uri, confirm: 'uri/made' });
  t.match(deleted, { deleted: 'revision', top_hash: created.top_hash, latest: second.top_hash });
  t.match(await ok(modern, 'package_delete', { uri: base, confirm: 'uri/made' }), { deleted: 'package' });
});
