/**
 * The object store a registry lives in: S3 (s3-storage.ts) or a local folder (local-storage.ts), with
 * S3's semantics (flat '/'-separated keys, listing in key order with common prefixes).
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  /** Bytes. */
  size: number;
  etag?: string;
  /** S3, on a versioned bucket: the version read (or written). */
  versionId?: string;
  lastModified?: Date;
  contentType?: string;
}

export interface GetResult extends ObjectInfo {
  /** The object's bytes (or the requested range). The caller must consume or destroy it. */
  body: Readable;
  /** Bytes in `body` (the range length when a range was asked for). */
  contentLength: number;
}

export interface ByteRange {
  /** First byte, 0-based. */
  offset: number;
  /** Bytes to read; to the end when omitted. */
  length?: number;
}

export interface ListOptions {
  /** Only '/' is supported (by both stores, since registries only need it). */
  delimiter?: '/';
  /** Opaque token from a previous page's `nextContinuationToken`. */
  continuationToken?: string;
  /** Keys plus common prefixes per page, 1..1000 (default 1000). */
  maxKeys?: number;
}

export interface ListPage {
  objects: ObjectInfo[];
  /** With a delimiter: the "folders" directly under the prefix, each ending with the delimiter. */
  commonPrefixes: string[];
  /** Present when there is another page. */
  nextContinuationToken?: string;
}

export type PutBody = Uint8Array | string | Readable;

export interface PutOptions {
  /** Required for a Readable body on S3; when given, a local store checks the byte count. */
  size?: number;
  contentType?: string;
}

export interface PutResult {
  etag?: string;
  /** S3, on a versioned bucket: the version this put created. */
  versionId?: string;
}

export interface ObjectStorage {
  /** Human-readable location, e.g. `s3://bucket` or `file:///abs/root`. */
  readonly url: string;
  /** Throws StorageError `NotFound` when the key doesn't exist. */
  get(key: string, options?: { range?: ByteRange; signal?: AbortSignal }): Promise<GetResult>;
  /** `undefined` when the key doesn't exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Creates or replaces the object; readers never see a partial object. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /**
   * Creates the object only if no object has that key: `created: false` (nothing written) when one exists.
   * Atomic against other writers when `conditionalWrites()` says so; otherwise only within this process.
   */
  putIfAbsent(key: string, body: PutBody, options?: PutOptions): Promise<PutResult & { created: boolean }>;
  /** Replaces the object only while its ETag is still `etag`: false (nothing written) when it changed or is gone. */
  putIfMatch(key: string, body: PutBody, etag: string, options?: PutOptions): Promise<boolean>;
  /** Deletes the object only while its ETag is still `etag`: false when it changed or was already gone. */
  deleteIfMatch(key: string, etag: string): Promise<boolean>;
  /** Whether the conditional operations above are atomic across processes (S3 without conditional writes: no). */
  conditionalWrites(): Promise<boolean>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Deleting a missing key is not an error (as on S3). */
  delete(key: string): Promise<void>;
  /** A time-limited HTTPS GET URL (S3 only; a local store throws `NotSupported`). */
  /**
   * `GET` (default): a download link. `PUT`: an upload link that only creates the object: the uploader must send
   * `If-None-Match: *` (signed), so the link can never replace an existing object.
   */
  presign(key: string, expiresSeconds: number, method?: 'GET' | 'PUT'): Promise<string>;
}

export type StorageErrorCode =
  | 'NotFound'
  | 'InvalidKey'
  /** The key would resolve outside a local store's root. */
  | 'PathEscape'
  | 'InvalidRange'
  | 'InvalidArgument'
  | 'AccessDenied'
  | 'NotSupported'
  | 'SizeMismatch'
  /** A conditional write's condition did not hold (S3 412). */
  | 'PreconditionFailed'
  /** A conditional write lost to a concurrent one (S3 409 ConditionalRequestConflict, retried and still busy). */
  | 'Busy';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const MAX_LIST_KEYS = 1000;
/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export function checkMaxKeys(maxKeys: number | undefined): number {
  const n = maxKeys ?? MAX_LIST_KEYS;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_KEYS) {
    throw new StorageError('InvalidArgument', `maxKeys must be an integer from 1 to ${MAX_LIST_KEYS}, got ${String(maxKeys)}`);
  }
  return n;
}

export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
    throw new StorageError('InvalidRange', `Range offset must be a non-negative integer, got ${String(range.offset)}`);
  }
  if (range.length !== undefined && (!Number.isSafeInteger(range.length) || range.length < 1)) {
    throw new StorageError('InvalidRange', `Range length must be a positive integer, got ${String(range.length)}`);
  }
}
