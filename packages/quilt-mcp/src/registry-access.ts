/**
 * Opens the configured registries for one caller: S3 registries with the caller's own AWS credentials (the
 * credential resolver, then one pooled S3 client per credential), local ones confined to their root. Also
 * resolves manifest physical keys to readable objects, and object keys given by callers to registry keys.
 */
import { GetObjectCommand, HeadObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ToolError } from '@labmcp/service-kit';
import type { AwsCredentialResolver, S3ClientPool } from './auth/index.js';
import type { QuiltCaller, RegistryRef } from './context.js';
import { formatFilePhysicalKey, formatS3PhysicalKey, keyInside, parsePhysicalKey } from './physical-keys.js';
import { LocalStorage, Registry, S3Storage, StorageError, type ByteRange, type GetResult, type ObjectInfo, type ObjectStorage } from './quilt/index.js';
import { normaliseRegistryUrl } from './registries.js';
import { GuardedStorage, describeFailure } from './storage-guard.js';

export interface OpenedRegistry {
  ref: RegistryRef;
  registry: Registry;
  /** The registry's object store (errors already worded for the caller). */
  storage: ObjectStorage;
  kind: 's3' | 'local';
  /** S3: the bucket. */
  bucket?: string;
  /** Local: the real path of the root folder, and the path as configured (it may go through symlinks). */
  root?: string;
  configuredRoot?: string;
}

/** One object a manifest entry points at. */
export interface PhysicalObject {
  /** The physical key, as in the manifest. */
  url: string;
  get(options?: { range?: ByteRange; signal?: AbortSignal }): Promise<GetResult>;
  head(): Promise<ObjectInfo | undefined>;
}

export interface RegistryAccessOptions {
  resolver: AwsCredentialResolver;
  pool: S3ClientPool;
}

const RESERVED_PREFIX = '.quilt/';

export class RegistryAccess {
  private readonly locals = new Map<string, Promise<LocalStorage>>();

  constructor(
    readonly refs: RegistryRef[],
    private readonly options: RegistryAccessOptions,
  ) {}

  /** The configured registry a caller named (URL, `s3://bucket/`, or a bare bucket name), or the default. */
  ref(url?: string): RegistryRef {
    if (url === undefined || url === '') return this.refs.find((r) => r.isDefault) ?? (this.refs[0] as RegistryRef);
    const wanted = url.trim();
    let normalised: string | undefined;
    try {
      normalised = normaliseRegistryUrl(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(wanted) ? `s3://${wanted}` : wanted);
    } catch {
      normalised = undefined;
    }
    const found = this.refs.find((r) => r.url === normalised || r.url === wanted);
    if (!found) {
      throw new ToolError(
        `Unknown registry ${JSON.stringify(wanted.slice(0, 300))}: this server serves ${this.refs.map((r) => r.url).join(', ')} (see registries_list).`,
        'unknown_registry',
      );
    }
    return found;
  }

  async open(caller: QuiltCaller, url?: string): Promise<OpenedRegistry> {
    const ref = this.ref(url);
    if (ref.kind === 'local') {
      const configuredRoot = fileURLToPath(ref.url);
      const local = await this.local(ref, configuredRoot);
      const storage = new GuardedStorage(local);
      return { ref, registry: new Registry(storage), storage, kind: 'local', root: local.root, configuredRoot };
    }
    const bucket = ref.url.slice('s3://'.length);
    const storage = await this.s3Storage(caller, bucket);
    return { ref, registry: new Registry(storage), storage, kind: 's3', bucket };
  }

  /** The caller's own S3 client (their credentials from the token claim, the catalog, or — if allowed — the service). */
  async s3Client(caller: QuiltCaller): Promise<S3Client> {
    const resolved = await this.options.resolver.resolve(caller.principal, caller.token);
    return this.options.pool.clientFor(resolved);
  }

  async s3Storage(caller: QuiltCaller, bucket: string): Promise<GuardedStorage> {
    let storage: S3Storage;
    const client = await this.s3Client(caller);
    try {
      storage = new S3Storage(client, bucket);
    } catch (err) {
      if (err instanceof StorageError) throw new ToolError(err.message, 'invalid_request');
      throw err;
    }
    return new GuardedStorage(storage);
  }

