/**
 * Opens the configured registries for one caller: S3 registries with the caller's own AWS credentials (the
 * credential resolver, then one pooled S3 client per credential), local ones confined to their root.
 */

import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@labmcp/service-kit';
import type { QuiltCaller } from '../auth/caller.js';
import type { AwsCredentialResolver, S3ClientPool } from '../auth/index.js';
import { type ConditionalWriteMode, LocalStorage, loadS3Storage, Registry, type S3Storage, StorageError } from '../quilt/index.js';
import { RegistryRequestError } from './errors.js';
import { OpenedRegistry, type PhysicalResolver, storeKeyOf } from './opened-registry.js';
import { parsePhysicalKey } from './physical-keys.js';
import { type PhysicalObject, storageObject, versionedObject } from './physical-object.js';
import { normaliseRegistryUrl, type RegistryRef } from './refs.js';
import { GuardedStorage } from './storage-guard.js';
import { sweepLocalLeftovers, sweepUnfinishedWrites } from './write-journal.js';

export interface RegistryAccessOptions {
  resolver: AwsCredentialResolver;
  pool: S3ClientPool;
  /** `QUILT_S3_CONDITIONAL_WRITES`: probe each bucket (auto), or take it as known. */
  conditionalWrites?: ConditionalWriteMode;
  logger?: Logger;
}

export class RegistryAccess implements PhysicalResolver {
  private readonly locals = new Map<string, Promise<LocalStorage>>();
  /** S3 buckets whose unfinished writes this process has looked for (once each, at the first write). */
  private readonly sweptBuckets = new Map<string, Promise<void>>();

  constructor(
    readonly refs: RegistryRef[],
    private readonly options: RegistryAccessOptions,
  ) {}

  /** The configured registry a caller named (URL, `s3://bucket/`, or a bare bucket name), or the default. */
  ref(url?: string): RegistryRef {
    if (url === undefined || url === '') return this.refs.find((r) => r.isDefault) ?? (this.refs[0] as RegistryRef);
    // A Quilt+ URI names its registry before the fragment: quilt+s3://bucket#package=… is s3://bucket.
    const wanted = url
      .trim()
      .replace(/^quilt\+(s3|file):/i, '$1:')
      .replace(/#.*$/s, '');
    let normalised: string | undefined;
    try {
      normalised = normaliseRegistryUrl(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(wanted) ? `s3://${wanted}` : wanted);
    } catch {
      normalised = undefined;
    }
    const found = this.refs.find((r) => r.url === normalised || r.url === wanted);
    if (!found) {
      throw new RegistryRequestError(
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
      return new OpenedRegistry(ref, new Registry(storage), storage, { kind: 'local', root: local.root, configuredRoot }, caller, this);
    }
    const bucket = ref.url.slice('s3://'.length);
    const storage = await this.s3Storage(caller, bucket);
    return new OpenedRegistry(ref, new Registry(storage), storage, { kind: 's3', bucket }, caller, this);
  }

  /** The caller's own S3 client (their credentials from the token claim, the catalog, or — if allowed — the service). */
  async s3Client(caller: QuiltCaller): Promise<S3Client> {
    const resolved = await this.options.resolver.resolve(caller.principal, caller.token);
    return await this.options.pool.clientFor(resolved);
  }

  async s3Storage(caller: QuiltCaller, bucket: string): Promise<GuardedStorage> {
    return new GuardedStorage(await this.bucketStore(caller, bucket));
  }

  /** A bucket's S3Storage with the caller's credentials, unguarded (versioned reads describe their own failures). */
  private async bucketStore(caller: QuiltCaller, bucket: string): Promise<S3Storage> {
    const client = await this.s3Client(caller);
    const { S3Storage } = await loadS3Storage();
    try {
      return new S3Storage(client, bucket, { conditionalWrites: this.options.conditionalWrites ?? 'auto' });
    } catch (err) {
      if (err instanceof StorageError) throw new RegistryRequestError(err.message, 'invalid_request');
      throw err;
    }
  }

  /** Where a manifest entry's bytes are. Local files must lie inside the registry root; S3 objects are read with the caller's credentials. */
  async physical(caller: QuiltCaller, opened: OpenedRegistry, physicalKey: string): Promise<PhysicalObject> {
    const parsed = parsePhysicalKey(physicalKey);
    if (parsed.kind === 'file') {
      if (opened.kind !== 'local') {
        throw new RegistryRequestError(
          `Physical key ${physicalKey} is a local file, which an S3 registry's packages cannot point at for this server.`,
          'path_escape',
        );
      }
      const key = opened.localKey(parsed.path);
      if (key === undefined) {
        throw new RegistryRequestError(
          `Refused: physical key ${physicalKey} is outside the registry root ${opened.ref.url}; nothing outside the registry is read.`,
          'path_escape',
        );
      }
      return storageObject(physicalKey, opened.storage, key);
    }
    if (parsed.versionId !== undefined) return versionedObject(physicalKey, await this.bucketStore(caller, parsed.bucket), parsed.key, parsed.versionId);
    const storage = opened.kind === 's3' && parsed.bucket === opened.bucket ? opened.storage : await this.s3Storage(caller, parsed.bucket);
    return storageObject(physicalKey, storage, parsed.key);
  }

  /**
   * Before this process first writes to an S3 registry: finish what writers that died there left (their
   * objects and pointers), with this caller's credentials. Local registries are swept at start (`sweepLocal`).
   */
  beforeFirstWrite(opened: OpenedRegistry): Promise<void> {
    if (opened.kind !== 's3') return Promise.resolve();
    const bucket = opened.bucket as string;
    let swept = this.sweptBuckets.get(bucket);
    if (swept === undefined) {
      swept = sweepUnfinishedWrites(opened.registry, (pk) => opened.keyOf(pk), this.options.logger).then(
        () => undefined,
        (err: unknown) => {
          this.sweptBuckets.delete(bucket);
          this.options.logger?.warn({ err, registry: opened.ref.url }, 'could not look for unfinished writes');
        },
      );
      this.sweptBuckets.set(bucket, swept);
    }
    return swept;
  }

  /** At start: every local registry's unfinished writes and temporary files left by processes that died. */
  async sweepLocal(): Promise<void> {
    await sweepLocalLeftovers(this.options.logger);
    for (const ref of this.refs.filter((r) => r.kind === 'local')) {
      try {
        const configuredRoot = fileURLToPath(ref.url);
        const local = await this.local(ref, configuredRoot);
        await local.sweepTemporary();
        const place = { kind: 'local' as const, root: local.root, configuredRoot };
        await sweepUnfinishedWrites(new Registry(new GuardedStorage(local)), (physicalKey) => storeKeyOf(place, physicalKey), this.options.logger);
      } catch (err) {
        this.options.logger?.warn({ err, registry: ref.url }, 'could not look for unfinished writes');
      }
    }
  }

  close(): void {
    this.options.pool.close();
  }

  private local(ref: RegistryRef, root: string): Promise<LocalStorage> {
    let pending = this.locals.get(ref.url);
    if (!pending) {
      pending = LocalStorage.open(root, { create: ref.isDefault }).catch((err: unknown) => {
        this.locals.delete(ref.url);
        if (err instanceof StorageError)
          throw new RegistryRequestError(`The local registry ${ref.url} cannot be opened: ${err.message}`, 'registry_unavailable');
        throw err;
      });
      this.locals.set(ref.url, pending);
    }
    return pending;
  }
}
