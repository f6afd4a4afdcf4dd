/**
 * Registry behaviour over a store holding the quilt-vectors bucket image (run on a local copy and on
 * s3rver). The read checks come first; the write checks only add a package `copy/simple` and fake
 * manifests, then remove the package's pointers again.
 */
import type { Test } from 'tap';
import { hashStream } from '../../src/quilt/file-hash.js';
import { type ManifestEntry, type ManifestHeader, type ManifestItem, ManifestWriter } from '../../src/quilt/manifest.js';
import type { Registry, Revision } from '../../src/quilt/registry.js';
import { expected } from './helpers.js';

const ALL_PACKAGES = ['demo/empty', 'demo/large', 'demo/ordering', 'demo/simple', 'demo/unicode'];

async function allPackages(registry: Registry, options: { prefix?: string; maxKeys?: number } = {}) {
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await registry.listPackages({ ...options, ...(token === undefined ? {} : { continuationToken: token }) });
    names.push(...page.packages);
    token = page.nextContinuationToken;
    pages++;
  } while (token !== undefined);
  return { names, pages };
}

async function allRevisions(registry: Registry, name: string, maxKeys: number) {
  const revisions: Revision[] = [];
  let latest: string | undefined;
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await registry.listRevisions(name, { maxKeys, ...(token === undefined ? {} : { continuationToken: token }) });
    revisions.push(...page.revisions);
    latest = page.latest;
    token = page.nextContinuationToken;
    pages++;
  } while (token !== undefined);
  return { revisions, latest, pages };
}

async function load(registry: Registry, topHash: string) {
  let header: ManifestHeader | undefined;
  const entries: ManifestEntry[] = [];
  for await (const record of registry.readManifest(topHash, { verify: true })) {
    if (record.kind === 'header') header = record.header;
    else if (record.kind === 'entry') entries.push(record.entry);
  }
  if (header === undefined) throw new Error('no header');
  return { header, entries };
}

/** A manifest's text, written by the library's writer. */
function readableManifest(header: ManifestHeader, entries: ManifestEntry[]): string {
  const writer = new ManifestWriter(header);
  return writer.headerLine + entries.map((e) => writer.entry(e)).join('');
}