  /** Where a manifest entry's bytes are. Local files must lie inside the registry root; S3 objects are read with the caller's credentials. */
  async physical(caller: QuiltCaller, opened: OpenedRegistry, physicalKey: string): Promise<PhysicalObject> {
    const parsed = parsePhysicalKey(physicalKey);
    if (parsed.kind === 'file') {
      if (opened.kind !== 'local') {
        throw new ToolError(`Physical key ${physicalKey} is a local file, which an S3 registry's packages cannot point at for this server.`, 'path_escape');
      }
      const key = this.localKey(opened, parsed.path);
      if (key === undefined) {
        throw new ToolError(`Refused: physical key ${physicalKey} is outside the registry root ${opened.ref.url}; nothing outside the registry is read.`, 'path_escape');
      }
      return storageObject(physicalKey, opened.storage, key);
    }
    const storage = opened.kind === 's3' && parsed.bucket === opened.bucket ? opened.storage : await this.s3Storage(caller, parsed.bucket);
    if (parsed.versionId === undefined) return storageObject(physicalKey, storage, parsed.key);
    const client = await this.s3Client(caller);
    return versionedObject(physicalKey, client, parsed.bucket, parsed.key, parsed.versionId);
  }

  /**
   * A key of the registry's own store from what a caller wrote: a relative key (`data/a.csv`), or a physical
   * key in the same bucket (`s3://bucket/data/a.csv`) or under the same root (`file:///root/data/a.csv`).
   */
  storageKey(opened: OpenedRegistry, input: string): string {
    let key: string;
    if (input.startsWith('s3://')) {
      const parsed = parsePhysicalKey(input);
      if (parsed.kind !== 's3' || opened.kind !== 's3' || parsed.bucket !== opened.bucket) {
        throw new ToolError(`${input} is not in this registry's bucket (${opened.ref.url}); packages are built from objects in their own registry.`, 'outside_registry');
      }
      if (parsed.versionId !== undefined) throw new ToolError(`Versioned physical keys (?versionId=) cannot be used to build a package here: ${input}`, 'invalid_request');
      key = parsed.key;
    } else if (input.startsWith('file:')) {
      const parsed = parsePhysicalKey(input);
      if (parsed.kind !== 'file' || opened.kind !== 'local') {
        throw new ToolError(`${input} is a local file, not an object of ${opened.ref.url}.`, 'outside_registry');
      }
      const inside = this.localKey(opened, parsed.path);
      if (inside === undefined) throw new ToolError(`Refused: ${input} is outside the registry root ${opened.ref.url}; nothing outside the registry is read.`, 'path_escape');
      key = inside;
    } else {
      key = input;
    }
    checkObjectKey(key);
    return key;
  }

  /** The physical key written into manifests for a key of the registry's store. */
  physicalKey(opened: OpenedRegistry, key: string): string {
    if (opened.kind === 's3') return formatS3PhysicalKey(opened.bucket as string, key);
    return formatFilePhysicalKey(path.join(opened.root as string, ...key.split('/')));
  }

  close(): void {
    this.options.pool.close();
  }

  private localKey(opened: OpenedRegistry, absolute: string): string | undefined {
    for (const root of [opened.root, opened.configuredRoot]) {
      if (root === undefined) continue;
      const key = keyInside(root, absolute);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  private local(ref: RegistryRef, root: string): Promise<LocalStorage> {
    let pending = this.locals.get(ref.url);
    if (!pending) {
      pending = LocalStorage.open(root, { create: ref.isDefault }).catch((err: unknown) => {
        this.locals.delete(ref.url);
        if (err instanceof StorageError) throw new ToolError(`The local registry ${ref.url} cannot be opened: ${err.message}`, 'registry_unavailable');
        throw err;
      });
      this.locals.set(ref.url, pending);
    }
    return pending;
  }
}

/** Keys callers may name for package data: relative, no `..`, not the registry's own `.quilt/` folder. */
export function checkObjectKey(key: string): void {
  if (key === '' || key.length > 1024) throw new ToolError('An object key must have 1 to 1024 characters.', 'invalid_key');
  if (key.startsWith('/')) throw new ToolError(`Refused: ${JSON.stringify(key)} is absolute; keys are relative to the registry root.`, 'path_escape');
  if (key.includes('\0')) throw new ToolError('Object keys cannot contain NUL.', 'invalid_key');
  if (key.split('/').includes('..')) throw new ToolError(`Refused: ${JSON.stringify(key)} has a ".." segment; nothing outside the registry is read or written.`, 'path_escape');
  if (key.startsWith(RESERVED_PREFIX)) throw new ToolError(`${JSON.stringify(key)} is inside the registry's own ${RESERVED_PREFIX} folder (manifests and pointers), not package data.`, 'invalid_key');
}

function storageObject(url: string, storage: ObjectStorage, key: string): PhysicalObject {
  return {
    url,
    get: (options) => storage.get(key, options),
    head: () => storage.head(key),
  };
}

/** A specific version of an S3 object (`?versionId=` physical keys), which the core store does not address. */
function versionedObject(url: string, client: S3Client, bucket: string, key: string, versionId: string): PhysicalObject {
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
        return { key, size: Number.isFinite(total) ? total : contentLength, contentLength, body: out.Body, etag: out.ETag, lastModified: out.LastModified, contentType: out.ContentType };
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
