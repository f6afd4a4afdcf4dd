/** The read tools against a local copy of the quilt-vectors registry (physical keys rewritten to file://). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { bucketObjectInfo, bucketObjectLink, bucketObjectsList, bucketObjectText } from '../../src/tools/bucket-objects.js';
import { catalogUri } from '../../src/tools/catalog-uri.js';
import { packageBrowse } from '../../src/tools/package-browse.js';
import { packageDiff } from '../../src/tools/package-diff.js';
import { packageFileRead } from '../../src/tools/package-file-read.js';
import { packageHistory } from '../../src/tools/package-history.js';
import { packageVerify } from '../../src/tools/package-verify.js';
import { packagesList } from '../../src/tools/packages-list.js';
import { search } from '../../src/tools/search.js';
import { type Any, type Expected, harness, localVectorsRegistry, VECTORS } from '../helpers/harness.js';

const expected = JSON.parse(readFileSync(path.join(VECTORS, 'expected.json'), 'utf8')) as Expected;
const root = await localVectorsRegistry(t);
const h = harness({ localRoot: root });
t.teardown(() => h.access.close());

t.test('packages_list pages through every package', async (t) => {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.call<Any>(packagesList, { page_size: 2, ...(cursor ? { cursor } : {}) });
    names.push(...page.packages.map((p: { name: string }) => p.name));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  t.same(names, expected.packages.map((p) => p.name).sort());
  const simple = (await h.call<Any>(packagesList, { prefix: 'demo/si' })).packages;
  t.same(
    simple.map((p: Any) => p.name),
    ['demo/simple'],
  );
  t.match(simple[0].uri, /^quilt\+file:\/\/\/.*#package=demo\/simple:latest$/, 'each package with its Quilt+ URI');
  t.match(await h.fail(packagesList, { cursor: 'garbage!' }), /continuation token/i);
});

t.test('browse, history and verify match expected.json for every revision', async (t) => {
  for (const pkg of expected.packages) {
    const history = await h.call<Any>(packageHistory, { package: pkg.name });
    t.same(
      history.revisions.map((r: Any) => [r.timestamp, r.top_hash, r.message]),
      pkg.revisions.map((r) => [r.timestamp, r.top_hash, r.message]),
      `${pkg.name} history`,
    );
    t.equal(history.latest, pkg.revisions[pkg.revisions.length - 1]?.top_hash);
    for (const rev of pkg.revisions) {
      for (const spec of [rev.top_hash, rev.top_hash.slice(0, 8), String(rev.timestamp)]) {
        const keys: string[] = [];
        let cursor: string | undefined;
        let last: Any | undefined;
        do {
          last = await h.call<Any>(packageBrowse, { package: pkg.name, revision: spec, page_size: 2, ...(cursor ? { cursor } : {}) });
          keys.push(...last.entries.map((e: Any) => e.logical_key));
          cursor = last.next_cursor ?? undefined;
        } while (cursor);
        t.equal(last?.top_hash, rev.top_hash);
        t.same(keys, rev.logical_keys, `${pkg.name}@${spec} keys`);
        t.same(last?.summary, { entries: rev.entries, total_size: rev.total_size, complete: true });
        t.equal(last?.meta.message, rev.message);
      }
      const verified = await h.call<Any>(packageVerify, { package: pkg.name, revision: rev.top_hash });
      t.match(verified, { top_hash_ok: true, recomputed_top_hash: rev.top_hash, entries: rev.entries, total_size: rev.total_size, ok: true });
    }
  }
});

t.test('verify with file hashes, progress, and a tampered file', async (t) => {
  h.progress.length = 0;
  const all = await h.call<Any>(packageVerify, { package: 'demo/large', check_files: true });
  t.match(all, { ok: true, files: { checked: 2, ok: 2, mismatched: 0, bytes_hashed: 16789661 }, mismatches: [] });
  t.ok(h.progress.length > 1, 'progress reported while hashing');
  t.equal(h.progress[h.progress.length - 1]?.total, 16789661);
  // Only the newest revision's bytes are in the bucket image: the first demo/simple revision's a.csv differs.
  const old = await h.call<Any>(packageVerify, { package: 'demo/simple', revision: '1767229200', check_files: true });
  t.match(old, { ok: false, top_hash_ok: true, files: { checked: 2, ok: 1, mismatched: 1 } });
  t.match(old.mismatches, [{ logical_key: 'data/a.csv', problem: 'size' }]);
});

t.test('diff', async (t) => {
  const d = await h.call<Any>(packageDiff, { package: 'demo/simple' });
  t.equal(d.from.top_hash, expected.packages[0]?.revisions[0]?.top_hash, 'defaults to the previous revision');
  t.same(d.counts, { added: 1, removed: 0, modified: 1, unchanged: 1 });
  t.same(
    d.added.map((e: Any) => e.logical_key),
    ['data/b.json'],
  );
  t.same(
    d.modified.map((e: Any) => [e.logical_key, e.changed]),
    [['data/a.csv', ['hash', 'size']]],
  );
  t.same(
    d.meta_changes.map((m: Any) => m.field),
    ['user_meta.rev', 'message'],
  );
  const two = await h.call<Any>(packageDiff, { package: 'demo/ordering', other_package: 'demo/unicode', max_changes: 3 });
  t.same(two.counts, { added: 2, removed: 6, modified: 0, unchanged: 0 });
  t.equal(two.added.length + two.removed.length, 3);
  t.equal(two.truncated, true);
  const same = await h.call<Any>(packageDiff, { package: 'demo/simple', from_revision: 'latest', to_revision: 'latest' });
  t.match(same, { identical: true, counts: { unchanged: 3, added: 0 } });
  t.match(await h.fail(packageDiff, { package: 'demo/empty' }), /no revision before/);
});

t.test('file read: text windows, unicode boundaries, binary head', async (t) => {
  const readme = await h.call<Any>(packageFileRead, { package: 'demo/simple', logical_key: 'README.md' });
  t.match(readme, { is_text: true, size: 23, offset: 0, truncated: false, next_offset: null });
  const window = await h.call<Any>(packageFileRead, { package: 'demo/simple', logical_key: 'data/a.csv', offset: 2, max_bytes: 5 });
  t.match(window, { is_text: true, offset: 2, bytes_read: 5, next_offset: 7, truncated: true });
  const menu = await h.call<Any>(packageFileRead, { package: 'demo/unicode', logical_key: 'café/menü.txt', offset: 3, max_bytes: 2 });
  t.ok(menu.text.length > 0 && !menu.text.includes('\ufffd'), `no broken character: ${JSON.stringify(menu.text)}`);
  const bin = await h.call<Any>(packageFileRead, { package: 'demo/large', logical_key: 'big.bin' });
  t.match(bin, { is_text: false, text: null, size: 16789561 });
  t.equal(bin.head_hex.length, 128);
  t.match(await h.fail(packageFileRead, { package: 'demo/simple', logical_key: 'nope.txt' }), /has no file "nope.txt"/);
  t.match(await h.fail(packageFileRead, { package: 'demo/simple', logical_key: 'README.md', offset: 100 }), /past the end/);
});

t.test('bucket objects', async (t) => {
  const top = await h.call<Any>(bucketObjectsList, {});
  t.same(top.prefixes, ['.quilt/', 'demo/']);
  const flat = await h.call<Any>(bucketObjectsList, { prefix: 'demo/simple/', delimiter: false });
  t.same(
    flat.objects.map((o: Any) => o.key),
    ['demo/simple/README.md', 'demo/simple/data/a.csv', 'demo/simple/data/b.json'],
  );
  const info = await h.call<Any>(bucketObjectInfo, { key: 'demo/simple/README.md' });
  t.match(info, { size: 23, url: /^file:\/\/\/.*demo\/simple\/README\.md$/ });
  const text = await h.call<Any>(bucketObjectText, { key: 'demo/simple/data/b.json' });
  t.match(text, { is_text: true, size: 13 });
  t.match(await h.fail(bucketObjectLink, { key: 'demo/simple/README.md' }), /local registry: presigned links need S3/);
  t.match(await h.fail(bucketObjectInfo, { key: '../outside' }), /Refused/);
  t.match(await h.fail(bucketObjectInfo, { key: 'demo/missing' }), /No object/);
});

t.test('catalog_uri', async (t) => {
  const rev = expected.packages[0]?.revisions[1];
  const uri = await h.call<Any>(catalogUri, { package: 'demo/simple', path: 'data/a.csv' });
  t.equal(uri.uri, `quilt+${h.access.refs[0]?.url}#package=demo/simple@${rev?.top_hash}&path=data/a.csv`);
  t.equal(uri.path_kind, 'file');
  t.match(
    (await h.call<Any>(catalogUri, { package: 'demo/unicode', pin: false, path: '日本/' })).uri,
    /#package=demo\/unicode:latest&path=%E6%97%A5%E6%9C%AC\/$/,
  );
  t.match(await h.fail(catalogUri, { package: 'demo/simple', path: 'nothing' }), /no file or folder/);
});

t.test('search, both call shapes', async (t) => {
  const r = await h.call<Any>(search, { query: 'csv' });
  t.same(r.results.map((x: Any) => x.package).sort(), ['demo/simple', 'demo/unicode']);
  t.ok(r.results.every((x: Any) => x.matches.some((m: Any) => m.field === 'logical_key')));
  const legacy = await h.call<Any>(search, { action: 'unified_search', params: { query: 'unicode données' } });
  t.equal(legacy.results[0]?.package, 'demo/unicode');
  t.same(new Set(legacy.results[0]?.matches.map((m: Any) => m.field)), new Set(['name', 'message']));
  const meta = await h.call<Any>(search, { query: 'columns' });
  t.equal(meta.results[0]?.package, 'demo/simple', 'entry metadata keys are searched');
  t.match(await h.fail(search, {}), /Give a query/);
  t.match(await h.fail(search, { action: 'delete_everything', params: { query: 'x' } }), /Unknown action/);
  const bounded = harness({ localRoot: root, limits: { searchMaxPackages: 1 } });
  t.teardown(() => bounded.access.close());
  const limited = await bounded.call<Any>(search, { query: 'ordering' });
  t.equal(limited.truncated, true);
  t.equal(limited.scanned.manifests, 1);
  t.equal(limited.results[0]?.package, 'demo/ordering', 'the name match was scanned first');
});