export async function registryContract(t: Test, registry: Registry): Promise<void> {
  await t.test('packages', async (t) => {
    t.same((await allPackages(registry)).names, ALL_PACKAGES);
    const paged = await allPackages(registry, { maxKeys: 2 });
    t.same(paged.names, ALL_PACKAGES, 'across pages');
    t.same((await allPackages(registry, { prefix: 'demo/s' })).names, ['demo/simple']);
    t.same((await allPackages(registry, { prefix: 'de' })).names, ALL_PACKAGES);
    t.same((await allPackages(registry, { prefix: 'nobody' })).names, []);
    await t.rejects(registry.listPackages({ prefix: '../x/' }), { code: 'InvalidName' });
    await t.rejects(registry.listPackages({ continuationToken: '!!' }), { code: 'InvalidArgument' });
  });

  await t.test('revisions, paged', async (t) => {
    for (const pkg of expected.packages) {
      const { revisions, latest, pages } = await allRevisions(registry, pkg.name, 1);
      t.same(
        revisions,
        pkg.revisions.map((r) => ({ timestamp: r.timestamp, topHash: r.top_hash })),
        pkg.name,
      );
      t.equal(latest, pkg.revisions[pkg.revisions.length - 1]?.top_hash, `${pkg.name} latest`);
      t.ok(pages >= pkg.revisions.length, `${pkg.name}: ${pages} pages`);
    }
    await t.rejects(registry.listRevisions('nobody/nothing'), { code: 'PackageNotFound' });
    await t.rejects(registry.listRevisions('not a name'), { code: 'InvalidName' });
  });

  await t.test('resolving revision specs', async (t) => {
    const [first, second] = expected.packages[0]?.revisions ?? [];
    if (first === undefined || second === undefined) throw new Error('demo/simple revisions');
    t.equal(await registry.resolveRevision('demo/simple'), second.top_hash, 'latest by default');
    t.equal(await registry.resolveRevision('demo/simple', 'latest'), second.top_hash);
    t.equal(await registry.resolveRevision('demo/simple', String(first.timestamp)), first.top_hash, 'timestamp');
    t.equal(await registry.resolveRevision('demo/simple', first.top_hash), first.top_hash, 'full hash');
    t.equal(await registry.resolveRevision('demo/simple', first.top_hash.toUpperCase()), first.top_hash, 'any case');
    t.equal(await registry.resolveRevision('demo/simple', first.top_hash.slice(0, 6)), first.top_hash, 'unique prefix');
    await t.rejects(registry.resolveRevision('demo/simple', first.top_hash.slice(0, 5)), { code: 'InvalidRevision' }, 'prefix too short');
    await t.rejects(registry.resolveRevision('demo/simple', 'f'.repeat(64)), { code: 'RevisionNotFound' });
    await t.rejects(registry.resolveRevision('demo/simple', 'ffffff1'), { code: 'RevisionNotFound' });
    await t.rejects(registry.resolveRevision('demo/simple', '12345'), { code: 'RevisionNotFound' }, 'unknown timestamp');
    await t.rejects(registry.resolveRevision('demo/simple', 'yesterday'), { code: 'InvalidRevision' });
    await t.rejects(registry.resolveRevision('nobody/nothing'), { code: 'PackageNotFound' });
  });

  await t.test('manifests and data', async (t) => {
    for (const pkg of expected.packages) {
      for (const rev of pkg.revisions) {
        const { header, entries } = await load(registry, rev.top_hash);
        t.equal(header.message ?? null, rev.message);
        t.same(
          entries.map((e) => e.logical_key),
          rev.logical_keys,
        );
        t.equal(
          entries.reduce((n, e) => n + e.size, 0),
          rev.total_size,
        );
        t.same(await registry.readManifestHeader(rev.top_hash), header);
        const verified = await registry.verifyManifest(rev.top_hash);
        t.ok(verified.ok, `${pkg.name}@${rev.timestamp} verifies`);
        t.equal(verified.entries, rev.entries);
        t.equal(verified.totalSize, rev.total_size);
      }
      // The bucket holds the newest bytes of each object, so check the newest revision's entries.
      const newest = pkg.revisions[pkg.revisions.length - 1];
      if (newest === undefined) continue;
      for (const entry of (await load(registry, newest.top_hash)).entries) {
        const key = (entry.physical_keys[0] as string).slice(`s3://${expected.bucket}/`.length);
        const object = await registry.storage.get(key);
        t.equal(object.size, entry.size);
        t.equal(await hashStream('sha2-256-chunked', object.body, object.size), entry.hash.value, `${pkg.name}: ${entry.logical_key}`);
      }
    }
    await t.rejects(load(registry, 'e'.repeat(64)), { code: 'RevisionNotFound' });
    await t.rejects(load(registry, 'nope'), { code: 'InvalidRevision' });
  });

  await t.test('push, resolve, delete', async (t) => {
    const source = expected.packages[0]?.revisions[1];
    if (source === undefined) throw new Error('demo/simple');
    const { header, entries } = await load(registry, source.top_hash);
    const items: ManifestItem[] = entries.map((entry) => ({ entry }));

    // Same content under another name: same top hash, same manifest bytes.
    const same = await registry.pushRevision('copy/simple', header, items, { timestamp: 1_800_000_000 });
    t.equal(same.topHash, source.top_hash);
    t.equal(same.timestamp, 1_800_000_000);
    t.equal(same.entries, 3);

    const changed = await registry.pushRevision('copy/simple', { ...header, message: 'changed' }, items, { timestamp: 1_800_000_100 });
    t.not(changed.topHash, source.top_hash);
    t.equal((await load(registry, changed.topHash)).header.message, 'changed', 'new manifest verifies and reads back');
    t.same((await allRevisions(registry, 'copy/simple', 1000)).revisions, [
      { timestamp: 1_800_000_000, topHash: source.top_hash },
      { timestamp: 1_800_000_100, topHash: changed.topHash },
    ]);
    t.equal(await registry.resolveRevision('copy/simple'), changed.topHash);
    t.same((await allPackages(registry)).names, ['copy/simple', ...ALL_PACKAGES]);

    // A manifest whose bytes don't match its name fails verification.
    const forged = `.quilt/packages/${'c'.repeat(64)}`;
    await registry.storage.put(forged, readableManifest(header, entries.slice(1)));
    t.same(await registry.verifyManifest('c'.repeat(64)).then((v) => [v.ok, v.entries]), [false, 2]);
    await registry.storage.delete(forged);

    // Two manifests sharing a 6-digit prefix make that prefix ambiguous.
    await registry.storage.put(`.quilt/packages/abcdef${'0'.repeat(58)}`, header.version);
    await registry.storage.put(`.quilt/packages/abcdef${'1'.repeat(58)}`, header.version);
    await t.rejects(registry.resolveRevision('copy/simple', 'abcdef'), { code: 'AmbiguousRevision' });
    t.equal(await registry.resolveRevision('copy/simple', 'abcdef1'), `abcdef${'1'.repeat(58)}`);
    await registry.storage.delete(`.quilt/packages/abcdef${'0'.repeat(58)}`);
    await registry.storage.delete(`.quilt/packages/abcdef${'1'.repeat(58)}`);

    // Deleting the latest revision re-points latest at the newest remaining one.
    const removed = await registry.deleteRevision('copy/simple', 'latest');
    t.same(removed, { topHash: changed.topHash, deletedPointers: ['1800000100'], latest: source.top_hash });
    t.equal(await registry.resolveRevision('copy/simple'), source.top_hash);
    t.ok(await registry.storage.head(`.quilt/packages/${changed.topHash}`), 'the manifest stays');
    await t.rejects(registry.deleteRevision('copy/simple', changed.topHash), { code: 'RevisionNotFound' });

    t.same(await registry.deletePackage('copy/simple'), { deletedPointers: 2 });
    t.same((await allPackages(registry)).names, ALL_PACKAGES);
    await t.rejects(registry.resolveRevision('copy/simple'), { code: 'PackageNotFound' });
    await t.rejects(registry.deletePackage('copy/simple'), { code: 'PackageNotFound' });
    t.ok(await registry.storage.head(`.quilt/packages/${source.top_hash}`), 'shared manifest untouched');
    t.equal(await registry.resolveRevision('demo/simple'), source.top_hash, 'the original package is intact');

    // A failed push writes nothing.
    const unsorted = [...items].reverse();
    await t.rejects(registry.pushRevision('copy/broken', header, unsorted), /out of walk order/);
    await t.rejects(registry.listRevisions('copy/broken'), { code: 'PackageNotFound' });
    await t.rejects(registry.pushRevision('bad name', header, items), { code: 'InvalidName' });
    await t.rejects(registry.pushRevision('copy/simple', header, items, { timestamp: -1 }), { code: 'InvalidArgument' });
  });
}
