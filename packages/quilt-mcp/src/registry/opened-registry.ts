/**
 * One registry opened for one caller: its store (with the caller's credentials), revisions, manifests, entries,
 * physical keys, and the door to writing (`RevisionWriter`). Tools call its methods; the write protocol lives in
 * revision-writer.ts.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@labmcp/service-kit';
import type { QuiltCaller } from '../auth/caller.js';
import {
  type CommitCondition,
  compareLogicalKeys,
  type ManifestEntry,
  type ManifestHeader,
  type ManifestItem,
  type ManifestRecord,
  type ObjectStorage,
  type Registry,
  RegistryError,
  type Revision,
} from '../quilt/index.js';
import { RegistryRequestError } from './errors.js';
import { checkObjectKey } from './object-keys.js';
import { formatFilePhysicalKey, formatS3PhysicalKey, keyInsideAny, parsePhysicalKey } from './physical-keys.js';
import type { PhysicalObject } from './physical-object.js';
import type { RegistryRef } from './refs.js';
import { type CommittedRevision, type NewObject, type PendingObjects, RevisionWriter } from './revision-writer.js';

/** Rounds a rebasing write (an update without an expected top hash) tries before it reports the conflict. */
const MAX_REBASES = 50;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
/** Pages of 1000 pointers read to resolve a date or find a previous revision. */
const MAX_POINTER_PAGES = 20;

/** One round of a write: the revision to commit and what must hold for it to become latest. */
export interface WriteRound {
  header: ManifestHeader;
  items: Iterable<ManifestItem> | AsyncIterable<ManifestItem>;
  condition: CommitCondition;
  /** Releases what the round opened (the base manifest's stream), after the commit or its failure. */
  close?: () => Promise<void>;
}

export interface ManifestStream {
  header: ManifestHeader;
  /** Directory metadata and entries, in file order. Breaking out of the loop closes the underlying stream. */
  records: AsyncGenerator<ManifestRecord>;
}

/** Where a registry is: an S3 bucket, or a local folder (its real path, and the path as configured). */
export type RegistryPlace = { kind: 's3'; bucket: string } | { kind: 'local'; root: string; configuredRoot: string };

/** The key of a registry's own store that a physical key points at, or undefined when it points elsewhere. */
export function storeKeyOf(place: RegistryPlace, physicalKey: string): string | undefined {
  try {
    const parsed = parsePhysicalKey(physicalKey);
    if (parsed.kind === 's3') return place.kind === 's3' && parsed.bucket === place.bucket ? parsed.key : undefined;
    return place.kind === 'local' ? keyInsideAny([place.root, place.configuredRoot], parsed.path) : undefined;
  } catch {
    return undefined;
  }
}

/** How an opened registry reaches objects outside its own store (S3 physical keys in other buckets, versions). */
export interface PhysicalResolver {
  physical(caller: QuiltCaller, opened: OpenedRegistry, physicalKey: string): Promise<PhysicalObject>;
  /** Runs once per registry and process before its first write (finishing what dead writers left). */
  beforeFirstWrite(opened: OpenedRegistry): Promise<void>;
}

export class OpenedRegistry {
  readonly kind: 's3' | 'local';
  readonly bucket: string | undefined;
  readonly root: string | undefined;
  readonly configuredRoot: string | undefined;

  constructor(
    readonly ref: RegistryRef,
    readonly registry: Registry,
    /** The registry's object store (errors already worded for the caller). */
    readonly storage: ObjectStorage,
    private readonly place: RegistryPlace,
    readonly caller: QuiltCaller,
    private readonly resolver: PhysicalResolver,
  ) {
    this.kind = place.kind;
    this.bucket = place.kind === 's3' ? place.bucket : undefined;
    this.root = place.kind === 'local' ? place.root : undefined;
    this.configuredRoot = place.kind === 'local' ? place.configuredRoot : undefined;
  }

