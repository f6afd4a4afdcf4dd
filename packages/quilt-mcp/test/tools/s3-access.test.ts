/**
 * The tools against a real S3 API (s3rver): every package and revision of the vectors, each user's requests
 * signed with that user's own access key, AccessDenied worded for the caller, presigned links, and writes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { computeManifestTopHash } from '../../src/quilt/index.js';
import { bucketObjectLink, bucketObjectText } from '../../src/tools/bucket-objects.js';
import { catalogUri } from '../../src/tools/catalog-uri.js';
import { packageBrowse } from '../../src/tools/package-browse.js';
import { packageCreate } from '../../src/tools/package-create.js';
import { packageFileRead } from '../../src/tools/package-file-read.js';
import { packageUpdate } from '../../src/tools/package-update.js';
import { packageVerify } from '../../src/tools/package-verify.js';
import { packagesList } from '../../src/tools/packages-list.js';
import { search } from '../../src/tools/search.js';
import { type Any, caller, type Expected, harness, tempDir, VECTORS } from '../helpers/harness.js';
import { startS3Vectors } from '../helpers/s3-fixture.js';

const expected = JSON.parse(readFileSync(path.join(VECTORS, 'expected.json'), 'utf8')) as Expected;

const s3 = await startS3Vectors({ keys: [['BOBKEY', 'BOBSECRET']] });
t.teardown(() => s3.close());
const h = harness({ localRoot: path.join(await tempDir(t, 's3-local'), 'reg'), registries: ['s3://quilt-vectors'], endpoint: s3.endpoint });
t.teardown(() => h.access.close());
const alice = caller('alice', ['read:packages', 'write:packages'], { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
const bob = caller('bob', ['read:packages'], { accessKeyId: 'BOBKEY', secretAccessKey: 'BOBSECRET' });
const carol = caller('carol', ['read:packages'], { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'x' });
const nobody = caller('dave', ['read:packages']);
const REG = 's3://quilt-vectors';

t.test('each user is served with their own credentials', async (t) => {
  const aliceClient = await h.access.s3Client(alice);
  const bobClient = await h.access.s3Client(bob);
  t.not(aliceClient, bobClient);
  t.equal((await aliceClient.config.credentials()).accessKeyId, 'S3RVER');
  t.equal((await bobClient.config.credentials()).accessKeyId, 'BOBKEY');
  t.equal(await h.access.s3Client(alice), aliceClient, 'pooled per credential');

  s3.keyIds.length = 0;
  await h.call(packagesList, { registry: REG }, bob);
  t.ok(s3.keyIds.length > 0);
  t.same(new Set(s3.keyIds), new Set(['BOBKEY']), "bob's requests carried bob's key");
  s3.keyIds.length = 0;
  await h.call(packagesList, { registry: REG }, alice);
  t.same(new Set(s3.keyIds), new Set(['S3RVER']), "alice's requests carried alice's key");

  t.match(await h.fail(packagesList, { registry: REG }, carol), /Access denied: your credentials cannot list s3:\/\/quilt-vectors\/\.quilt\/named_packages\//);
  t.match(
    await h.fail(packageFileRead, { registry: REG, package: 'demo/simple', logical_key: 'README.md' }, carol),
    /your credentials cannot read s3:\/\/quilt-vectors\//,
  );
  t.match(await h.fail(packagesList, { registry: REG }, nobody), /No AWS credentials are available for user dave/);
  t.ok(await h.call(packagesList, {}, nobody), 'the local registry needs no AWS credentials');
});

t.test('every package and revision browses and verifies to expected.json', async (t) => {
  t.same(
    (await h.call<Any>(packagesList, { registry: 'quilt-vectors' }, bob)).packages.map((p: Any) => p.name),
    expected.packages.map((p) => p.name).sort(),
  );
  for (const pkg of expected.packages) {
    for (const rev of pkg.revisions) {
      const b = await h.call<Any>(packageBrowse, { registry: REG, package: pkg.name, revision: rev.top_hash, page_size: 1000 }, bob);
      t.same(
        b.entries.map((e: Any) => e.logical_key),
        rev.logical_keys,
      );
      t.same(b.summary, { entries: rev.entries, total_size: rev.total_size, complete: true });
    }
    const newest = pkg.revisions[pkg.revisions.length - 1];
    const v = await h.call<Any>(packageVerify, { registry: REG, package: pkg.name, check_files: true }, bob);
    t.match(v, { ok: true, top_hash: newest?.top_hash, top_hash_ok: true, entries: newest?.entries, total_size: newest?.total_size, mismatches: [] });
  }
});

t.test('text, binary, links, URIs and search on S3', async (t) => {
  t.match(await h.call<Any>(packageFileRead, { registry: REG, package: 'demo/simple', logical_key: 'data/a.csv' }, bob), { is_text: true, size: 16 });
  t.match(await h.call<Any>(packageFileRead, { registry: REG, package: 'demo/large', logical_key: 'small.bin' }, bob), { is_text: false, size: 100 });
  t.match(await h.call<Any>(bucketObjectText, { registry: REG, key: 'demo/simple/README.md', max_bytes: 4 }, bob), { text: /^.{1,4}$/s, truncated: true });
  const link = await h.call<Any>(bucketObjectLink, { registry: REG, key: 'demo/simple/README.md', expires_seconds: 60 }, bob);
  t.match(link.url, /X-Amz-Credential=BOBKEY/);
  const res = await fetch(link.url);
  t.equal(await res.text(), readFileSync(path.join(VECTORS, 'bucket/demo/simple/README.md'), 'utf8'));
  t.match(await h.fail(bucketObjectLink, { registry: REG, key: 'demo/simple/README.md', expires_seconds: 7200 }, bob), /at most 3600/);
  t.match(await h.fail(bucketObjectLink, { registry: REG, key: 'nope' }, bob), /No object/);
  t.equal(
    (await h.call<Any>(catalogUri, { registry: REG, package: 'demo/ordering', path: 'a/b/' }, bob)).uri,
    `quilt+s3://quilt-vectors#package=demo/ordering@${expected.packages[2]?.revisions[0]?.top_hash}&path=a/b/`,
  );
  const found = await h.call<Any>(search, { query: 'chunked', registry: REG }, bob);
  t.equal(found.results[0]?.package, 'demo/large');
  const all = await h.call<Any>(search, { query: 'ordering' }, nobody);
  t.same(
    all.skipped.map((s: Any) => s.registry),
    [REG],
    'a registry the user has no credentials for is skipped, not fatal',
  );
});

t.test('writing a package to S3', async (t) => {
  const created = await h.call<Any>(
    packageCreate,
    {
      registry: REG,
      package: 'copy/simple',
      message: 'from objects in the bucket',
      entries: [
        { logical_key: 'README.md', physical_key: 's3://quilt-vectors/demo/simple/README.md' },
        { logical_key: 'notes.txt', text: 'written by the test\n' },
      ],
      directories: [{ physical_prefix: 'demo/simple/data', logical_prefix: 'data/' }],
    },
    alice,
  );
  t.equal(created.entries, 4);
  const manifest = await s3.client.send(new GetObjectCommand({ Bucket: 'quilt-vectors', Key: `.quilt/packages/${created.top_hash}` }));
  t.equal((await computeManifestTopHash(manifest.Body as Readable)).topHash, created.top_hash, 'the manifest in S3 recomputes to its top hash');
  t.match(await h.call<Any>(packageVerify, { registry: REG, package: 'copy/simple', check_files: true }, alice), { ok: true, files: { ok: 4 } });
  const updated = await h.call<Any>(packageUpdate, { registry: REG, package: 'copy/simple', remove: ['data/'], message: 'drop data' }, alice);
  t.same(updated.changes, { added: 0, replaced: 0, removed: 2, meta_updated: 0 });
  t.match(
    await h.fail(packageCreate, { registry: REG, package: 'x/y', entries: [{ logical_key: 'a', physical_key: 's3://other-bucket/a' }] }, alice),
    /not in this registry's bucket/,
  );
  t.match(await h.fail(packageCreate, { registry: REG, package: 'x/y', entries: [{ logical_key: 'a', text: 'a' }] }, carol), /write:packages/);
});
