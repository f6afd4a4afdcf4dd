import { createHash, randomBytes } from 'node:crypto';
import t from 'tap';
import { CHUNKED_MIN_PART_SIZE, chunkedPartSize, HashError, hashStream, verifyHash } from '../../src/quilt/file-hash.js';
import { chunked } from './helpers.js';

const MiB = 1024 * 1024;

/** sha2-256-chunked computed independently: slice, hash each part, hash the concatenated digests. */
function referenceChunked(bytes: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += partSize)
    digests.push(
      createHash('sha256')
        .update(bytes.subarray(i, i + partSize))
        .digest(),
    );
  return createHash('sha256').update(Buffer.concat(digests)).digest('base64');
}

t.test('part size: 8 MiB, doubled until at most 10,000 parts', async (t) => {
  t.equal(chunkedPartSize(0), 8 * MiB);
  t.equal(chunkedPartSize(1), 8 * MiB);
  t.equal(chunkedPartSize(8 * MiB * 10_000), 8 * MiB, 'exactly 10,000 parts');
  t.equal(chunkedPartSize(8 * MiB * 10_000 + 1), 16 * MiB, 'one byte more doubles it');
  t.equal(chunkedPartSize(16 * MiB * 10_000 + 1), 32 * MiB);
  t.equal(chunkedPartSize(5 * 1024 * 1024 * MiB), 1024 * MiB, '5 TiB (S3 max object) uses 1 GiB parts');
});

t.test('a stream spanning several parts', async (t) => {
  const bytes = randomBytes(2 * CHUNKED_MIN_PART_SIZE + 12_345);
  const expected = referenceChunked(bytes, CHUNKED_MIN_PART_SIZE);
  // Chunk sizes that straddle part boundaries in different ways.
  for (const chunkSize of [65_536, 1_000_003, 3 * MiB, bytes.length]) {
    t.equal(await hashStream('sha2-256-chunked', chunked(bytes, chunkSize), bytes.length), expected, `chunks of ${chunkSize}`);
  }
  t.not(expected, createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest('base64'), 'not a single-part hash');
});

t.test('an exact multiple of the part size has no empty trailing part', async (t) => {
  const bytes = randomBytes(2 * CHUNKED_MIN_PART_SIZE);
  t.equal(await hashStream('sha2-256-chunked', chunked(bytes, 1 << 20), bytes.length), referenceChunked(bytes, CHUNKED_MIN_PART_SIZE));
});

t.test('small and empty files', async (t) => {
  const small = Buffer.from('hello\n');
  const once = createHash('sha256').update(small).digest();
  t.equal(await hashStream('sha2-256-chunked', chunked(small, 2), small.length), createHash('sha256').update(once).digest('base64'));
  // No parts at all: SHA-256 of nothing (quilt3's edge case), not of one empty part's digest.
  t.equal(await hashStream('sha2-256-chunked', chunked(Buffer.alloc(0), 1), 0), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
});

t.test('legacy SHA256 is plain hex', async (t) => {
  const bytes = randomBytes(100_000);
  t.equal(await hashStream('SHA256', chunked(bytes, 777), bytes.length), createHash('sha256').update(bytes).digest('hex'));
});

t.test('CRC64NVME is the 8-byte big-endian CRC in base64', async (t) => {
  // quilt3's own test vector: CRC64NVME(b'Hello, World!') == 15323988402725835341.
  const expected = Buffer.alloc(8);
  expected.writeBigUInt64BE(15323988402725835341n);
  const hello = Buffer.from('Hello, World!');
  t.equal(await hashStream('CRC64NVME', chunked(hello, 5), hello.length), expected.toString('base64'));
  t.equal(await hashStream('CRC64NVME', chunked(Buffer.alloc(0), 1), 0), 'AAAAAAAAAAA=');
  const bytes = randomBytes(3 * MiB + 5);
  t.equal(
    await hashStream('CRC64NVME', chunked(bytes, 65_537), bytes.length),
    await hashStream('CRC64NVME', chunked(bytes, bytes.length), bytes.length),
    'independent of chunking',
  );
});

t.test('the declared size must match the stream', async (t) => {
  const bytes = Buffer.from('0123456789');
  await t.rejects(hashStream('sha2-256-chunked', chunked(bytes, 3), 9), { name: 'HashError', message: /more than the declared 9/ });
  await t.rejects(hashStream('sha2-256-chunked', chunked(bytes, 3), 11), { name: 'HashError', message: /ended after 10 of the declared 11/ });
  await t.rejects(hashStream('SHA256', chunked(bytes, 3), -1), HashError);
  await t.rejects(
    hashStream(
      'SHA256',
      (async function* () {
        yield 'text';
      })(),
      4,
    ),
    /string/,
  );
  await t.rejects(hashStream('MD5' as 'SHA256', chunked(bytes, 3), 10), /Unsupported hash type "MD5"/);
});

t.test('progress is reported in steps and at the end', async (t) => {
  const bytes = randomBytes(5 * MiB + 1);
  const seen: number[] = [];
  const totals = new Set<number>();
  await hashStream('sha2-256-chunked', chunked(bytes, 256 * 1024), bytes.length, {
    onProgress: (done, total) => {
      totals.add(total);
      seen.push(done);
    },
  });
  t.same([...totals], [bytes.length], 'every report gives the length as the total');
  t.ok(seen.length >= 5 && seen.length <= 7, `${seen.length} reports`);
  t.same(
    [...seen].sort((a, b) => a - b),
    seen,
    'increasing',
  );
  t.equal(seen[seen.length - 1], bytes.length, 'final report is the total');
  const empty: number[] = [];
  await hashStream('SHA256', chunked(Buffer.alloc(0), 1), 0, { onProgress: (done) => empty.push(done) });
  t.same(empty, [0], 'an empty file reports once');
});

t.test('an aborted signal stops hashing', async (t) => {
  const controller = new AbortController();
  const bytes = randomBytes(MiB);
  const p = hashStream('sha2-256-chunked', chunked(bytes, 1024), bytes.length, {
    signal: controller.signal,
    progressIntervalBytes: 4096,
    onProgress: () => controller.abort(),
  });
  await t.rejects(p, { name: 'AbortError' });
});

t.test('verifyHash', async (t) => {
  const bytes = Buffer.from('some data');
  const value = await hashStream('sha2-256-chunked', chunked(bytes, 4), bytes.length);
  t.same(await verifyHash({ type: 'sha2-256-chunked', value }, chunked(bytes, 4), bytes.length), {
    ok: true,
    type: 'sha2-256-chunked',
    expected: value,
    actual: value,
  });
  const bad = await verifyHash({ type: 'sha2-256-chunked', value: 'AAAA' }, chunked(bytes, 4), bytes.length);
  t.equal(bad.ok, false);
  t.equal(bad.actual, value);
  await t.rejects(verifyHash({ type: 'md5', value: 'x' }, chunked(bytes, 4), bytes.length), /Unsupported hash type/);
});
