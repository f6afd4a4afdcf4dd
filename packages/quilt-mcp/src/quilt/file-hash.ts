/**
 * Content hashes of package entries, as quilt3 computes them (`quilt3/checksums.py`):
 * - `sha2-256-chunked` (quilt3's default): the bytes split into parts of 8 MiB, the part size doubled
 *   until there are at most 10,000 parts; SHA-256 of each part; SHA-256 of the concatenated 32-byte part
 *   digests; base64. An empty file has no parts, so its hash is SHA-256 of nothing. It equals S3's
 *   composite SHA-256 checksum of an upload made with those part sizes, hashed once more.
 * - `SHA256` (legacy manifests): lowercase hex of the SHA-256 of the bytes.
 * - `CRC64NVME`: base64 of the 8-byte big-endian full-object CRC-64/NVME, as S3 reports
 *   `ChecksumCRC64NVME` and quilt3 stores it (parts combined into the whole-object CRC).
 *
 * `hashStream` streams: memory use is one source chunk plus the hash state. `hashObject` hashes the parts of a
 * `sha2-256-chunked` object in parallel on the hashing threads (chunk-hash-pool.ts): a local file by positional
 * reads, an S3 object by parallel ranged GETs.
 */
import { createHash, type Hash } from 'node:crypto';
import { ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { loadCrc64Nvme } from './aws-sdk.js';
import type { ByteSource } from './byte-source.js';
import { type ChunkHashPool, chunkHashPool, HashJobError, type JobResult, PIECE_BYTES } from './chunk-hash-pool.js';
import type { ByteRange } from './storage.js';

export const HASH_TYPES = ['sha2-256-chunked', 'SHA256', 'CRC64NVME'] as const;
export type HashType = (typeof HASH_TYPES)[number];

export const CHUNKED_MIN_PART_SIZE = 8 * 1024 * 1024;
export const CHUNKED_MAX_PARTS = 10_000;

export class HashError extends Error {
  override readonly name = 'HashError';
}

export interface HashStreamOptions {
  /** Called with the bytes hashed so far, at most once per `progressIntervalBytes` and once at the end. */
  onProgress?: (bytesDone: number, totalBytes: number) => void;
  /** Default 1 MiB. */
  progressIntervalBytes?: number;
  signal?: AbortSignal;
}

export function isHashType(type: string): type is HashType {
  return (HASH_TYPES as readonly string[]).includes(type);
}

/** The `sha2-256-chunked` part size for a file of `size` bytes. */
export function chunkedPartSize(size: number): number {
  let partSize = CHUNKED_MIN_PART_SIZE;
  while (Math.ceil(size / partSize) > CHUNKED_MAX_PARTS) partSize *= 2;
  return partSize;
}

interface Digester {
  update(bytes: Uint8Array): void;
  finish(): Promise<string>;
}

class ChunkedSha256 implements Digester {
  private readonly outer = createHash('sha256');
  private part: Hash | undefined;
  private inPart = 0;

  constructor(private readonly partSize: number) {}

  update(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, this.partSize - this.inPart);
      this.part ??= createHash('sha256');
      this.part.update(offset === 0 && take === bytes.length ? bytes : bytes.subarray(offset, offset + take));
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) this.closePart();
    }
  }

  private closePart(): void {
    if (this.part === undefined) return;
    this.outer.update(this.part.digest());
    this.part = undefined;
    this.inPart = 0;
  }

  finish(): Promise<string> {
    this.closePart();
    return Promise.resolve(this.outer.digest('base64'));
  }
}

class PlainSha256 implements Digester {
  private readonly sha = createHash('sha256');

  update(bytes: Uint8Array): void {
    this.sha.update(bytes);
  }

  finish(): Promise<string> {
    return Promise.resolve(this.sha.digest('hex'));
  }
}

class Crc64NvmeDigester implements Digester {
  constructor(private readonly crc: Crc64Nvme) {}

