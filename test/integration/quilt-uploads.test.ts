/**
 * Issue 18, uploads and imports, through real quilt-mcp processes and the official MCP clients, on the local
 * registry and moto_server: bucket_object_put (text or base64, bounded, never replacing, confined), the presigned
 * upload link (S3; create-only through a signed If-None-Match), and imports from a prefix with include/exclude
 * globs and dry_run (reports the entries and bytes, writes nothing).
 */
import t, { type Test } from 'tap';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { motoMissing } from '../../packages/quilt-mcp/test/helpers/moto.js';
import type { McpTestClient } from '../helpers/mcp-clients.js';
import { localQuilt, motoQuilt, ok, refused } from '../helpers/quilt-tools.js';

const INLINE = { QUILT_INLINE_MAX_BYTES: '2048' };

async function scenario(t: Test, clients: [McpTestClient, McpTestClient], registry: string | undefined, prefix: string): Promise<void> {
  const [modern, legacy] = clients;
  const reg = registry === undefined ? {} : { registry };

  await t.test('bucket_object_put: text and base64, never replacing, confined, bounded', async (t) => {
    const put = await ok(modern, 'bucket_object_put', { ...reg, key: 'up/a.csv', text: 'x,y\n1,2\n' });
    t.match(put, { key: 'up/a.csv', size: 8, physical_key: `${prefix}/up/a.csv` });
    t.match(
      await refused(legacy, 'bucket_object_put', { ...reg, key: 'up/a.csv', text: 'other' }),
      /already has an object "up\/a.csv"; objects are never replaced/,
    );
    t.equal((await ok(modern, 'bucket_object_text', { ...reg, key: 'up/a.csv' })).text, 'x,y\n1,2\n', 'the first content stays');
    const bin = await ok(legacy, 'bucket_object_put', { ...reg, key: 'up/b.bin', base64: Buffer.from([0, 1, 2, 255]).toString('base64') });
    t.equal(bin.size, 4);
    t.match(await refused(modern, 'bucket_object_put', { ...reg, key: '.quilt/named_packages/x/y/latest', text: 'x' }), /registry's own \.quilt\/ folder/);
    t.match(await refused(modern, 'bucket_object_put', { ...reg, key: '../outside.txt', text: 'x' }), /Refused|outside|\.\./);
    t.match(
      await refused(modern, 'bucket_object_put', { ...reg, key: 'up/big.txt', text: 'x'.repeat(3000) }),
      /at most 2048 through a call.*bucket_object_upload_link/,
    );
    t.match(await refused(modern, 'bucket_object_put', { ...reg, key: 'up/c.txt' }), /exactly one of text and base64/);
    const made = await ok(modern, 'package_create', { ...reg, package: 'up/pkg', entries: [{ logical_key: 'a.csv', physical_key: put.physical_key }] });
    t.match(made, { entries: 1, total_size: 8 });
  });

  await t.test('imports from a prefix: include/exclude globs and dry_run', async (t) => {
    const files: Record<string, string> = {
      'raw/a.csv': 'a\n',
      'raw/b.csv': 'bb\n',
      'raw/sub/c.csv': 'ccc\n',
      'raw/sub/d.json': '{}',
      'raw/notes.txt': 'notes',
      'raw/.hidden.csv': 'h',
    };
    for (const [key, text] of Object.entries(files)) await ok(modern, 'bucket_object_put', { ...reg, key, text });
    const before = (await ok(modern, 'packages_list', reg)).packages;
    const dry = await ok(legacy, 'package_create', {
      ...reg,
      package: 'imp/csv',
      dry_run: true,
      directories: [{ physical_prefix: 'raw/', logical_prefix: 'data/', include: ['*.csv'], exclude: ['sub/**', '.*'] }],
    });
    t.match(dry, { dry_run: true, top_hash: null, uri: null, entries: 2, total_size: 5, bytes_hashed: 0 });
    t.same(
      dry.planned.map((e: Any) => [e.logical_key, e.size, e.physical_key]),
      [
        ['data/a.csv', 2, `${prefix}/raw/a.csv`],
        ['data/b.csv', 3, `${prefix}/raw/b.csv`],
      ],
    );
    t.same((await ok(modern, 'packages_list', reg)).packages, before, 'a dry run writes nothing');
    const deep = await ok(modern, 'package_create', {
      ...reg,
      package: 'imp/deep',
      dry_run: true,
      directories: [{ physical_prefix: 'raw/', include: ['**/*.csv', '*.json'] }],
    });
    t.same(
      deep.planned.map((e: Any) => e.logical_key),
      ['.hidden.csv', 'a.csv', 'b.csv', 'sub/c.csv', 'sub/d.json'],
      '** crosses folders; a pattern without "/" matches names at any depth',
    );
    t.match(
      await refused(modern, 'package_create', { ...reg, package: 'imp/none', directories: [{ physical_prefix: 'raw/', include: ['*.parquet'] }] }),
      /None of the 6 objects under "raw\/" .* passes include\/exclude/,
    );
    const made = await ok(modern, 'package_create', {
      ...reg,
      package: 'imp/csv',
      directories: [{ physical_prefix: 'raw/', logical_prefix: 'data/', include: ['*.csv'], exclude: ['sub/**', '.*'] }],
    });
    t.match(made, { dry_run: false, entries: 2, total_size: 5, planned: null });
    t.match(await ok(modern, 'package_verify', { ...reg, package: 'imp/csv', check_files: true }), { ok: true });
  });
}

t.test('local registry', async (t) => {
  const { clients } = (await localQuilt(t, INLINE)).target;
  const registry = (await ok(clients[0], 'registries_list', {})).registries[0].url as string;
  await scenario(t, clients, undefined, registry);
  t.match(await refused(clients[0], 'bucket_object_upload_link', { key: 'up/x.bin' }), /local registry: upload links need S3/);
});

t.test('moto_server', { skip: motoMissing }, async (t) => {
  const { instances, target } = await motoQuilt(t, 'uploads', { env: INLINE });
  const clients = target.clients;
  await scenario(t, clients, 's3://uploads', 's3://uploads');

  await t.test('presigned upload link: creates, never replaces', async (t) => {
    const [modern] = clients;
    const link = await ok(modern, 'bucket_object_upload_link', { registry: 's3://uploads', key: 'big/data.bin', expires_seconds: 300 });
    t.match(link, { method: 'PUT', headers: { 'If-None-Match': '*' }, physical_key: 's3://uploads/big/data.bin' });
    const body = Buffer.alloc(5000, 7);
    // AWS refuses an upload without the header, since it is signed; moto does not check signatures, so the test
    // checks that it is among the signed headers.
    t.match(new URL(link.url).searchParams.get('X-Amz-SignedHeaders'), /(^|;)if-none-match(;|$)/, 'If-None-Match is a signed header');
    const first = await fetch(link.url, { method: 'PUT', body, headers: link.headers });
    t.equal(first.status, 200, 'the upload creates the object');
    t.equal((await target.get('big/data.bin'))?.length, 5000);
    const again = await fetch(link.url, { method: 'PUT', body: Buffer.from('replaced'), headers: link.headers });
    t.equal(again.status, 412, 'a second upload through the link cannot replace it');
    t.equal((await target.get('big/data.bin'))?.length, 5000, 'the object is unchanged');
    t.match(await refused(modern, 'bucket_object_upload_link', { registry: 's3://uploads', key: 'big/data.bin' }), /already has an object/);
    t.match(await refused(modern, 'bucket_object_upload_link', { registry: 's3://uploads', key: 'x', expires_seconds: 7200 }), /at most 3600/);
    const made = await ok(modern, 'package_create', {
      registry: 's3://uploads',
      package: 'big/one',
      entries: [{ logical_key: 'data.bin', physical_key: link.physical_key }],
    });
    t.match(made, { entries: 1, total_size: 5000 });
    const signature = new URL(link.url).searchParams.get('X-Amz-Signature') as string;
    t.ok(signature.length > 20);
    t.notOk(instances.logs().includes(signature), 'the link (its signature) is not in the logs');
  });
});
