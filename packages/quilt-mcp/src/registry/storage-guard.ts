/**
 * An ObjectStorage wrapper that turns storage failures into messages a caller can act on ("your credentials
 * cannot read s3://bucket/key", "the bucket does not exist", "S3 could not be reached"), keeping the
 * StorageError codes the registry relies on (NotFound, above all).
 */
import {
  type ByteRange,
  type GetResult,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStorage,
  type PutBody,
  type PutOptions,
  type PutResult,
  StorageError,
} from '../quilt/index.js';
import { RegistryRequestError } from './errors.js';

type Operation = 'read' | 'list' | 'write' | 'delete' | 'sign a link for';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);

export class GuardedStorage implements ObjectStorage {
  readonly url: string;

  constructor(readonly inner: ObjectStorage) {
    this.url = inner.url;
  }

  get(key: string, options?: { range?: ByteRange; signal?: AbortSignal }): Promise<GetResult> {
    return this.guard('read', key, () => this.inner.get(key, options));
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.guard('read', key, () => this.inner.head(key));
  }

  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
    return this.guard('write', key, () => this.inner.put(key, body, options));
  }

  putIfAbsent(key: string, body: PutBody, options?: PutOptions): Promise<PutResult & { created: boolean }> {
    return this.guard('write', key, () => this.inner.putIfAbsent(key, body, options));
  }

  putIfMatch(key: string, body: PutBody, etag: string, options?: PutOptions): Promise<boolean> {
    return this.guard('write', key, () => this.inner.putIfMatch(key, body, etag, options));
  }

  deleteIfMatch(key: string, etag: string): Promise<boolean> {
    return this.guard('delete', key, () => this.inner.deleteIfMatch(key, etag));
  }

  conditionalWrites(): Promise<boolean> {
    return this.guard('write', '.quilt/', () => this.inner.conditionalWrites());
  }

  list(prefix: string, options?: ListOptions): Promise<ListPage> {
    return this.guard('list', prefix, () => this.inner.list(prefix, options));
  }

  delete(key: string): Promise<void> {
    return this.guard('delete', key, () => this.inner.delete(key));
  }

  presign(key: string, expiresSeconds: number, method: 'GET' | 'PUT' = 'GET'): Promise<string> {
    return this.guard('sign a link for', key, () => this.inner.presign(key, expiresSeconds, method));
  }

  private async guard<T>(op: Operation, key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw describeFailure(err, op, this.url, key);
    }
  }
}

export function describeFailure(err: unknown, op: Operation, url: string, key: string): unknown {
  const target = `${url}/${key}`;
  const isS3 = url.startsWith('s3://');
  if (err instanceof StorageError) {
    if (err.code === 'AccessDenied') {
      const who = isS3 ? 'your credentials cannot' : 'this server may not';
      return new StorageError('AccessDenied', `Access denied: ${who} ${op} ${target}.`, { cause: err });
    }
    if (err.code === 'NotFound' && isS3 && s3ErrorName(err.cause) === 'NoSuchBucket') {
      return new StorageError('NotFound', `The bucket ${url} does not exist (or is not visible with your credentials).`, { cause: err });
    }
    return err;
  }
  const name = s3ErrorName(err);
  if (name !== undefined) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return new RegistryRequestError(`S3 refused to ${op} ${target}: ${name}${status ? ` (HTTP ${status})` : ''}.`, 'upstream_error');
  }
  const code = networkCode(err);
  if (code !== undefined) return new RegistryRequestError(`S3 could not be reached to ${op} ${target} (${code}); try again later.`, 'upstream_unavailable');
  return err;
}

function s3ErrorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const name = (err as { name?: unknown; Code?: unknown }).Code ?? (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : 'S3 error';
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if ((e as { name?: unknown }).name === 'TimeoutError') return 'timeout';
  }
  return undefined;
}
