/** Writes manifests byte-for-byte as quilt3 does, computing the top hash on the way. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { isJsonObject } from './json-value.js';
import {
  DEFAULT_MAX_RECORD_BYTES,
  type DirectoryMeta,
  type ManifestEntry,
  ManifestError,
  type ManifestHeader,
  type ManifestItem,
  RecordTooLargeError,
} from './manifest-types.js';
import { dumpsForManifest, encodeStringUnicode } from './python-json.js';
import { TopHasher } from './top-hash.js';
import { validateLogicalKey, WalkOrderGuard } from './walk-order.js';

export interface ManifestWriterOptions {
  /** Largest encoded record (without its newline), in bytes; quilt3's default is 1,000,000. */
  maxRecordBytes?: number;
}

export interface ManifestSummary {
  topHash: string;
  entries: number;
  /** Sum of the entries' sizes. */
  totalSize: number;
  /** Length of the manifest in bytes. */
  bytes: number;
}

/**
 * Encodes manifest lines exactly as quilt3 does and computes the top hash as they go by. The header is
 * given to the constructor (its line is `headerLine`); then call `directory()` for each directory with
 * metadata (walk order, before any entry), `entry()` for each entry (walk order), and `finish()`.
 */
export class ManifestWriter {
  private readonly hasher: TopHasher;
  private readonly dirOrder = new WalkOrderGuard('directory');
  private readonly maxRecordBytes: number;
  private entryCount = 0;
  private totalSize = 0;
  private byteCount: number;
  /** The header line, with its newline. */
  readonly headerLine: string;

  constructor(header: ManifestHeader, options: ManifestWriterOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (typeof header.version !== 'string') throw new ManifestError('The header needs a "version" string (quilt3 uses "v0")');
    if (header.message !== undefined && header.message !== null && typeof header.message !== 'string') {
      throw new ManifestError('The header "message" must be a string or null');
    }
    if (Object.hasOwn(header, 'top_hash')) throw new ManifestError('The header must not have a "top_hash" key (quilt3 refuses it)');
    this.hasher = new TopHasher(header);
    const json = dumpsForManifest(header);
    this.byteCount = this.measure(json, 'the package metadata') + 1;
    this.headerLine = `${json}\n`;
  }

  /** The line for a directory's metadata; its `logical_key` ends with "/". */
  directory(dir: DirectoryMeta): string {
    if (this.entryCount > 0) throw new ManifestError('Directory metadata must come before the entries');
    if (!dir.logical_key.endsWith('/')) throw new ManifestError(`Directory key ${JSON.stringify(dir.logical_key)} must end with "/"`);
    const key = dir.logical_key.slice(0, -1);
    validateLogicalKey(key);
    const json = `{"logical_key": ${encodeStringUnicode(dir.logical_key)}, "meta": ${dumpsForManifest(dir.meta)}}`;
    const bytes = this.measure(json, `the directory ${JSON.stringify(dir.logical_key)}`);
    this.dirOrder.accept(key);
    this.byteCount += bytes + 1;
    return `${json}\n`;
  }

  entry(entry: ManifestEntry): string {
    validateLogicalKey(entry.logical_key);
    if (!isJsonObject(entry.hash) || typeof entry.hash.type !== 'string' || typeof entry.hash.value !== 'string') {
      throw new ManifestError(`Entry ${JSON.stringify(entry.logical_key)}: "hash" must be an object with string "type" and "value"`);
    }
    if (entry.physical_keys.length === 0) {
      throw new ManifestError(`Entry ${JSON.stringify(entry.logical_key)} has no physical key (quilt3 would read it as directory metadata)`);
    }
    const json = `{"logical_key": ${encodeStringUnicode(entry.logical_key)}, "physical_keys": ${dumpsForManifest(entry.physical_keys)}, "size": ${entry.size}, "hash": ${dumpsForManifest(entry.hash)}, "meta": ${dumpsForManifest(entry.meta)}}`;
    const bytes = this.measure(json, `the entry ${JSON.stringify(entry.logical_key)}`);
    // Last, as it checks walk order and a rejected entry must leave the writer unchanged.
    this.hasher.add(entry);
    this.entryCount++;
    this.totalSize += entry.size;
    this.byteCount += bytes + 1;
    return `${json}\n`;
  }

  finish(): ManifestSummary {
    return { topHash: this.hasher.digest(), entries: this.entryCount, totalSize: this.totalSize, bytes: this.byteCount };
  }

  /** UTF-8 length of a record, checked against the limit. */
  private measure(json: string, what: string): number {
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxRecordBytes) throw new RecordTooLargeError(what, bytes, this.maxRecordBytes);
    return bytes;
  }
}

/** Refuses, as the writer would, a header that cannot be written (quilt3's record limit, its keys). */
export function checkHeader(header: ManifestHeader, options: ManifestWriterOptions = {}): void {
  new ManifestWriter(header, options);
}

/**
 * Writes a whole manifest to `sink` (respecting back-pressure; the sink is not ended) and returns the
 * top hash and totals. `items` holds directory metadata (first) and entries, each in walk order.
 */
export async function writeManifest(
  sink: Writable,
  header: ManifestHeader,
  items: Iterable<ManifestItem> | AsyncIterable<ManifestItem>,
  options: ManifestWriterOptions = {},
): Promise<ManifestSummary> {
  const writer = new ManifestWriter(header, options);
  // Lines are batched into ~64 KiB writes: one write per line costs more than the encoding.
  let pending = writer.headerLine;
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const ok = sink.write(pending, 'utf8');
    pending = '';
    if (!ok) await once(sink, 'drain');
  };
  for await (const item of items) {
    pending += 'entry' in item ? writer.entry(item.entry) : writer.directory(item.directory);
    if (pending.length >= 65536) await flush();
  }
  await flush();
  return writer.finish();
}
