/**
 * The quilt3 test vectors: every package and revision of the fixture registry (a bucket image made by
 * quilt3) must re-hash, re-walk and re-write exactly.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { chunkedPartSize, hashStream } from '../../src/quilt/file-hash.js';
import { type ManifestEntry, type ManifestHeader, type ManifestItem, readManifest, writeManifest } from '../../src/quilt/manifest.js';
import { computeTopHash } from '../../src/quilt/top-hash.js';
import { compareLogicalKeys } from '../../src/quilt/walk-order.js';
import { BUCKET_DIR, chunked, expected, MemorySink, manifestPath, physicalKeyPath } from './helpers.js';

async function load(topHash: string, source: AsyncIterable<Uint8Array> = createReadStream(manifestPath(topHash))) {
  let header: ManifestHeader | undefined;
  const entries: ManifestEntry[] = [];
  const items: ManifestItem[] = [];
  for await (const record of readManifest(source, { expectedTopHash: topHash })) {
    if (record.kind === 'header') header = record.header;
    else if (record.kind === 'entry') {
      entries.push(record.entry);
      items.push({ entry: record.entry });
    } else items.push({ directory: record.directory });
  }
  if (header === undefined) throw new Error('no header');
  return { header, entries, items };
}

const revisions = expected.packages.flatMap((pkg) => pkg.revisions.map((rev) => ({ name: pkg.name, rev })));

t.test('fixture covers the expected packages', async (t) => {
  t.same(
    expected.packages.map((p) => p.name),
    ['demo/simple', 'demo/unicode', 'demo/ordering', 'demo/large', 'demo/empty'],
  );
  t.equal(revisions.length, 6);
});

for (const { name, rev } of revisions) {
  t.test(`${name}@${rev.timestamp}`, async (t) => {
    const { header, entries } = await load(rev.top_hash);
    t.equal(await computeTopHash(header, entries), rev.top_hash, 'top hash recomputed');
    t.equal(entries.length, rev.entries, 'entry count');
    t.equal(
      entries.reduce((sum, e) => sum + e.size, 0),
      rev.total_size,
      'total size',
    );
    t.same(
      entries.map((e) => e.logical_key),
      rev.logical_keys,
      'logical keys in walk order',
    );
    t.equal(header.message ?? null, rev.message, 'message');

    const pointerDir = `${BUCKET_DIR}/.quilt/named_packages/${name}`;
    t.equal(readFileSync(`${pointerDir}/${rev.timestamp}`, 'utf8'), rev.top_hash, 'timestamp pointer');

    // The bucket image is unversioned: it holds each object's newest bytes. An entry of an older
    // revision can only be checked if the newest revision still has the same content there.
    const newest = await newestEntries(name);
    for (const entry of entries) {
      t.equal(entry.hash.type, 'sha2-256-chunked');
      const current = newest.get(entry.logical_key);
      if (current?.hash.value !== entry.hash.value) {
        t.not(rev.top_hash, newestTopHash(name), `${entry.logical_key} was replaced by a later revision`);
        continue;
      }
      const file = physicalKeyPath(entry.physical_keys[0] as string);
      t.equal(statSync(file).size, entry.size, `${entry.logical_key} size`);
      t.equal(await hashStream('sha2-256-chunked', createReadStream(file), entry.size), entry.hash.value, `${entry.logical_key} hash`);
      checked.add(file);
    }
  });
}

/** Every data file of the bucket image was hashed by some revision's test. */
const checked = new Set<string>();
t.test('every data file was verified', async (t) => {
  const dataFiles = readdirSync(BUCKET_DIR, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !path.relative(BUCKET_DIR, d.parentPath).startsWith('.quilt'))
    .map((d) => path.join(d.parentPath, d.name));
  t.equal(dataFiles.length, 13);
  t.same([...checked].sort(), dataFiles.sort());
});

function newestTopHash(name: string): string {
  const pkg = expected.packages.find((p) => p.name === name);
  if (pkg === undefined) throw new Error(name);
  return pkg.revisions.reduce((a, b) => (b.timestamp > a.timestamp ? b : a)).top_hash;
}

async function newestEntries(name: string): Promise<Map<string, ManifestEntry>> {
  const { entries } = await load(newestTopHash(name));
  return new Map(entries.map((e) => [e.logical_key, e]));
}

t.test('latest pointers name the newest revision', async (t) => {
  for (const pkg of expected.packages) {
    const newest = pkg.revisions.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    t.equal(readFileSync(`${BUCKET_DIR}/.quilt/named_packages/${pkg.name}/latest`, 'utf8'), newest.top_hash, pkg.name);
  }
});

t.test('demo/large really spans several 8 MiB parts', async (t) => {
  const rev = expected.packages.find((p) => p.name === 'demo/large')?.revisions[0];
  if (rev === undefined) throw new Error('demo/large missing');
  const { entries } = await load(rev.top_hash);
  const big = entries.find((e) => e.logical_key === 'big.bin');
  if (big === undefined) throw new Error('big.bin missing');
  t.equal(chunkedPartSize(big.size), 8 * 1024 * 1024);
  t.equal(Math.ceil(big.size / chunkedPartSize(big.size)), 3, 'three parts');
  // Odd-sized chunks put part boundaries inside chunks.
  const bytes = readFileSync(physicalKeyPath(big.physical_keys[0] as string));
  t.equal(await hashStream('sha2-256-chunked', chunked(bytes, 1_000_003), big.size), big.hash.value);
});

t.test('writer reproduces every manifest byte-for-byte', async (t) => {
  for (const { name, rev } of revisions) {
    const original = readFileSync(manifestPath(rev.top_hash));
    const { header, items } = await load(rev.top_hash);
    const sink = new MemorySink();
    const summary = await writeManifest(sink, header, items);
    t.equal(sink.bytes().toString('utf8'), original.toString('utf8'), `${name} text`);
    t.ok(sink.bytes().equals(original), `${name} bytes`);
    t.equal(summary.topHash, rev.top_hash, `${name} top hash while writing`);
    t.equal(summary.bytes, original.length, `${name} byte count`);
    t.equal(summary.entries, rev.entries);
    t.equal(summary.totalSize, rev.total_size);
    // And what was written reads back to the same records.
    const again = await load(rev.top_hash, chunked(sink.bytes(), 7));
    t.same(again.header, header);
    t.same(again.entries, (await load(rev.top_hash)).entries);
  }
});

t.test('walk order sorts demo/ordering like quilt3', async (t) => {
  const keys = expected.packages.find((p) => p.name === 'demo/ordering')?.revisions[0]?.logical_keys ?? [];
  const shuffled = [...keys].reverse();
  shuffled.push(shuffled.shift() as string);
  t.same(shuffled.sort(compareLogicalKeys), keys);
  t.notSame([...keys].sort(), keys, 'plain string order differs');
});
