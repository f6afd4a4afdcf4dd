/**
 * Quilt manifests: JSON Lines, UTF-8.
 *
 * Line 1 is the package meta object (`version`, and as quilt3 builds it `user_meta` if set, `workflow`
 * if any, then `message`). Then one line per directory that has metadata (`{"logical_key": "dir/",
 * "meta": ...}`, in walk order), then one line per entry in walk order: `logical_key`,
 * `physical_keys`, `size`, `hash`, `meta`.
 *
 * quilt3 writes each line with `json.JSONEncoder(ensure_ascii=False).encode` (default separators
 * `', '`/`': '`, keys in insertion order, non-ASCII kept raw) plus "\n" (the `jsonlines` writer), and
 * refuses records over 1,000,000 bytes. The writer here reproduces that byte-for-byte and computes the
 * top hash as it goes. The reader streams, holding one chunk of lines at a time.
 */
import type { JsonObject, JsonValue } from './json-value.js';

/** Manifest line 1. Every key is kept (and hashed) as read, except the obsolete `top_hash`. */
export type ManifestHeader = JsonObject & { version: string; message?: string | null };

export interface EntryHash extends JsonObject {
  type: string;
  value: string;
}

export interface ManifestEntry {
  logical_key: string;
  physical_keys: string[];
  /** Bytes. */
  size: number;
  hash: EntryHash;
  /** quilt3 keeps user metadata under `meta.user_meta`; other keys are quilt's own. */
  meta: JsonObject;
}

/** Metadata of a directory; its logical key ends with "/". Not part of the top hash. */
export interface DirectoryMeta {
  logical_key: string;
  meta: JsonValue;
}

export type ManifestRecord =
  | { kind: 'header'; line: number; header: ManifestHeader }
  | { kind: 'directory'; line: number; directory: DirectoryMeta }
  | { kind: 'entry'; line: number; entry: ManifestEntry };

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    message: string,
    /** 1-based manifest line, when the problem is in one. */
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? message : `Manifest line ${line}: ${message}`, options);
  }
}

/**
 * A record the writer refuses because quilt3 would not read it back: its encoding is over the record limit.
 * `what` names the record ("the package metadata", `the entry "a.csv"`).
 */
export class RecordTooLargeError extends ManifestError {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${what[0]?.toUpperCase()}${what.slice(1)} would make a manifest record of ${bytes} bytes; quilt3 reads records of at most ${limit}`);
  }
}

/** quilt3's `MANIFEST_MAX_RECORD_SIZE` default. */
export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;

/** One thing to write after the header: directory metadata (first) or an entry. */
export type ManifestItem = { directory: DirectoryMeta } | { entry: ManifestEntry };
