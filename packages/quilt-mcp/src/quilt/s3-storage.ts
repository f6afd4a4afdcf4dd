/**
 * ObjectStorage over one S3 bucket. The S3Client comes from the caller, built with the user's
 * credentials and region (and, for S3-compatible servers, an endpoint and `forcePathStyle`).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import {
  MAX_PRESIGN_SECONDS,
  StorageError,
  checkMaxKeys,
  checkRange,
  type ByteRange,
  type GetResult,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStorage,
  type PutBody,
  type PutOptions,
} from './storage.js';

/** S3's limit on a key's UTF-8 length. */
const MAX_KEY_BYTES = 1024;

export class S3Storage implements ObjectStorage {
  readonly url: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {
    // Allows the legacy us-east-1 names (capitals, underscores) as well as today's DNS-style ones.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/.test(bucket)) throw new StorageError('InvalidArgument', `Invalid S3 bucket name ${JSON.stringify(bucket)}`);
    this.url = `s3://${bucket}`;
  }

  async get(key: string, options: { range?: ByteRange; signal?: AbortSignal } = {}): Promise<GetResult> {
    checkKey(key);
    checkRange(options.range);
    const range = options.range;
    const out = await this.send(
      key,
      () =>
        this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: key,
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
    };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag,
        lastModified: out.LastModified,
        contentType: out.ContentType,
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapError(err, key, this.bucket);
    }
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<{ etag?: string }> {
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
    const out = await this.send(key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: length,
          ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
        }),
      ),
    );
    return { etag: out.ETag };
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
        o.Key === undefined
          ? []
          : [{ key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified }],
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

  async presign(key: string, expiresSeconds: number): Promise<string> {
    checkKey(key);
    if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS) {
      throw new StorageError('InvalidArgument', `expiresSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}, got ${String(expiresSeconds)}`);
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
  if (err.name === 'NoSuchKey' || status === 404) return new StorageError('NotFound', `No object at ${JSON.stringify(key)}`, { cause: err });
  if (err.name === 'InvalidRange' || status === 416) return new StorageError('InvalidRange', `Range not satisfiable for ${JSON.stringify(key)}`, { cause: err });
  if (err.name === 'AccessDenied' || status === 403) return new StorageError('AccessDenied', `Access denied for ${JSON.stringify(key)}`, { cause: err });
  return err;
}
