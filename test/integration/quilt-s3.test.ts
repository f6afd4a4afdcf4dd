/**
 * The Quilt tools on an S3 registry through the router with the official MCP clients, against s3rver started
 * here (in this process, on 127.0.0.1) holding the quilt-vectors bucket: every package and revision lists,
 * browses, diffs and verifies to expected.json; each user's requests carry that user's own access key, as s3rver
 * (the server side) sees them; unknown keys get "your credentials cannot …"; presigned links download.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { type Any, type Expected, VECTORS } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { startS3Vectors } from '../../packages/quilt-mcp/test/helpers/s3-fixture.js';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern, type McpTestClient } from '../helpers/mcp-clients.js';

const expected = JSON.parse(readFileSync(path.join(VECTORS, 'expected.json'), 'utf8')) as Expected;
const REG = 's3://quilt-vectors';

// Bob's key pair is registered with s3rver, so both users can read; Carol's key is unknown to it.
const s3 = await startS3Vectors({ keys: [['BOBKEY', 'BOBSECRET']] });
t.teardown(() => s3.close());
const bundle = await startBundle({
  env: { QUILT_REGISTRIES: REG, AWS_ENDPOINT_URL: s3.endpoint, QUILT_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' },
});
t.teardown(() => bundle.stop());

const token = (subject: string, accessKeyId?: string, secretAccessKey?: string) =>
  mintDemoToken({
    dataDir: bundle.dataDir,
    subject,
    scopes: ['read:packages', 'write:packages'],
    ...(accessKeyId && secretAccessKey ? { awsCredentials: { accessKeyId, secretAccessKey } } : {}),
  });
const url = `${bundle.routerUrl}/quilt/mcp`;
const alice = await connectModern(url, { authorization: `Bearer ${await token('alice', 'S3RVER', 'S3RVER')}` });
const bob = await connectLegacy(url, { authorization: `Bearer ${await token('bob', 'BOBKEY', 'BOBSECRET')}` });
const carol = await connectModern(url, { authorization: `Bearer ${await token('carol', 'CAROLKEY', 'CAROLSECRET')}` });
const dave = await connectModern(url, { authorization: `Bearer ${await token('dave')}` });
t.teardown(async () => {
  await Promise.all([alice.close(), bob.close(), carol.close(), dave.close()]);
});

async function ok(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<Any> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent as Any;
}
async function refused(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.callTool(name, args);
  if (!result.isError) throw new Error(`${name} was expected to fail`);
  return result.content?.[0]?.text ?? '';
}

t.test('the S3 registry is listed after the local default', async (t) => {
  const { registries } = await ok(alice, 'registries_list');
  t.match(registries, [
    { kind: 'local', isDefault: true },
    { url: REG, kind: 's3', isDefault: false },
  ]);
});

t.test('every package and revision lists, browses, diffs and verifies to expected.json', async (t) => {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Any = await ok(alice, 'packages_list', { registry: REG, page_size: 2, ...(cursor ? { cursor } : {}) });
    names.push(...page.packages.map((p: Any) => p.name));
    cursor = page.next_cursor;
  } while (cursor);
  t.same(names, expected.packages.map((p) => p.name).sort());

  for (const pkg of expected.packages) {
    const history = await ok(bob, 'package_history', { registry: REG, package: pkg.name });
    t.same(
      history.revisions.map((r: Any) => [r.timestamp, r.top_hash, r.message]),
      pkg.revisions.map((r) => [r.timestamp, r.top_hash, r.message]),
      `${pkg.name}: revisions`,
    );
    for (const rev of pkg.revisions) {
      const keys: string[] = [];
      let page: Any;
      let next: string | null = null;
      do {
        page = await ok(alice, 'package_browse', { registry: REG, package: pkg.name, revision: rev.top_hash, page_size: 4, ...(next ? { cursor: next } : {}) });
        keys.push(...page.entries.map((e: Any) => e.logical_key));
        next = page.next_cursor;
      } while (next);
      t.equal(page.top_hash, rev.top_hash);
      t.same(keys, rev.logical_keys, `${pkg.name}@${rev.timestamp}: logical keys in order`);
      t.same(page.summary, { entries: rev.entries, total_size: rev.total_size, complete: true }, `${pkg.name}@${rev.timestamp}: totals`);
      const verify = await ok(bob, 'package_verify', { registry: REG, package: pkg.name, revision: rev.top_hash });
      t.match(verify, { top_hash_ok: true, recomputed_top_hash: rev.top_hash, entries: rev.entries, total_size: rev.total_size, ok: true });
    }
    // The bucket image holds the newest bytes of every object, so every file of the newest revision verifies.
    const newest = pkg.revisions[pkg.revisions.length - 1];
    const files = await ok(alice, 'package_verify', { registry: REG, package: pkg.name, check_files: true });
    t.match(
      files,
      { top_hash: newest?.top_hash, ok: true, mismatches: [], files: { checked: newest?.entries, ok: newest?.entries, mismatched: 0 } },
      `${pkg.name}: file hashes`,
    );
  }

  const [first, second] = expected.packages[0]?.revisions ?? [];
  const diff = await ok(alice, 'package_diff', {
    registry: REG,
    package: 'demo/simple',
    from_revision: String(first?.timestamp),
    to_revision: second?.top_hash.slice(0, 7),
  });
  t.match(diff, { from: { top_hash: first?.top_hash }, to: { top_hash: second?.top_hash }, counts: { added: 1, removed: 0, modified: 1, unchanged: 1 } });
  t.same(
    diff.added.map((e: Any) => e.logical_key),
    ['data/b.json'],
  );
  const across = await ok(bob, 'package_diff', { registry: REG, package: 'demo/ordering', other_package: 'demo/empty' });
  t.match(across.counts, { removed: 6, added: 0 });
  const sameRev = await ok(bob, 'package_diff', { registry: REG, package: 'demo/unicode', from_revision: 'latest' });
  t.match(sameRev, { identical: true, counts: { unchanged: 2 } });
});

t.test("each user's S3 calls carry that user's own access key (seen by s3rver)", async (t) => {
  s3.keyIds.length = 0;
  await ok(bob, 'package_browse', { registry: REG, package: 'demo/simple' });
  t.ok(s3.keyIds.length >= 2, `${s3.keyIds.length} requests`);
  t.same([...new Set(s3.keyIds)], ['BOBKEY'], "only Bob's key");
  s3.keyIds.length = 0;
  await ok(alice, 'package_browse', { registry: REG, package: 'demo/simple' });
  t.same([...new Set(s3.keyIds)], ['S3RVER'], "only Alice's key");
  s3.keyIds.length = 0;
  await Promise.all([
    ok(alice, 'packages_list', { registry: REG }),
    ok(bob, 'packages_list', { registry: REG }),
    ok(alice, 'package_history', { registry: REG, package: 'demo/large' }),
  ]);
  t.same([...new Set(s3.keyIds)].sort(), ['BOBKEY', 'S3RVER'], 'concurrent users keep their own keys');

  t.match(await refused(carol, 'packages_list', { registry: REG }), /your credentials cannot list s3:\/\/quilt-vectors\//);
  t.match(
    await refused(carol, 'bucket_object_text', { registry: REG, key: 'demo/simple/README.md' }),
    /your credentials cannot read s3:\/\/quilt-vectors\/demo\/simple\/README\.md/,
  );
  t.match(await refused(dave, 'packages_list', { registry: REG }), /No AWS credentials are available for user dave/);
  t.ok(await ok(dave, 'packages_list'), 'the local registry needs no AWS credentials');
});

t.test('objects, links, files, URIs and search on S3', async (t) => {
  // s3rver's delimiter listings are partial (none at the bucket root), so list one level where it answers fully.
  const level = await ok(bob, 'bucket_objects_list', { registry: REG, prefix: 'demo/simple/' });
  t.same(level.prefixes, ['demo/simple/data/']);
  t.same(
    level.objects.map((o: Any) => o.key),
    ['demo/simple/README.md'],
  );
  const keys: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const page: Any = await ok(bob, 'bucket_objects_list', {
      registry: REG,
      prefix: '.quilt/',
      delimiter: false,
      page_size: 4,
      ...(next ? { cursor: next } : {}),
    });
    keys.push(...page.objects.map((o: Any) => o.key));
    next = page.next_cursor;
    pages++;
  } while (next);
  t.equal(keys.length, 17, '6 manifests and 11 pointers');
  t.equal(pages, 5, 'in pages of at most 4');
  t.match(await ok(bob, 'bucket_object_info', { registry: REG, key: 'demo/large/big.bin' }), { size: 16789561, url: 's3://quilt-vectors/demo/large/big.bin' });
  const link = await ok(bob, 'bucket_object_link', { registry: REG, key: 'demo/simple/data/a.csv', expires_seconds: 120 });
  t.match(link.url, /^http:\/\/127\.0\.0\.1:\d+\/quilt-vectors\/demo\/simple\/data\/a\.csv\?.*X-Amz-Expires=120/);
  t.match(link.url, /X-Amz-Credential=BOBKEY/, "signed with Bob's key");
  const res = await fetch(link.url);
  t.equal(res.status, 200);
  t.same(Buffer.from(await res.arrayBuffer()), readFileSync(path.join(VECTORS, 'bucket/demo/simple/data/a.csv')), 'the link downloads the bytes');
  t.match(
    await refused(bob, 'bucket_object_link', { registry: REG, key: 'demo/simple/data/a.csv', expires_seconds: 999_999 }),
    /at most 3600|Input validation/,
  );
  t.match(await ok(alice, 'package_file_read', { registry: REG, package: 'demo/unicode', logical_key: '日本/データ.csv' }), { is_text: true, size: 4 });
  t.match(await ok(alice, 'package_file_read', { registry: REG, package: 'demo/large', logical_key: 'big.bin' }), { is_text: false, size: 16789561 });
  t.equal(
    (await ok(alice, 'catalog_uri', { registry: REG, package: 'demo/simple', path: 'data/a.csv' })).uri,
    `quilt+s3://quilt-vectors#package=demo/simple@${expected.packages[0]?.revisions[1]?.top_hash}&path=data/a.csv`,
  );
  const found = await ok(bob, 'search', { action: 'unified_search', params: { query: 'français', bucket: 'quilt-vectors' } });
  t.equal(found.results[0]?.package, 'demo/unicode', 'entry metadata matched on S3');
  const both = await ok(alice, 'search', { query: 'demo' });
  t.ok(both.results.some((r: Any) => r.registry === REG) && both.results.some((r: Any) => r.registry.startsWith('file://')), 'searched across both registries');
});

t.test("writes to S3 with the user's credentials", async (t) => {
  s3.keyIds.length = 0;
  const created = await ok(alice, 'package_create', {
    registry: REG,
    package: 'team/copy',
    message: 'built from the bucket',
    entries: [
      { logical_key: 'README.md', physical_key: 's3://quilt-vectors/demo/simple/README.md' },
      { logical_key: 'notes.md', text: 'hello from the test\n' },
    ],
  });
  t.same([...new Set(s3.keyIds)], ['S3RVER']);
  const v = await ok(bob, 'package_verify', { registry: REG, package: 'team/copy', check_files: true });
  t.match(v, { ok: true, top_hash: created.top_hash, files: { ok: 2 } });
  t.match(
    await refused(carol, 'package_create', { registry: REG, package: 'team/nope', entries: [{ logical_key: 'a', text: 'a' }] }),
    /your credentials cannot/,
  );
  const notes = (await ok(bob, 'package_browse', { registry: REG, package: 'team/copy' })).entries.find((e: Any) => e.logical_key === 'notes.md');
  const notesKey = decodeURIComponent(String(notes.physical_key).slice(`${REG}/`.length));
  t.match(notesKey, /^team\/copy\/\.inline\/[^/]+\/notes\.md$/, 'inline text stored under a key unique to its write');
  const removed = await ok(alice, 'package_delete', { registry: REG, package: 'team/copy', confirm: 'team/copy' });
  t.match(removed, { deleted: 'package', data_kept: true });
  t.match(await ok(bob, 'bucket_object_info', { registry: REG, key: notesKey }), { size: 20 }, 'the data stays');
});
