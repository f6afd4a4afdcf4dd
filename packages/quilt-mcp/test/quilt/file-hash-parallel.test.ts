/**
 * hashObject: sha2-256-chunked parts hashed on the hashing threads, from a local file (positional reads of the
 * file the store opened) or by ranged reads (as from S3; here a real S3 API, s3rver, and the local store's own
 * ranged get). Same digests as the streaming hasher and the quilt3 vectors; cancellation, read errors, no leaks.
 */

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { open, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { ChunkHashPool } from '../../src/quilt/chunk-hash-pool.js';
import { CHUNKED_MIN_PART_SIZE, hashObject, hashStream, type OpenedBytes, type RangeGet } from '../../src/quilt/file-hash.js';
import { LocalStorage } from '../../src/quilt/local-storage.js';
import { S3Storage } from '../../src/quilt/s3-storage.js';
import { type ObjectStorage, StorageError } from '../../src/quilt/storage.js';
import { startS3rver } from '../helpers/s3-fixture.js';
import { BUCKET_DIR, chunked, expected, manifestPath, tempDir } from './helpers.js';

const MiB = 1024 * 1024;
const PART = CHUNKED_MIN_PART_SIZE;

const pool = new ChunkHashPool({ threads: 2 });
t.teardown(() => pool.close());

function referenceChunked(bytes: Buffer): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += PART)
    digests.push(
      createHash('sha256')
        .update(bytes.subarray(i, i + PART))
        .digest(),
    );
  return createHash('sha256').update(Buffer.concat(digests)).digest('base64');
}

/** Through the threads by positional reads of the file `storage.get` opened (threshold lowered to 1 byte). */
async function viaFile(storage: ObjectStorage, key: string, options: Parameters<typeof hashObject>[3] = {}): Promise<string> {
  const got = await storage.get(key);
  return hashObject('sha2-256-chunked', got, got.size, { pool, threadMinBytes: 1, ...options });
}

/** Through the threads by ranged reads, as for S3: the opened body, wrapped, is not a file stream. */
async function viaRanges(storage: ObjectStorage, key: string, options: Parameters<typeof hashObject>[3] = {}): Promise<string> {
  const got = await storage.get(key, options.signal === undefined ? {} : { signal: options.signal });
  const opened: OpenedBytes = { body: Readable.from(got.body), size: got.size, etag: got.etag };
  const range: RangeGet = (r, signal) => storage.get(key, { range: r, signal });
  return hashObject('sha2-256-chunked', opened, got.size, { pool, range, ...options });
}

const dir = await tempDir(t, 'parallel-hash');
const local = await LocalStorage.open(dir);
const SIZES = [0, 1, PART - 1, PART, PART + 1, 3 * PART + 12_345];
const files = new Map<number, Buffer>();
for (const size of SIZES) {
  const bytes = randomBytes(size);
  files.set(size, bytes);
  await writeFile(path.join(dir, `f${size}`), bytes);
}

t.test('same digests as the streaming hasher and an independent computation', async (t) => {
  for (const size of SIZES) {
    const bytes = files.get(size) as Buffer;
    const want = referenceChunked(bytes);
    t.equal(await hashStream('sha2-256-chunked', chunked(bytes, 65_536), size), want, `${size} B: streaming`);
    t.equal(await viaFile(local, `f${size}`), want, `${size} B: threads, positional reads`);
    t.equal(await viaRanges(local, `f${size}`), want, `${size} B: ranged reads (threads when over one part)`);
  }
  t.equal(await viaFile(local, 'f0'), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'empty: SHA-256 of nothing');
  t.same(pool.stats(), { threads: 2, busy: 0, queued: 0, lentBuffers: 0, freeBuffers: pool.stats().freeBuffers }, 'nothing left running or lent');
});

t.test('other hash types and small files stream as before', async (t) => {
  const bytes = files.get(PART + 1) as Buffer;
  const got = await local.get(`f${PART + 1}`);
  t.equal(await hashObject('SHA256', got, got.size, { pool }), createHash('sha256').update(bytes).digest('hex'));
  await t.rejects(hashObject('MD5' as 'SHA256', await local.get('f1'), 1, { pool }), /Unsupported hash type/);
});

