/**
 * One object a manifest entry points at: in the registry's own store, or a specific version of an S3 object
 * (s3-versioned-object.ts, kept apart because it needs the AWS SDK at run time).
 */

import type { ByteRange, GetResult, ObjectInfo, ObjectStorage } from '../quilt/index.js';

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