  update(bytes: Uint8Array): void {
    this.crc.update(bytes);
  }

  async finish(): Promise<string> {
    return Buffer.from(await this.crc.digest()).toString('base64');
  }
}

async function digesterFor(type: HashType, size: number): Promise<Digester> {
  switch (type) {
    case 'sha2-256-chunked':
      return new ChunkedSha256(chunkedPartSize(size));
    case 'SHA256':
      return new PlainSha256();
    case 'CRC64NVME':
      // The AWS SDK's implementation, loaded only when a CRC64NVME entry is hashed.
      return new Crc64NvmeDigester(new (await loadCrc64Nvme())());
  }
}

/**
 * Hashes `size` bytes from `source` (a Node Readable or any async iterable of bytes). The size must be
 * known up front (`sha2-256-chunked` part sizes depend on it) and must match what the source yields.
 */
export async function hashStream(type: HashType, source: ByteSource, size: number, options: HashStreamOptions = {}): Promise<string> {
  if (!isHashType(type)) throw new HashError(`Unsupported hash type ${JSON.stringify(type)}; supported: ${HASH_TYPES.join(', ')}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new HashError(`Invalid size ${String(size)}: must be a non-negative integer`);
  const { onProgress, signal } = options;
  const interval = options.progressIntervalBytes ?? 1024 * 1024;
  const digester = await digesterFor(type, size);
  signal?.throwIfAborted();
  let done = 0;
  let reported = 0;
  for await (const chunk of source) {
    signal?.throwIfAborted();
    if (typeof chunk === 'string') throw new HashError('The byte source yielded a string; read it without an encoding');
    done += chunk.length;
    if (done > size) throw new HashError(`The source has more than the declared ${size} bytes`);
    digester.update(chunk);
    if (onProgress !== undefined && done - reported >= interval) {
      reported = done;
      onProgress(done, size);
    }
  }
  if (done !== size) throw new HashError(`The source ended after ${done} of the declared ${size} bytes`);
  if (onProgress !== undefined && (reported !== done || done === 0)) onProgress(done, size);
  return digester.finish();
}

export interface HashCheck {
  ok: boolean;
  type: HashType;
  expected: string;
  actual: string;
}

/** Recomputes an entry's hash from its bytes and compares it with the recorded one. */
export async function verifyHash(
  expected: { type: string; value: string },
  source: ByteSource,
  size: number,
  options: HashStreamOptions = {},
): Promise<HashCheck> {
  const { type } = expected;
  if (!isHashType(type)) throw new HashError(`Unsupported hash type ${JSON.stringify(type)}; supported: ${HASH_TYPES.join(', ')}`);
  const actual = await hashStream(type, source, size, options);
  return { ok: actual === expected.value, type, expected: expected.value, actual };
}

/** An object opened for reading (a store's `get()` result): its bytes, and what identifies the version read. */
export interface OpenedBytes {
  body: Readable;
  size: number;
  etag?: string | undefined;
}

/** A ranged read of the same object (a store's `get({range})`). */
export type RangeGet = (range: ByteRange, signal: AbortSignal) => Promise<OpenedBytes & { contentLength: number }>;

export interface HashObjectOptions extends HashStreamOptions {
  /** Reads a byte range of the object: with it, S3 objects of several parts are read by parallel ranged GETs. */
  range?: RangeGet;
  /** The hashing threads; the process's shared pool by default. */
  pool?: ChunkHashPool;
  /** Local files at least this large go to the threads (default THREAD_MIN_BYTES; tests lower it). */
  threadMinBytes?: number;
}

/**
 * Below this, a local file is hashed on the event loop as it streams (a job for a thread costs about as much as
 * hashing a few hundred KiB, and each stream chunk is hashed in its own short turn).
 */
export const THREAD_MIN_BYTES = 1024 * 1024;

/**
 * Hashes `size` bytes of an object opened with `get()`, taking over (and finally destroying) `opened.body`.
 *
 * `sha2-256-chunked` objects are hashed part by part on the hashing threads, several parts at once (at most twice
 * the threads per object), so that the event loop stays free and every core works:
 * - a local file (the body is a file stream the store opened, confinement checks done) is read by the threads
 *   themselves with positional reads of the already open file;
 * - otherwise, with `options.range`, parts are fetched with ranged GETs into the pool's fixed buffers, each
 *   checked to come from the same version (size and ETag) as `opened`.
 * Everything else (other hash types, small objects, parts over 8 MiB on S3 — objects over ~78 GiB) streams
 * through `hashStream`, as before.
 */
export async function hashObject(type: HashType, opened: OpenedBytes, size: number, options: HashObjectOptions = {}): Promise<string> {
  if (!isHashType(type)) throw new HashError(`Unsupported hash type ${JSON.stringify(type)}; supported: ${HASH_TYPES.join(', ')}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new HashError(`Invalid size ${String(size)}: must be a non-negative integer`);
  const partSize = chunkedPartSize(size);
  const body = opened.body;
  // A local store's body is an fs.ReadStream over the FileHandle it opened after its confinement checks; the
  // stream's (untyped) `fd` is that handle's descriptor; positional reads on it leave the stream as it is.
  const streamFd = body instanceof ReadStream ? (body as ReadStream & { fd?: unknown }).fd : undefined;
  const fd = typeof streamFd === 'number' ? streamFd : undefined;
  try {
    if (type === 'sha2-256-chunked' && size >= (options.threadMinBytes ?? THREAD_MIN_BYTES) && fd !== undefined) {
      // Nothing reads the stream, yet an abort signal the store tied to it destroys it with an error: without a
      // listener that error would be uncaught. The abort itself reaches hashParts through options.signal. That
      // destroy also closes the file while a thread may still be reading its last piece; the read then fails
      // (EBADF) or, if the number was reused meanwhile, reads other bytes — either way into a result nobody uses.
      // Without an abort the file is closed only after every part has settled (finally, below).
      body.on('error', ignore);
      return await hashParts(size, partSize, options, (offset, length, cancel, pool) => pool.run({ kind: 'fd', fd, offset, length, cancel }));
    }
    const range = options.range;
    if (type === 'sha2-256-chunked' && range !== undefined && size > partSize && partSize === PIECE_BYTES && fd === undefined) {
      // The whole-object stream is not needed: the parts come from ranged GETs.
      body.on('error', ignore);
      body.destroy();
      return await hashParts(size, partSize, options, (offset, length, cancel, pool, signal) =>
        hashRangedPart(range, opened, offset, length, cancel, pool, signal),
      );
    }
    return await hashStream(type, body, size, options);
  } finally {
    body.destroy();
  }
}

const ignore = () => {};

type PartHasher = (offset: number, length: number, cancel: Int32Array, pool: ChunkHashPool, signal: AbortSignal) => Promise<JobResult>;

/**
 * Hashes every part with `hashPart`, at most two per thread of this object at a time, in any order, and
 * combines the digests in part order. On a failure or abort, stops queued parts, waits for those running (a
 * thread finishes at most the piece it is reading; ranged GETs are aborted), then rejects: nothing of it runs on after.
 */
async function hashParts(size: number, partSize: number, options: HashObjectOptions, hashPart: PartHasher): Promise<string> {
  const { onProgress, signal } = options;
  signal?.throwIfAborted();
  const pool = options.pool ?? chunkHashPool();
  const interval = options.progressIntervalBytes ?? 1024 * 1024;
  const parts = Math.ceil(size / partSize);
  const digests: Uint8Array[] = new Array<Uint8Array>(parts);
  // Shared with the threads: set once this hash is given up, so a running part stops between pieces.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const stop = new AbortController();
  const window = 2 * pool.threads;
  let failure: unknown;
  let next = 0;
  let active = 0;
  let done = 0;
  let reported = 0;

  let onAbort: (() => void) | undefined;
  // An empty file has no parts: its hash is SHA-256 of nothing (below).
  if (parts > 0)
    await new Promise<void>((resolve) => {
      const fail = (err: unknown) => {
        if (failure === undefined) {
          failure = err;
          Atomics.store(cancel, 0, 1);
          stop.abort(err);
          pool.drop(cancel);
        }
        if (active === 0) resolve();
      };
      onAbort = () => fail(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const finishOne = () => {
        active--;
        if (failure !== undefined) {
          if (active === 0) resolve();
          return;
        }
        if (next === parts && active === 0) {
          resolve();
          return;
        }
        launch();
      };
      const launch = () => {
        while (failure === undefined && active < window && next < parts) {
          const index = next++;
          const offset = index * partSize;
          const length = Math.min(partSize, size - offset);
          active++;
          hashPart(offset, length, cancel, pool, stop.signal).then(
            (result) => {
              if (result.kind === 'digest') {
                digests[index] = result.digest;
                done += length;
                if (onProgress !== undefined && done - reported >= interval && done < size) {
                  reported = done;
                  onProgress(done, size);
                }
              } else if (result.kind === 'short') {
                fail(new HashError(`The source ended after ${offset + result.bytesRead} of the declared ${size} bytes`));
              } else {
                fail(failure ?? new HashError('Hashing was cancelled'));
              }
              finishOne();
            },
            (err: unknown) => {
              fail(err instanceof HashJobError ? readFailure(err, offset, length) : err);
              finishOne();
            },
          );
        }
      };
      launch();
    });
  if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  if (failure !== undefined) throw failure;
  const outer = createHash('sha256');
  for (const digest of digests) outer.update(digest);
  onProgress?.(size, size);
  return outer.digest('base64');
}

function readFailure(err: HashJobError, offset: number, length: number): Error {
  const e = new Error(`Reading bytes ${offset}-${offset + length - 1} failed: ${err.message}`, { cause: err }) as NodeJS.ErrnoException;
  if (err.code !== undefined) e.code = err.code;
  return e;
}

/** One part by ranged GET, into a lent buffer, then to a thread. */
async function hashRangedPart(
  range: RangeGet,
  opened: OpenedBytes,
  offset: number,
  length: number,
  cancel: Int32Array,
  pool: ChunkHashPool,
  signal: AbortSignal,
): Promise<JobResult> {
  const buffer = await pool.acquireBuffer(signal);
  let handed = false;
  try {
    const got = await range({ offset, length }, signal);
    // An abort can destroy the body before it is read (or when it is not read at all); see hashObject.
    got.body.on('error', ignore);
    const view = new Uint8Array(buffer, 0, length);
    let filled = 0;
    try {
      if (got.size !== opened.size || (opened.etag !== undefined && got.etag !== undefined && got.etag !== opened.etag)) {
        throw new HashError(`The object changed while it was being hashed (size ${opened.size} → ${got.size}, ETag ${opened.etag} → ${got.etag})`);
      }
      for await (const chunk of got.body as AsyncIterable<Uint8Array | string>) {
        if (typeof chunk === 'string') throw new HashError('The byte source yielded a string; read it without an encoding');
        if (filled + chunk.length > length) throw new HashError(`A ranged read of ${length} bytes at ${offset} returned more`);
        view.set(chunk, filled);
        filled += chunk.length;
      }
    } finally {
      got.body.destroy();
    }
    if (filled < length) return { kind: 'short', bytesRead: filled };
    handed = true;
    // The pool gives the buffer back when the thread returns it (or replaces it, should the thread die).
    return await pool.run({ kind: 'bytes', buffer, length, cancel });
  } finally {
    if (!handed) pool.releaseBuffer(buffer);
  }
}
