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
 * Everything streams: memory use is one source chunk plus the hash state.
 */
import { createHash, type Hash } from 'node:crypto';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import type { ByteSource } from './byte-source.js';

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
  private readonly crc = new Crc64Nvme();

  update(bytes: Uint8Array): void {
    this.crc.update(bytes);
  }

  async finish(): Promise<string> {
    return Buffer.from(await this.crc.digest()).toString('base64');
  }
}

function digesterFor(type: HashType, size: number): Digester {
  switch (type) {
    case 'sha2-256-chunked':
      return new ChunkedSha256(chunkedPartSize(size));
    case 'SHA256':
      return new PlainSha256();
    case 'CRC64NVME':
      return new Crc64NvmeDigester();
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
  signal?.throwIfAborted();
  const digester = digesterFor(type, size);
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
