/** Versioned S3 physical keys. A module of its own, which access.ts loads when one is first read: it needs the AWS SDK at run time. */

import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { StorageError } from '../quilt/index.js';
import type { PhysicalObject } from './physical-object.js';
import { describeFailure } from './storage-guard.js';

/** A specific version of an S3 object (`?versionId=` physical keys), which the core store does not address. */
export function versionedObject(url: string, client: S3Client, bucket: string, key: string, versionId: string): PhysicalObject {
  const where = `s3://${bucket}`;
  const fail = (err: unknown, op: 'read') => {
    if (err instanceof S3ServiceException) {
      const status = err.$metadata.httpStatusCode;
      if (status === 404 || err.name === 'NoSuchKey' || err.name === 'NoSuchVersion') {
        return new StorageError('NotFound', `No object at ${JSON.stringify(key)} version ${versionId} in ${where}`, { cause: err });
      }
      if (status === 403) return describeFailure(new StorageError('AccessDenied', 'denied', { cause: err }), op, where, `${key}?versionId=${versionId}`);
    }
    return describeFailure(err, op, where, key);
  };
  return {
    url,
    async get(options = {}) {
      const range = options.range;
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            VersionId: versionId,
            ...(range === undefined ? {} : { Range: `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}` }),
          }),
          options.signal === undefined ? {} : { abortSignal: options.signal },
        );
        if (!(out.Body instanceof Readable)) throw new Error('Unexpected S3 response body (not a Node stream)');
        const contentLength = out.ContentLength ?? 0;
        const total = out.ContentRange === undefined ? contentLength : Number(out.ContentRange.split('/')[1]);
        return {
          key,
          size: Number.isFinite(total) ? total : contentLength,
          contentLength,
          body: out.Body,
          etag: out.ETag,
          lastModified: out.LastModified,
          contentType: out.ContentType,
        };
      } catch (err) {
        throw fail(err, 'read');
      }
    },
    async head() {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
        return { key, size: out.ContentLength ?? 0, etag: out.ETag, lastModified: out.LastModified, contentType: out.ContentType };
      } catch (err) {
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return undefined;
        throw fail(err, 'read');
      }
    },
  };
}
