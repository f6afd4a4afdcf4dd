/** Streaming manifest reader: records (header, directories, entries) with bounded memory. */
import type { ByteSource } from './byte-source.js';
import { addToHash, manifestLines, parseLine, toHeader, toRecord } from './manifest-line.js';
import { ManifestError, type ManifestHeader, type ManifestRecord } from './manifest-types.js';
import { TopHasher } from './top-hash.js';

export interface ReadManifestOptions {
  /** Longest line accepted, in bytes (default 16 MiB). */
  maxLineBytes?: number;
  /**
   * When given, the entries' top hash is computed while reading and a mismatch (or entries out of walk
   * order) raises a ManifestError after the last record. Only checked if the stream is read to the end.
   */
  expectedTopHash?: string;
  signal?: AbortSignal;
}

/** Records in file order, in arrays of one source chunk's worth (the fast path for large manifests). */
export async function* readManifestBatches(source: ByteSource, options: ReadManifestOptions = {}): AsyncGenerator<ManifestRecord[]> {
  let hasher: TopHasher | undefined;
  let sawHeader = false;
  for await (const { firstLine, lines } of manifestLines(source, options)) {
    const records: ManifestRecord[] = new Array<ManifestRecord>(lines.length);
    for (let k = 0; k < lines.length; k++) {
      const line = firstLine + k;
      const obj = parseLine(lines[k] as string, line);
      if (!sawHeader) {
        sawHeader = true;
        const header = toHeader(obj, line);
        if (options.expectedTopHash !== undefined) hasher = new TopHasher(header);
        records[k] = { kind: 'header', line, header };
        continue;
      }
      const record = toRecord(obj, line);
      if (hasher !== undefined && record.kind === 'entry') addToHash(hasher, record.entry, line);
      records[k] = record;
    }
    yield records;
  }
  if (!sawHeader) throw new ManifestError('The manifest is empty (no header line)');
  if (hasher !== undefined && options.expectedTopHash !== undefined) {
    const actual = hasher.digest();
    if (actual !== options.expectedTopHash) {
      throw new ManifestError(`Top hash mismatch: the manifest hashes to ${actual}, expected ${options.expectedTopHash}`);
    }
  }
}

/** Records one at a time: the header first, then directories and entries in file order. */
export async function* readManifest(source: ByteSource, options: ReadManifestOptions = {}): AsyncGenerator<ManifestRecord> {
  for await (const batch of readManifestBatches(source, options)) yield* batch;
}

/**
 * Just the header. Stops reading after line 1 (a Node Readable source is destroyed), so listing
 * revisions doesn't download whole manifests.
 */
export async function readManifestHeader(source: ByteSource, options: Omit<ReadManifestOptions, 'expectedTopHash'> = {}): Promise<ManifestHeader> {
  for await (const record of readManifest(source, options)) {
    if (record.kind === 'header') return record.header;
  }
  throw new ManifestError('The manifest is empty (no header line)');
}