t.test('the quilt3 vectors, through the threads', async (t) => {
  const bucket = await LocalStorage.open(BUCKET_DIR, { create: false });
  let checked = 0;
  for (const pkg of expected.packages) {
    // The bucket image holds each object's newest bytes: the newest revision's entries all match it.
    const rev = pkg.revisions.at(-1) as (typeof pkg.revisions)[number];
    {
      const lines = readFileSync(manifestPath(rev.top_hash), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      const entries = lines.slice(1).map((l) => JSON.parse(l) as { logical_key: string; physical_keys: string[]; size: number; hash: { value: string } });
      for (const entry of entries) {
        const key = (entry.physical_keys[0] as string).slice(`s3://${expected.bucket}/`.length);
        t.equal(await viaFile(bucket, key), entry.hash.value, `${pkg.name}/${entry.logical_key} (positional reads)`);
        if (entry.size > PART) t.equal(await viaRanges(bucket, key), entry.hash.value, `${pkg.name}/${entry.logical_key} (ranged reads)`);
        checked++;
      }
    }
  }
  t.ok(checked >= 13, `${checked} entries`);
});

t.test('progress: increasing, ends with the total', async (t) => {
  const size = 3 * PART + 12_345;
  const seen: number[] = [];
  const totals = new Set<number>();
  await viaFile(local, `f${size}`, {
    onProgress: (done, total) => {
      totals.add(total);
      seen.push(done);
    },
  });
  // One assertion over all the reports (how many there are depends on timing): the run's count stays the same.
  t.same([...totals], [size], 'every report gives the file size as the total');
  t.ok(seen.length >= 2, `${seen.length} reports`);
  t.same(
    [...seen].sort((a, b) => a - b),
    seen,
    'increasing',
  );
  t.equal(seen.at(-1), size);
});

t.test('cancellation stops the threads', async (t) => {
  await writeFile(path.join(dir, 'big'), randomBytes(8 * MiB));
  await truncate(path.join(dir, 'big'), 256 * MiB); // sparse: fast to write, still 32 parts to read and hash
  for (const via of [viaFile, viaRanges]) {
    const controller = new AbortController();
    const started = performance.now();
    const p = via(local, 'big', { signal: controller.signal, progressIntervalBytes: 1, onProgress: () => controller.abort() });
    await t.rejects(p, { name: 'AbortError' }, via.name);
    t.ok(performance.now() - started < 5000, `${via.name}: rejected soon after the abort`);
    t.same(
      { ...pool.stats(), freeBuffers: 0 },
      { threads: 2, busy: 0, queued: 0, lentBuffers: 0, freeBuffers: 0 },
      `${via.name}: nothing running, queued or lent once it rejects`,
    );
  }
  const already = AbortSignal.abort();
  await t.rejects(viaFile(local, 'big', { signal: already }), { name: 'AbortError' }, 'an aborted signal hashes nothing');
  t.equal(await viaFile(local, `f${PART + 1}`), referenceChunked(files.get(PART + 1) as Buffer), 'the pool works on afterwards');
});

t.test('a read error fails the hash cleanly', async (t) => {
  // A folder opened for reading: every positional read fails with EISDIR in the thread.
  const handle = await open(dir, 'r');
  const body = handle.createReadStream({ autoClose: true });
  await t.rejects(hashObject('sha2-256-chunked', { body, size: 3 * PART }, 3 * PART, { pool }), { code: 'EISDIR', message: /Reading bytes .* failed/ });
  t.ok(body.destroyed, 'the opened body is destroyed');

  // A ranged read that fails on the second part (S3 refusing it, say).
  let calls = 0;
  const size = 3 * PART + 12_345;
  const failing: RangeGet = (r, signal) => {
    if (++calls === 2) return Promise.reject(new StorageError('AccessDenied', 'Access denied: no'));
    return local.get(`f${size}`, { range: r, signal });
  };
  await t.rejects(hashObject('sha2-256-chunked', { body: Readable.from([]), size }, size, { pool, range: failing }), {
    name: 'StorageError',
    code: 'AccessDenied',
  });

  // A file that shrinks after it was opened.
  await writeFile(path.join(dir, 'shrinks'), randomBytes(2 * PART));
  const got = await local.get('shrinks');
  await truncate(path.join(dir, 'shrinks'), PART + 5);
  await t.rejects(hashObject('sha2-256-chunked', got, got.size, { pool }), { name: 'HashError', message: /ended after \d+ of the declared/ });

  // An object replaced between the first read and a ranged one.
  await t.rejects(viaRanges(local, `f${size}`, { range: (r, signal) => local.get(`f${PART + 1}`, { range: r, signal }) }), {
    name: 'HashError',
    message: /changed while it was being hashed/,
  });

  t.same({ ...pool.stats(), freeBuffers: 0 }, { threads: 2, busy: 0, queued: 0, lentBuffers: 0, freeBuffers: 0 }, 'nothing running, queued or lent');
  t.equal(await viaFile(local, `f${size}`), referenceChunked(files.get(size) as Buffer), 'the pool works on afterwards');
});

t.test('S3 ranged GETs (s3rver)', async (t) => {
  const s3 = await startS3rver();
  t.teardown(() => s3.close());
  const { client } = s3;
  await client.send(new CreateBucketCommand({ Bucket: 'hash' }));
  const storage = new S3Storage(client, 'hash');
  for (const size of [PART + 1, 3 * PART + 12_345]) {
    const bytes = files.get(size) as Buffer;
    await client.send(new PutObjectCommand({ Bucket: 'hash', Key: `f${size}`, Body: bytes }));
    const got = await storage.get(`f${size}`);
    const range: RangeGet = (r, signal) => storage.get(`f${size}`, { range: r, signal });
    t.equal(await hashObject('sha2-256-chunked', got, got.size, { pool, range }), referenceChunked(bytes), `${size} B`);
  }
});

t.test('the hashing threads run at a lower priority than the event loop (Linux)', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  await viaFile(local, `f${PART + 1}`); // the pool's threads are up
  const niceOf = (tid: string) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  };
  const nices = readdirSync('/proc/self/task').map(niceOf);
  t.equal(niceOf(String(process.pid)), 0, 'the main thread keeps its priority');
  t.equal(nices.filter((n) => n === 10).length, 2, 'one niced thread per pool thread');
});

t.test('the shared pool does not keep a process alive', async (t) => {
  // A process that hashes through the shared pool and then has nothing left to do must exit by itself, long
  // before the pool's idle timeout ends the threads.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = `
    import { LocalStorage } from ${JSON.stringify(path.join(here, '../../src/quilt/local-storage.ts'))};
    import { hashObject } from ${JSON.stringify(path.join(here, '../../src/quilt/file-hash.ts'))};
    const storage = await LocalStorage.open(${JSON.stringify(dir)}, { create: false });
    const got = await storage.get(${JSON.stringify(`f${3 * PART + 12_345}`)});
    process.stdout.write(await hashObject('sha2-256-chunked', got, got.size));
  `;
  const started = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
  t.equal(stdout, referenceChunked(files.get(3 * PART + 12_345) as Buffer));
  t.ok(performance.now() - started < 15_000, 'exited on its own');
});
