/**
 * quilt3's package top hash (`Package._calculate_top_hash`): SHA-256 over the concatenated
 * `json.dumps(part, sort_keys=True, separators=(',', ':'))` of
 * 1. the package meta object, i.e. manifest line 1 as loaded: every key it has (`version`, `message`,
 *    `user_meta`, `workflow`, ...) except the obsolete `top_hash`, which quilt3 drops on load; an absent
 *    key stays absent and a `null` one is hashed as `null`;
 * 2. for every entry in walk order, `{"hash", "logical_key", "meta", "size"}`. Physical keys and
 *    directory-metadata lines are not hashed.
 *
 * Incremental: entries are fed one at a time and only the running digest and the previous key are kept.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './json-value.js';
import { dumpsForHash, encodeStringAscii } from './python-json.js';
import { WalkOrderGuard } from './walk-order.js';

/** The fields of an entry that the top hash covers. */
export interface HashedEntry {
  logical_key: string;
  size: number;
  hash: { type: string; value: string } & JsonObject;
  meta: JsonObject;
}

const FLUSH_CHARS = 65536;

export class TopHasher {
  private readonly sha = createHash('sha256');
  private readonly order = new WalkOrderGuard();
  private entryCount = 0;
  private result: string | undefined;
  /** Parts waiting to be hashed: one update per ~64 KiB costs less than one per entry. */
  private pending = '';

  constructor(header: JsonObject) {
    this.sha.update(dumpsForHash(withoutTopHash(header)), 'latin1');
  }

  /** Adds the next entry; entries must come in walk order (see walk-order.ts). A rejected entry changes nothing. */
  add(entry: HashedEntry): void {
    this.addEncoded(entry.logical_key, entry.size, encodeEntryHash(entry.hash), dumpsForHash(entry.meta));
  }

  /**
   * Adds the next entry given its `hash` and `meta` already in hash-mode JSON (`dumpsForHash`), for
   * callers that have them without building the objects.
   */
  addEncoded(logicalKey: string, size: number, hashJson: string, metaJson: string): void {
    if (this.result !== undefined) throw new Error('TopHasher: entry added after digest()');
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Entry ${JSON.stringify(logicalKey)} has an invalid size: ${String(size)}`);
    // Keys written in their sorted order, without building an object to sort. Everything is encoded
    // before the order check, so that a rejected entry leaves the hasher as it was.
    const part = `{"hash":${hashJson},"logical_key":${encodeStringAscii(logicalKey)},"meta":${metaJson},"size":${size}}`;
    this.order.accept(logicalKey);
    this.pending += part;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
    this.entryCount++;
  }

  private flush(): void {
    // Hash-mode JSON is pure ASCII, so latin1 is an exact (and cheaper) byte encoding.
    this.sha.update(this.pending, 'latin1');
    this.pending = '';
  }

  get entries(): number {
    return this.entryCount;
  }

  /** The top hash, lowercase hex. No entries can be added afterwards. */
  digest(): string {
    if (this.result === undefined) {
      this.flush();
      this.result = this.sha.digest('hex');
    }
    return this.result;
  }
}

/** Computes a top hash from a header and entries in walk order, holding one entry at a time. */
export async function computeTopHash(header: JsonObject, entries: Iterable<HashedEntry> | AsyncIterable<HashedEntry>): Promise<string> {
  const hasher = new TopHasher(header);
  for await (const entry of entries) hasher.add(entry);
  return hasher.digest();
}

/** The usual `{"type", "value"}` hash, already in sorted key order, without the generic encoder. */
function encodeEntryHash(hash: HashedEntry['hash']): string {
  let keys = 0;
  for (const _ in hash) keys++;
  if (keys === 2 && typeof hash.type === 'string' && typeof hash.value === 'string') {
    return `{"type":${encodeStringAscii(hash.type)},"value":${encodeStringAscii(hash.value)}}`;
  }
  return dumpsForHash(hash);
}

function withoutTopHash(header: JsonObject): JsonObject {
  if (!Object.hasOwn(header, 'top_hash')) return header;
  // fromEntries defines properties, so even a "__proto__" key is copied as data.
  return Object.fromEntries(Object.entries(header).filter(([key]) => key !== 'top_hash')) as JsonObject;
}
