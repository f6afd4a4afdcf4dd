/**
 * ObjectStorage over one S3 bucket. The S3Client comes from the caller, built with the user's
 * credentials and region (and, for S3-compatible servers, an endpoint and `forcePathStyle`).
 *
 * Conditional writes (`If-None-Match: *`, `If-Match: <etag>`, answered 412 when they do not hold) make
 * create-if-absent and compare-and-swap atomic across every writer of the bucket. AWS S3 has them; some
 * S3-compatible servers do not (s3rver ignores the headers), so with `conditionalWrites: 'auto'` the first
 * conditional operation on a bucket probes it once per process. Without them, the same operations are a read
 * then a write, made atomic only among this process's own calls.
 */

import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { KeyedMutex } from './keyed-mutex.js';
import {
  type ByteRange,
  checkMaxKeys,
  checkRange,
  type GetResult,
  type ListOptions,
  type ListPage,
  MAX_PRESIGN_SECONDS,
  type ObjectInfo,
  type ObjectStorage,
  type PutBody,
  type PutOptions,
  type PutResult,
  StorageError,
} from './storage.js';

/** S3's limit on a key's UTF-8 length. */
const MAX_KEY_BYTES = 1024;
/** Where the conditional-write probe writes (twice) once per bucket and process. */
const PROBE_KEY = '.quilt/labmcp/conditional-write-probe';
/** S3 answers 409 ConditionalRequestConflict while another conditional write to the key is in flight: retry. */
const CONFLICT_RETRIES = 5;

export type ConditionalWriteMode = 'auto' | 'on' | 'off';

/** Probe results per bucket, for this process (a bucket's server does not change while we run). */
const probed = new Map<string, Promise<boolean>>();
/** Without conditional writes: this process's own read-then-write sequences, one at a time per key. */
const fallbackLocks = new KeyedMutex();

