/** One object a manifest entry points at: in the registry's own store, or a specific version of an S3 object. */

import type { ByteRange, GetResult, ObjectInfo, ObjectStorage, S3Storage } from '../quilt/index.js';
import { describeFailure } from './storage-guard.js';

export interface PhysicalObject {
  /** The physical key, as in the manifest. */
  url: string;
  get(options?: { range?: ByteRange; signal?: AbortSignal }): Promise<GetResult>;
  head(): Promise<ObjectInfo | undefined>;
}

export function storageObject(url: string, storage: ObjectStorage, key: string): PhysicalObject {
  return {
    url,
    get: (options) => storage.get(key, options),
    head: () => storage.head(key),
  };
}

/**
 * A specific version of an S3 object (`?versionId=` physical keys): read through the bucket's own S3Storage, whose
 * failures are described as the guarded store describes them, naming the version.
 */
export function versionedObject(url: string, storage: S3Storage, key: string, versionId: string): PhysicalObject {
  const fail = (err: unknown) => describeFailure(err, 'read', storage.url, `${key}?versionId=${versionId}`);
  return {
    url,
    get: (options = {}) => storage.get(key, { ...options, versionId }).catch((err) => Promise.reject(fail(err))),
    head: () => storage.head(key, { versionId }).catch((err) => Promise.reject(fail(err))),
  };
}
