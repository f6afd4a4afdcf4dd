/**
 * Issue 18, exactness, through real quilt-mcp processes and the official MCP clients, on the local registry and
 * on moto_server: metadata sent as JSON text (meta_json) is stored exactly as quilt3 stores it (1.0, -0.0,
 * integers past 2^53, key order with keys like "10"), and the manifests written are byte for byte those made
 * from the same inputs by quilt3's rules (fixtures/exact-meta.gen.py, CPython's json); read tools show the stored
 * JSON text; package_diff shows a removed null as removed; package_file_read says when the object's size is not
 * the manifest's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { type Any, FIXTURES } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { motoMissing } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { localQuilt, motoQuilt, ok, type RegistryTarget, refused } from '../helpers/quilt-tools.js';

interface Fixture {
  files: Record<string, string>;
  package_meta: string;
  entry_meta: string;
  merge_meta: string;
  file_meta: string;
  package_meta_stored: string;
  entry_meta_stored: string;
  merged_meta_stored: string;
  created: { text: string; top_hash: string };
  updated: { text: string; top_hash: string };
}
const fx = JSON.parse(readFileSync(path.join(FIXTURES, 'exact-meta.json'), 'utf8')) as Fixture;

async function scenario(t: Test, target: RegistryTarget): Promise<void> {
  const [modern, legacy] = target.clients;
  const reg = target.registry === undefined ? {} : { registry: target.registry };
  for (const [key, body] of Object.entries(fx.files)) await target.put(key, body);
  const expected = (text: string) => text.replaceAll('{PREFIX}', target.prefix);

  const created = await ok(modern, 'package_create', {
    ...reg,
    package: 'exact/meta',
    message: 'exact',
    meta_json: fx.package_meta,
    entries: [
      { logical_key: 'a.txt', physical_key: 'raw/a.txt', meta_json: fx.entry_meta },
      { logical_key: 'b.txt', physical_key: 'raw/b.txt' },
    ],
  });
  t.equal(created.top_hash, fx.created.top_hash, 'the top hash is the one quilt3 computes for the same inputs');
  t.equal((await target.get(`.quilt/packages/${created.top_hash}`))?.toString('utf8'), expected(fx.created.text), "the manifest is byte for byte quilt3's");

  for (const client of [modern, legacy]) {
    const browse = await ok(client, 'package_browse', { ...reg, package: 'exact/meta' });
    t.equal(browse.meta.user_meta_json, fx.package_meta_stored, `${client.era}: user_meta_json is the stored text (1.0, -0.0, big ints, key order)`);
    t.equal(browse.entries[0].meta_json, fx.entry_meta_stored, `${client.era}: an entry's meta_json is the stored text`);
    t.equal(browse.meta.user_meta.f, 1, 'the structured value is there too');
  }

  t.match(
    await refused(modern, 'package_create', {
      ...reg,
      package: 'exact/both',
      meta: { a: 1 },
      meta_json: '{"a": 1}',
      entries: [{ logical_key: 'x', text: 'x' }],
    }),
    /meta or meta_json, not both/,
  );
  t.match(
    await refused(modern, 'package_create', { ...reg, package: 'exact/array', meta_json: '[1, 2]', entries: [{ logical_key: 'x', text: 'x' }] }),
    /meta \(meta_json\): must be a JSON object/,
  );
  t.match(
    await refused(modern, 'package_create', { ...reg, package: 'exact/bad', meta_json: '{"a": 1,}', entries: [{ logical_key: 'x', text: 'x' }] }),
    /not valid JSON/,
  );
  t.match(
    await refused(modern, 'package_create', { ...reg, package: 'exact/nan', meta_json: '{"a": NaN}', entries: [{ logical_key: 'x', text: 'x' }] }),
    /finite/,
  );

  const updated = await ok(legacy, 'package_update', {
    ...reg,
    package: 'exact/meta',
    message: 'merge',
    meta_json: fx.merge_meta,
    meta_mode: 'merge',
    set: [{ logical_key: 'b.txt', meta_json: fx.file_meta }],
  });
  t.equal(updated.top_hash, fx.updated.top_hash, 'a merge keeps Python dict order: kept keys in place, new ones last, null deletes');
  t.equal(
    (await target.get(`.quilt/packages/${updated.top_hash}`))?.toString('utf8'),
    expected(fx.updated.text),
    "the merged manifest is byte for byte quilt3's",
  );

  const diff = await ok(modern, 'package_diff', { ...reg, package: 'exact/meta' });
  const byField = new Map<string, Any>(diff.meta_changes.map((c: Any) => [c.field, c]));
  t.same(byField.get('user_meta.gone'), { field: 'user_meta.gone', change: 'removed', from: null }, 'a removed null is shown as removed');
  t.same(byField.get('user_meta.10'), { field: 'user_meta.10', change: 'changed', from: 2, to: 20 });
  t.same(byField.get('user_meta.new'), { field: 'user_meta.new', change: 'added', to: 2 });
  t.match(diff.modified, [{ logical_key: 'b.txt', changed: ['meta'] }]);

  const intact = await ok(modern, 'package_file_read', { ...reg, package: 'exact/meta', logical_key: 'b.txt' });
  t.match(intact, { text: 'hello', size: 5, object_size: 5, size_mismatch: null });
  t.equal(intact.meta_json, '{"user_meta": {"9": 9.0, "8": 8}}');
  await target.put('raw/b.txt', 'hello, world!!!\n');
  const changed = await ok(modern, 'package_file_read', { ...reg, package: 'exact/meta', logical_key: 'b.txt' });
  t.match(changed, { text: 'hello', size: 5, object_size: 16 });
  t.match(changed.size_mismatch, /is 16 bytes but the manifest records 5/, 'the answer says the object is not the size the manifest records');
  const result = await modern.callTool('package_file_read', { ...reg, package: 'exact/meta', logical_key: 'b.txt' });
  t.match(result.content?.[0]?.text, /^Warning: the object at .* is 16 bytes but the manifest records 5/, 'and the text content leads with it');
}

t.test('local registry', async (t) => {
  await scenario(t, (await localQuilt(t)).target);
});

t.test('moto_server', { skip: motoMissing }, async (t) => {
  await scenario(t, (await motoQuilt(t, 'exact')).target);
});