export class S3Storage implements ObjectStorage {
  readonly url: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly options: { conditionalWrites?: ConditionalWriteMode } = {},
  ) {
    // Allows the legacy us-east-1 names (capitals, underscores) as well as today's DNS-style ones.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/.test(bucket))
      throw new StorageError('InvalidArgument', `Invalid S3 bucket name ${JSON.stringify(bucket)}`);
    this.url = `s3://${bucket}`;
  }

  /** `versionId`: a specific version of the object (S3's own addressing; quilt3's `?versionId=` physical keys). */
  async get(key: string, options: { range?: ByteRange; signal?: AbortSignal; versionId?: string } = {}): Promise<GetResult> {
    checkKey(key);
    checkRange(options.range);
    const range = options.range;
    const out = await this.send(versionLabel(key, options.versionId), () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(options.versionId === undefined ? {} : { VersionId: options.versionId }),
          ...(range === undefined ? {} : { Range: `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}` }),
        }),
        options.signal === undefined ? {} : { abortSignal: options.signal },
      ),
    );
    const body = out.Body;
    if (!(body instanceof Readable)) throw new Error(`Unexpected S3 response body for ${JSON.stringify(key)} (not a Node stream)`);
    const contentLength = out.ContentLength ?? 0;
    // With a range, the whole object's size is the part after "/" in "bytes 0-99/12345".
    const total = out.ContentRange === undefined ? contentLength : Number(out.ContentRange.split('/')[1]);
    return {
      key,
      size: Number.isFinite(total) ? total : contentLength,
      contentLength,
      body,
      etag: out.ETag,
      lastModified: out.LastModified,
      contentType: out.ContentType,
      ...(out.VersionId === undefined || out.VersionId === 'null' ? {} : { versionId: out.VersionId }),
    };
  }

  async head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo | undefined> {
    checkKey(key);
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...(options.versionId === undefined ? {} : { VersionId: options.versionId }) }),
      );
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag,
        lastModified: out.LastModified,
        contentType: out.ContentType,
        ...(out.VersionId === undefined || out.VersionId === 'null' ? {} : { versionId: out.VersionId }),
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapError(err, versionLabel(key, options.versionId), this.bucket);
    }
  }

  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    return this.putWith(key, body, options, {});
  }

  async putIfAbsent(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult & { created: boolean }> {
    if (!(await this.conditionalWrites())) {
      return fallbackLocks.run(this.lockKey(key), async () => {
        if ((await this.head(key)) !== undefined) return { created: false };
        return { created: true, ...(await this.putWith(key, body, options, {})) };
      });
    }
    try {
      return { created: true, ...(await this.putWith(key, body, options, { IfNoneMatch: '*' })) };
    } catch (err) {
      if (err instanceof StorageError && err.code === 'PreconditionFailed') return { created: false };
      throw err;
    }
  }

  async putIfMatch(key: string, body: PutBody, etag: string, options: PutOptions = {}): Promise<boolean> {
    if (!(await this.conditionalWrites())) {
      return fallbackLocks.run(this.lockKey(key), async () => {
        if ((await this.head(key))?.etag !== etag) return false;
        await this.putWith(key, body, options, {});
        return true;
      });
    }
    try {
      await this.putWith(key, body, options, { IfMatch: etag });
      return true;
    } catch (err) {
      if (err instanceof StorageError && (err.code === 'PreconditionFailed' || err.code === 'NotFound')) return false;
      throw err;
    }
  }

  /** With conditional writes, `If-Match` on the delete (AWS S3 and moto honour it); otherwise a read, then a delete. */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    checkKey(key);
    if (!(await this.conditionalWrites())) {
      return fallbackLocks.run(this.lockKey(key), async () => {
        if ((await this.head(key))?.etag !== etag) return false;
        await this.delete(key);
        return true;
      });
    }
    try {
      await this.send(key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: etag })));
      return true;
    } catch (err) {
      if (err instanceof StorageError && (err.code === 'PreconditionFailed' || err.code === 'NotFound')) return false;
      throw err;
    }
  }

  conditionalWrites(): Promise<boolean> {
    const mode = this.options.conditionalWrites ?? 'auto';
    if (mode !== 'auto') return Promise.resolve(mode === 'on');
    let known = probed.get(this.bucket);
    if (known === undefined) {
      known = this.probeConditionalWrites();
      probed.set(this.bucket, known);
      // A probe that could not run (no access yet, say) is tried again by the next caller.
      known.catch(() => probed.delete(this.bucket));
    }
    return known;
  }

  /** Writes a probe object, then asks for it again only if absent: a server that honours the header refuses. */
  private async probeConditionalWrites(): Promise<boolean> {
    await this.putWith(PROBE_KEY, 'probe', {}, {});
    try {
      await this.putWith(PROBE_KEY, 'probe', {}, { IfNoneMatch: '*' });
      return false;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'PreconditionFailed') return true;
      throw err;
    }
  }

  private lockKey(key: string): string {
    return `${this.bucket}/${key}`;
  }

  private async putWith(key: string, body: PutBody, options: PutOptions, conditions: { IfNoneMatch?: string; IfMatch?: string }): Promise<PutResult> {
    checkKey(key);
    let length = options.size;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const bytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
      if (length !== undefined && length !== bytes) {
        throw new StorageError('SizeMismatch', `The body of ${JSON.stringify(key)} has ${bytes} bytes but ${length} were declared`);
      }
      length = bytes;
    } else if (length === undefined) {
      // PutObject needs the length before the first byte; an unknown length would need a multipart upload.
      throw new StorageError('InvalidArgument', `Putting a stream to S3 needs its size (key ${JSON.stringify(key)})`);
    }
    const retriable = typeof body === 'string' || body instanceof Uint8Array;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.send(key, () =>
          this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: body,
              ContentLength: length,
              ...conditions,
              ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
            }),
          ),
        );
        return { etag: out.ETag, ...(out.VersionId === undefined || out.VersionId === 'null' ? {} : { versionId: out.VersionId }) };
      } catch (err) {
        if (!(err instanceof StorageError && err.code === 'Busy') || !retriable || attempt >= CONFLICT_RETRIES) throw err;
        await sleep(20 * attempt + Math.random() * 30);
      }
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const maxKeys = checkMaxKeys(options.maxKeys);
    const out = await this.send(prefix, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(options.delimiter === undefined ? {} : { Delimiter: options.delimiter }),
          ...(options.continuationToken === undefined ? {} : { ContinuationToken: options.continuationToken }),
        }),
      ),
    );
    const page: ListPage = {
      objects: (out.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified }],
      ),
      commonPrefixes: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix === undefined ? [] : [p.Prefix])),
    };
    if (out.IsTruncated && out.NextContinuationToken !== undefined) page.nextContinuationToken = out.NextContinuationToken;
    return page;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.send(key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async presign(key: string, expiresSeconds: number, method: 'GET' | 'PUT' = 'GET'): Promise<string> {
    checkKey(key);
    if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS) {
      throw new StorageError('InvalidArgument', `expiresSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}, got ${String(expiresSeconds)}`);
    }
    if (method === 'PUT') {
      return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key, IfNoneMatch: '*' }), {
        expiresIn: expiresSeconds,
        signableHeaders: new Set(['if-none-match']),
      });
    }
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresSeconds });
  }

  private async send<T>(key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw mapError(err, key, this.bucket);
    }
  }
}

/** How errors name an object: its key, and the version when one was asked for. */
function versionLabel(key: string, versionId: string | undefined): string {
  return versionId === undefined ? key : `${key}?versionId=${versionId}`;
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new StorageError('InvalidKey', 'The key is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new StorageError('InvalidKey', `The key is longer than S3's ${MAX_KEY_BYTES} bytes`);
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

function mapError(err: unknown, key: string, bucket: string): unknown {
  if (!(err instanceof S3ServiceException)) return err;
  const status = err.$metadata.httpStatusCode;
  if (err.name === 'NoSuchBucket') return new StorageError('NotFound', `S3 bucket ${JSON.stringify(bucket)} does not exist`, { cause: err });
  if (err.name === 'NoSuchKey' || err.name === 'NoSuchVersion' || status === 404)
    return new StorageError('NotFound', `No object at ${JSON.stringify(key)}`, { cause: err });
  if (err.name === 'InvalidRange' || status === 416)
    return new StorageError('InvalidRange', `Range not satisfiable for ${JSON.stringify(key)}`, { cause: err });
  if (err.name === 'AccessDenied' || status === 403) return new StorageError('AccessDenied', `Access denied for ${JSON.stringify(key)}`, { cause: err });
  if (err.name === 'PreconditionFailed' || status === 412)
    return new StorageError('PreconditionFailed', `A condition of the write to ${JSON.stringify(key)} did not hold`, { cause: err });
  if (err.name === 'ConditionalRequestConflict' || status === 409)
    return new StorageError('Busy', `Another write to ${JSON.stringify(key)} is in flight`, { cause: err });
  return err;
}