  /**
   * A revision spec to a top hash: what the core resolves (`latest`, a hash or unique prefix, a pointer's unix
   * timestamp), plus an ISO date or date-time, meaning the newest revision at or before that instant.
   */
  async resolveRevision(name: string, spec: string): Promise<string> {
    if (!ISO_DATE.test(spec)) return this.registry.resolveRevision(name, spec);
    const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(spec) ? `${spec}T23:59:59Z` : spec);
    if (!Number.isFinite(at)) throw new RegistryRequestError(`Invalid date ${JSON.stringify(spec)}`, 'invalid_request');
    const seconds = Math.floor(at / 1000);
    let best: Revision | undefined;
    for (const revision of (await this.allRevisions(name)).revisions) {
      if (revision.timestamp <= seconds && (best === undefined || revision.timestamp > best.timestamp)) best = revision;
    }
    if (!best) throw new RegistryRequestError(`${name} has no revision at or before ${new Date(seconds * 1000).toISOString()} in ${this.ref.url}`, 'not_found');
    return best.topHash;
  }

  /** Every timestamped revision of a package (bounded to MAX_POINTER_PAGES pages) and `latest`. */
  async allRevisions(name: string): Promise<{ revisions: Revision[]; latest?: string; complete: boolean }> {
    const revisions: Revision[] = [];
    let latest: string | undefined;
    let token: string | undefined;
    for (let page = 0; page < MAX_POINTER_PAGES; page++) {
      const result = await this.registry.listRevisions(name, { maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
      revisions.push(...result.revisions);
      latest = result.latest ?? latest;
      token = result.nextContinuationToken;
      if (token === undefined) return { revisions, ...(latest === undefined ? {} : { latest }), complete: true };
    }
    return { revisions, ...(latest === undefined ? {} : { latest }), complete: false };
  }

  /** The newest revision older than the one `topHash` was pushed as (for "diff against the previous revision"). */
  async previousRevision(name: string, topHash: string): Promise<string | undefined> {
    const { revisions } = await this.allRevisions(name);
    const own = revisions.filter((r) => r.topHash === topHash).map((r) => r.timestamp);
    const before = own.length === 0 ? Infinity : Math.max(...own);
    let best: Revision | undefined;
    for (const r of revisions) {
      if (r.topHash !== topHash && r.timestamp < before && (best === undefined || r.timestamp > best.timestamp)) best = r;
    }
    return best?.topHash;
  }

  /** The current latest top hash of a package, or undefined when it has none. */
  async latest(name: string): Promise<string | undefined> {
    return (await this.registry.latest(name))?.topHash;
  }

  /** Opens a manifest: its header now, the rest as a stream. */
  async openManifest(topHash: string, signal?: AbortSignal): Promise<ManifestStream> {
    const records = this.registry.readManifest(topHash, signal === undefined ? {} : { signal });
    const first = await records.next();
    if (first.done || first.value.kind !== 'header') {
      await records.return(undefined);
      throw new RegistryRequestError(`Manifest ${topHash} has no header line`, 'bad_manifest');
    }
    return { header: first.value.header, records };
  }

  /**
   * The entry with this logical key, reading the manifest only as far as walk order says it can be (manifests
   * are written in walk order, so reading stops at the first key past it).
   */
  async findEntry(topHash: string, logicalKey: string, signal?: AbortSignal): Promise<ManifestEntry | undefined> {
    const { records } = await this.openManifest(topHash, signal);
    try {
      for await (const record of records) {
        if (record.kind !== 'entry') continue;
        const cmp = compareLogicalKeys(record.entry.logical_key, logicalKey);
        if (cmp === 0) return record.entry;
        if (cmp > 0) return undefined;
      }
      return undefined;
    } finally {
      await records.return(undefined);
    }
  }

  /** Whether `path` names an entry or a folder ("dir/" or "dir") of the manifest. */
  async pathInManifest(topHash: string, p: string, signal?: AbortSignal): Promise<'file' | 'folder' | undefined> {
    const dir = p.endsWith('/') ? p : `${p}/`;
    const { records } = await this.openManifest(topHash, signal);
    try {
      for await (const record of records) {
        const key = record.kind === 'entry' ? record.entry.logical_key : record.kind === 'directory' ? record.directory.logical_key : undefined;
        if (key === undefined) continue;
        if (key === p && record.kind === 'entry') return 'file';
        if (key.startsWith(dir)) return 'folder';
      }
      return undefined;
    } finally {
      await records.return(undefined);
    }
  }

  /** Where a manifest entry's bytes are. Local files must lie inside the registry root; S3 objects are read with the caller's credentials. */
  physical(physicalKey: string): Promise<PhysicalObject> {
    return this.resolver.physical(this.caller, this, physicalKey);
  }

  /**
   * A key of the registry's own store from what a caller wrote: a relative key (`data/a.csv`), or a physical
   * key in the same bucket (`s3://bucket/data/a.csv`) or under the same root (`file:///root/data/a.csv`).
   */
  storageKey(input: string): string {
    let key: string;
    if (input.startsWith('s3://')) {
      const parsed = parsePhysicalKey(input);
      if (parsed.kind !== 's3' || this.kind !== 's3' || parsed.bucket !== this.bucket) {
        throw new RegistryRequestError(
          `${input} is not in this registry's bucket (${this.ref.url}); packages are built from objects in their own registry.`,
          'outside_registry',
        );
      }
      if (parsed.versionId !== undefined)
        throw new RegistryRequestError(`Versioned physical keys (?versionId=) cannot be used to build a package here: ${input}`, 'invalid_request');
      key = parsed.key;
    } else if (input.startsWith('file:')) {
      const parsed = parsePhysicalKey(input);
      if (parsed.kind !== 'file' || this.kind !== 'local') {
        throw new RegistryRequestError(`${input} is a local file, not an object of ${this.ref.url}.`, 'outside_registry');
      }
      const inside = this.localKey(parsed.path);
      if (inside === undefined)
        throw new RegistryRequestError(`Refused: ${input} is outside the registry root ${this.ref.url}; nothing outside the registry is read.`, 'path_escape');
      key = inside;
    } else {
      key = input;
    }
    checkObjectKey(key);
    return key;
  }

  /** The physical key written into manifests for a key of the registry's store (and, on a versioned bucket, its version). */
  physicalKey(key: string, versionId?: string): string {
    if (this.kind === 's3') return formatS3PhysicalKey(this.bucket as string, key, versionId);
    return formatFilePhysicalKey(path.join(this.root as string, ...key.split('/')));
  }

  /**
   * Writes one revision of `name` from `built` (its new objects first): `round` gives the header, items and
   * condition; with `rebase`, a conflict calls `round` again (on the new latest) instead of failing, up to
   * MAX_REBASES times. Whatever fails is undone (revision-writer.ts).
   */
  async writeRevision(
    name: string,
    built: PendingObjects,
    round: (attempt: number) => Promise<WriteRound>,
    options: { rebase: boolean; logger?: Logger },
  ): Promise<CommittedRevision> {
    const { writer, keys } = await this.beginWrite(name, built.newObjects, options.logger);
    try {
      built.attach(await writer.writeObjects(built.newObjects, keys));
      for (let attempt = 0; ; attempt++) {
        const next = await round(attempt);
        try {
          const committed = await writer.commit(next.header, next.items, next.condition);
          await writer.finish();
          return committed;
        } catch (err) {
          if (!options.rebase || attempt + 1 >= MAX_REBASES || !(err instanceof RegistryError && err.code === 'Conflict' && err.latest !== undefined))
            throw err;
        } finally {
          await next.close?.();
        }
        // Writers that lost the same race should not all come back at once.
        await sleep(Math.random() * 20 * Math.min(attempt + 1, 5));
      }
    } catch (err) {
      await writer.abandon();
      throw err;
    }
  }

  /** Starts writing a revision of `name` that creates `objects` (see revision-writer.ts). */
  async beginWrite(name: string, objects: NewObject[], logger?: Logger): Promise<{ writer: RevisionWriter; keys: string[] }> {
    await this.resolver.beforeFirstWrite(this);
    return RevisionWriter.begin(
      {
        registry: this.registry,
        storage: this.storage,
        name,
        physicalKey: (key, versionId) => this.physicalKey(key, versionId),
        keyOf: (physicalKey) => this.keyOf(physicalKey),
        logger,
      },
      objects,
    );
  }

  /** The key of this registry's store a physical key points at, or undefined when it points elsewhere. */
  keyOf(physicalKey: string): string | undefined {
    return storeKeyOf(this.place, physicalKey);
  }

  /** The key below the root of a local absolute path (through the real or the configured root), if inside. */
  localKey(absolute: string): string | undefined {
    return keyInsideAny([this.root, this.configuredRoot], absolute);
  }
}
