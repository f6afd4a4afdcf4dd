/** Shared fixtures and utilities for the quilt core tests (not a test file itself). */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = fileURLToPath(new URL('../fixtures/quilt-vectors/', import.meta.url));
export const BUCKET_DIR = path.join(VECTORS_DIR, 'bucket');

export interface ExpectedRevision {
  timestamp: number;
  top_hash: string;
  message: string | null;
  entries: number;
  total_size: number;
  logical_keys: string[];
}

export interface ExpectedPackage {
  name: string;
  revisions: ExpectedRevision[];
}

export const expected = JSON.parse(readFileSync(path.join(VECTORS_DIR, 'expected.json'), 'utf8')) as {
  bucket: string;
  packages: ExpectedPackage[];
};

export function manifestPath(topHash: string): string {
  return path.join(BUCKET_DIR, '.quilt', 'packages', topHash);
}

/** The bucket-image path of a physical key `s3://quilt-vectors/<key>`. */
export function physicalKeyPath(physicalKey: string): string {
  const prefix = `s3://${expected.bucket}/`;
  if (!physicalKey.startsWith(prefix)) throw new Error(`Unexpected physical key ${physicalKey}`);
  return path.join(BUCKET_DIR, ...physicalKey.slice(prefix.length).split('/'));
}

/** A temp folder removed when the test ends. */
export async function tempDir(t: { teardown(fn: () => unknown): void }, name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `labmcp-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function collect(source: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A Writable that keeps everything written, for checking writer output byte-for-byte. */
export class MemorySink extends Writable {
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Chunks `bytes` into pieces of `size` (to exercise chunk boundaries). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
