/**
 * A Quilt registry (quilt3's `PackageRegistryV1`) over an ObjectStorage:
 * - `.quilt/named_packages/<user>/<pkg>/<unix-timestamp>` and `.../latest`: pointer files, each holding
 *   a top hash as 64 lowercase hex characters (no newline);
 * - `.quilt/packages/<top-hash>`: the manifests.
 * Pushing writes the manifest, then the timestamp pointer, then `latest`, as quilt3 does, so a reader
 * never finds a pointer to a missing manifest. Deleting only ever removes pointers.
 *
 * Concurrent writers: a manifest is created only if absent (its name is its content's hash, so an existing one
 * is never replaced, even by one with other physical keys); a timestamp pointer is claimed only if absent (a
 * taken second moves on to the next); `latest` moves by compare-and-swap, checked against the commit's
 * condition (a new package, an expected latest, or any). All three are atomic across processes where the store
 * says `conditionalWrites()`, and within this process always.
 */

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadS3Storage } from './aws-sdk.js';
import { compareCodePoints } from './codepoint.js';
import { KeyedMutex } from './keyed-mutex.js';
import { mapLimit } from './limit.js';
import { LocalStorage } from './local-storage.js';
import {
  computeManifestTopHash,
  type ManifestHashSummary,
  type ManifestHeader,
  type ManifestItem,
  type ManifestRecord,
  type ManifestSummary,
  type ManifestWriterOptions,
  type ReadManifestOptions,
  readManifest,
  readManifestHeader,
  writeManifest,
} from './manifest.js';
import { ownerTag } from './process-owner.js';
import { decodeStateToken, encodeStateToken } from './state-token.js';
import { type ObjectStorage, StorageError } from './storage.js';

/** Where revision pointers live: `<NAMED_PACKAGES><user>/<pkg>/<pointer>`. */
export const NAMED_PACKAGES = '.quilt/named_packages/';
const NAMED = NAMED_PACKAGES;
const MANIFESTS = '.quilt/packages/';
const LATEST = 'latest';
/** A pointer is 64 bytes; anything much larger is not a pointer and isn't read whole. */
const MAX_POINTER_BYTES = 1024;
/** Seconds a revision pointer may move on from the one asked for when earlier ones are taken. */
const MAX_POINTER_CLAIMS = 1000;
/** Compare-and-swap rounds on `latest` before a commit gives up (each lost round means another writer moved it). */
const MAX_LATEST_ROUNDS = 200;
/** Temporary manifest folders in the OS temp folder: `labmcp-manifest-<owner tag>-<random>`. */
export const MANIFEST_SPOOL_PREFIX = 'labmcp-manifest-';
/** This process's commits and deletes, one at a time per registry and package. */
const packageLocks = new KeyedMutex();
/** Pointer files read at once when listing revisions. */
const POINTER_READ_CONCURRENCY = 8;
/** quilt3's shortest accepted top-hash prefix. */
const MIN_HASH_PREFIX = 6;
const TOP_HASH = /^[0-9a-f]{64}$/;
const HASH_PREFIX = /^[0-9a-f]{6,63}$/;
const TIMESTAMP = /^[0-9]{1,15}$/;
/** quilt3's `[\w-]+/[\w-]+` (Python's `\w` on str is letters, digits and underscore in any script). */
export const PACKAGE_NAME = /^[\p{L}\p{N}_-]+\/[\p{L}\p{N}_-]+$/u;
/** A user prefix ("de"), or a user and a package prefix ("demo/si"). */
const PACKAGE_PREFIX = /^[\p{L}\p{N}_-]*(?:\/[\p{L}\p{N}_-]*)?$/u;

export type RegistryErrorCode =
  | 'InvalidUrl'
  | 'InvalidName'
  | 'InvalidRevision'
  | 'PackageNotFound'
  | 'RevisionNotFound'
  | 'AmbiguousRevision'
  | 'CorruptPointer'
  | 'InvalidArgument'
  /** A commit's condition did not hold (`latest` says where the package is now; undefined when it has none). */
  | 'Conflict';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown; latest?: string | undefined },
  ) {
    super(message, options);
    this.latest = options?.latest;
  }

  /** With `Conflict`: the package's latest top hash when the conflict was found. */
  readonly latest: string | undefined;
}

/** What must hold when `latest` moves: the package is new, latest is still a given revision, or anything goes. */
export type CommitCondition = { kind: 'new' } | { kind: 'latest'; topHash: string } | { kind: 'any' };

/** A manifest written to a local temporary file: its top hash is known before anything reaches the store. */
export interface SpooledManifest extends ManifestSummary {
  /** Creates `.quilt/packages/<top hash>` unless it exists; `created` says which. */
  store(): Promise<{ created: boolean }>;
  /** Removes the temporary file (always call it). */
  dispose(): Promise<void>;
}

export type RegistryLocation = { kind: 's3'; bucket: string } | { kind: 'file'; path: string };

/** Parses `s3://bucket` or `file:///abs/path`. */
export function parseRegistryUrl(url: string): RegistryLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new RegistryError('InvalidUrl', `Invalid registry URL ${JSON.stringify(url)}: expected s3://bucket or file:///abs/path`, { cause: err });
  }
  if (parsed.protocol === 's3:') {
    if (parsed.hostname === '' || (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '') {
      throw new RegistryError('InvalidUrl', `Invalid registry URL ${JSON.stringify(url)}: an S3 registry is a whole bucket, s3://bucket`);
    }
    return { kind: 's3', bucket: parsed.hostname };
  }
  if (parsed.protocol === 'file:') {
    if (parsed.hostname !== '' && parsed.hostname !== 'localhost') {
      throw new RegistryError('InvalidUrl', `Invalid registry URL ${JSON.stringify(url)}: file URLs must be local (file:///abs/path)`);
    }
    return { kind: 'file', path: fileURLToPath(parsed) };
  }
  throw new RegistryError('InvalidUrl', `Unsupported registry URL ${JSON.stringify(url)}: expected s3://bucket or file:///abs/path`);
}

/** Opens the registry at `url`; an S3 registry needs the caller's client (user credentials). */
export async function openRegistry(url: string, options: { s3Client?: S3Client } = {}): Promise<Registry> {
  const location = parseRegistryUrl(url);
  if (location.kind === 'file') return new Registry(await LocalStorage.open(location.path));
  if (options.s3Client === undefined) throw new RegistryError('InvalidArgument', `Opening ${url} needs an S3 client`);
  const { S3Storage } = await loadS3Storage();
  return new Registry(new S3Storage(options.s3Client, location.bucket));
}

export function validatePackageName(name: string): void {
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
    throw new RegistryError('InvalidName', `Invalid package name ${JSON.stringify(name)}: expected "user/package" of letters, digits, "_" and "-"`);
  }
}

export interface Revision {
  /** Unix seconds, from the pointer's name. */
  timestamp: number;
  topHash: string;
}

export interface PageOptions {
  /** Default 100, at most 1000. */
  maxKeys?: number;
  continuationToken?: string;
}

export interface PushOptions extends ManifestWriterOptions {
  /** Unix seconds for the revision pointer; default now. */
  timestamp?: number;
}

export interface PushResult extends ManifestSummary {
  timestamp: number;
}

export class Registry {
  constructor(readonly storage: ObjectStorage) {}

  get url(): string {
    return this.storage.url;
  }

  /**
   * Package names ("user/pkg"), in S3 key order of "user/pkg/". A `prefix` without "/" filters users
   * ("de" matches "demo/..."); with one it fixes the user and filters that user's packages ("demo/si").
   *
   * Like quilt3's `list_packages`, this lists the pointer files themselves (no delimiter) and keeps one
   * name per package: it costs a listing of every revision pointer, but works on stores whose
   * common-prefix support is partial (s3rver only reports prefixes one level deep).
   */
  async listPackages(options: PageOptions & { prefix?: string } = {}): Promise<{ packages: string[]; nextContinuationToken?: string }> {
    const maxKeys = pageSize(options.maxKeys);
    const prefix = options.prefix ?? '';
    if (!PACKAGE_PREFIX.test(prefix)) throw new RegistryError('InvalidName', `Invalid package name prefix ${JSON.stringify(prefix)}`);
    const state = decodeState(options.continuationToken);
    let pageToken = state.t;
    let after = state.after;
    const packages: string[] = [];
    for (;;) {
      const page = await this.storage.list(NAMED + prefix, { maxKeys: 1000, ...(pageToken === undefined ? {} : { continuationToken: pageToken }) });
      for (const object of page.objects) {
        const parts = object.key.slice(NAMED.length).split('/');
        if (parts.length !== 3) continue;
        const name = `${parts[0]}/${parts[1]}`;
        if (!PACKAGE_NAME.test(name)) continue;
        // Pointers of one package are adjacent; `after` is the last name emitted, from this page or the previous call.
        if (after !== undefined && compareCodePoints(`${name}/`, `${after}/`) <= 0) continue;
        if (packages.length === maxKeys) return { packages, nextContinuationToken: encodeState({ t: pageToken, after }) };
        packages.push(name);
        after = name;
      }
      if (page.nextContinuationToken === undefined) return { packages };
      pageToken = page.nextContinuationToken;
    }
  }

  /** Revisions of a package in pointer-key order (oldest first for same-length timestamps), plus `latest`. */
  async listRevisions(name: string, options: PageOptions = {}): Promise<{ revisions: Revision[]; latest?: string; nextContinuationToken?: string }> {
    validatePackageName(name);
    const maxKeys = pageSize(options.maxKeys);
    const dir = `${NAMED}${name}/`;
    const page = await this.storage.list(dir, {
      maxKeys,
      ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
    });
    if (options.continuationToken === undefined && page.objects.length === 0) throw packageNotFound(name, this.url);
    const pointers = page.objects.map((o) => o.key.slice(dir.length)).filter((p) => TIMESTAMP.test(p));
    const hashes = await mapLimit(pointers, POINTER_READ_CONCURRENCY, (p) => this.readPointer(dir + p));
    const revisions = pointers.map((p, k) => ({ timestamp: Number(p), topHash: hashes[k] as string }));
    const latest = await this.readPointerIfExists(dir + LATEST);
    return {
      revisions,
      ...(latest === undefined ? {} : { latest }),
      ...(page.nextContinuationToken === undefined ? {} : { nextContinuationToken: page.nextContinuationToken }),
    };
  }

  /**
   * Turns a revision spec into a top hash: `latest`; a full top hash (its manifest must exist); a unix
   * timestamp naming a pointer; or a unique prefix of at least 6 hex digits, matched against all
   * manifests in the registry as quilt3 does. An all-digit spec is tried as a timestamp first.
   */
  async resolveRevision(name: string, spec = LATEST): Promise<string> {
    validatePackageName(name);
    const dir = `${NAMED}${name}/`;
    if (spec === LATEST) {
      const latest = await this.readPointerIfExists(dir + LATEST);
      if (latest === undefined) throw packageNotFound(name, this.url);
      return latest;
    }
    const lower = spec.toLowerCase();
    if (TOP_HASH.test(lower)) {
      if ((await this.storage.head(MANIFESTS + lower)) === undefined) {
        throw new RegistryError('RevisionNotFound', `No manifest ${lower} in ${this.url}`);
      }
      return lower;
    }
    if (TIMESTAMP.test(spec)) {
      const pointed = await this.readPointerIfExists(dir + spec);
      if (pointed !== undefined) return pointed;
    }
    if (HASH_PREFIX.test(lower)) {
      const page = await this.storage.list(MANIFESTS + lower, { maxKeys: 2 });
      const matches = page.objects.map((o) => o.key.slice(MANIFESTS.length)).filter((h) => TOP_HASH.test(h));
      if (matches.length === 1) return matches[0] as string;
      if (matches.length > 1)
        throw new RegistryError('AmbiguousRevision', `Top hash prefix ${JSON.stringify(spec)} matches more than one manifest; give more digits`);
      throw new RegistryError('RevisionNotFound', `No revision of ${name} matches ${JSON.stringify(spec)} in ${this.url}`);
    }
    if (TIMESTAMP.test(spec)) throw new RegistryError('RevisionNotFound', `${name} has no revision at timestamp ${spec}`);
    throw new RegistryError(
      'InvalidRevision',
      `Invalid revision ${JSON.stringify(spec)}: expected "latest", a unix timestamp, or a top hash (or a unique prefix of at least ${MIN_HASH_PREFIX} hex digits)`,
    );
  }

  /** Streams a manifest's records; with `verify`, a top-hash mismatch raises at the end. */
  async *readManifest(topHash: string, options: Omit<ReadManifestOptions, 'expectedTopHash'> & { verify?: boolean } = {}): AsyncGenerator<ManifestRecord> {
    const { verify, ...readOptions } = options;
    const body = await this.getManifest(topHash, options.signal);
    yield* readManifest(body, { ...readOptions, ...(verify === true ? { expectedTopHash: topHash } : {}) });
  }

  async readManifestHeader(topHash: string, options: { signal?: AbortSignal } = {}): Promise<ManifestHeader> {
    return readManifestHeader(await this.getManifest(topHash, options.signal), options);
  }

  /** Recomputes a stored manifest's top hash in one pass; `ok` says whether it matches the manifest's name. */
  async verifyManifest(topHash: string, options: { signal?: AbortSignal } = {}): Promise<ManifestHashSummary & { ok: boolean }> {
    const summary = await computeManifestTopHash(await this.getManifest(topHash, options.signal), options);
    return { ...summary, ok: summary.topHash === topHash };
  }

  /**
   * Writes a new revision: the manifest (if absent), then a free timestamp pointer (from `timestamp`, default
   * now), then `latest` whatever it held. For seeding and tests; tools use spoolManifest and commitRevision.
   */
  async pushRevision(
    name: string,
    header: ManifestHeader,
    items: Iterable<ManifestItem> | AsyncIterable<ManifestItem>,
    options: PushOptions = {},
  ): Promise<PushResult> {
    validatePackageName(name);
    if (options.timestamp !== undefined) checkTimestamp(options.timestamp);
    const spooled = await this.spoolManifest(header, items, options);
    try {
      await spooled.store();
      const { timestamp } = await this.commitRevision(
        name,
        spooled.topHash,
        { kind: 'any' },
        options.timestamp === undefined ? {} : { timestamp: options.timestamp },
      );
      const { store: _store, dispose: _dispose, ...summary } = spooled;
      return { ...summary, timestamp };
    } finally {
      await spooled.dispose();
    }
  }

  /**
   * Writes a manifest to a temporary file (its key is its top hash, known only at the end), ready to store.
   * The file's folder is named for this process, so one a crash leaves behind can be recognized and removed.
   */
  async spoolManifest(
    header: ManifestHeader,
    items: Iterable<ManifestItem> | AsyncIterable<ManifestItem>,
    options: ManifestWriterOptions = {},
  ): Promise<SpooledManifest> {
    const tempDir = await mkdtemp(path.join(tmpdir(), `${MANIFEST_SPOOL_PREFIX}${ownerTag()}-`));
    const dispose = () => rm(tempDir, { recursive: true, force: true });
    try {
      const file = path.join(tempDir, 'manifest.jsonl');
      const out = createWriteStream(file);
      let summary: ManifestSummary;
      try {
        summary = await writeManifest(out, header, items, options);
      } finally {
        out.end();
        await finished(out).catch(() => undefined);
      }
      if (out.errored) throw out.errored;
      const store = async (): Promise<{ created: boolean }> => {
        const manifest = createReadStream(file);
        try {
          const { created } = await this.storage.putIfAbsent(MANIFESTS + summary.topHash, manifest, { size: summary.bytes });
          return { created };
        } finally {
          manifest.destroy(); // if the store gave up before reading it all, or did not need it
        }
      };
      return { ...summary, store, dispose };
    } catch (err) {
      await dispose();
      throw err;
    }
  }

  /**
   * Makes a stored manifest a revision of `name`: claims the first free timestamp pointer from `timestamp`
   * (default now), then moves `latest` to it if `condition` holds, atomically. When the condition fails, the
   * claimed pointer is removed again and a `Conflict` RegistryError names the current latest.
   */
  async commitRevision(
    name: string,
    topHash: string,
    condition: CommitCondition,
    options: { timestamp?: number; onPointer?: (timestamp: number) => Promise<void> } = {},
  ): Promise<{ timestamp: number }> {
    validatePackageName(name);
    if (!TOP_HASH.test(topHash)) throw new RegistryError('InvalidRevision', `Invalid top hash ${JSON.stringify(topHash)}`);
    const dir = `${NAMED}${name}/`;
    return packageLocks.run(`${this.url}|${name}`, async () => {
      let claimed: { timestamp: number; etag: string | undefined } | undefined;
      try {
        for (let round = 0; round < MAX_LATEST_ROUNDS; round++) {
          const current = await this.readPointerWithEtag(dir + LATEST);
          // Our move of `latest` happened although its answer was lost: the SDK's retry of the conditional PUT then
          // reads 412, as if someone else had written. (Or another writer made the identical revision latest.)
          if (claimed !== undefined && current?.topHash === topHash) return { timestamp: claimed.timestamp };
          checkCondition(name, condition, current?.topHash);
          if (claimed === undefined) {
            claimed = await this.claimPointer(name, topHash, options.timestamp);
            await options.onPointer?.(claimed.timestamp);
          }
          const moved =
            current === undefined
              ? (await this.storage.putIfAbsent(dir + LATEST, topHash)).created
              : current.etag !== undefined && (await this.storage.putIfMatch(dir + LATEST, topHash, current.etag));
          if (moved) return { timestamp: claimed.timestamp };
        }
        throw new RegistryError('Conflict', `${name}: latest kept moving under ${MAX_LATEST_ROUNDS} other writers; try again`);
      } catch (err) {
        if (claimed !== undefined) await this.releasePointer(dir + String(claimed.timestamp), claimed.etag);
        throw err;
      }
    });
  }

  /** The first timestamp pointer from `from` (default now) that this call creates; taken ones are skipped. */
  private async claimPointer(name: string, topHash: string, from?: number): Promise<{ timestamp: number; etag: string | undefined }> {
    const dir = `${NAMED}${name}/`;
    const start = from ?? Math.floor(Date.now() / 1000);
    for (let ts = start; ts < start + MAX_POINTER_CLAIMS; ts++) {
      const claim = await this.storage.putIfAbsent(dir + String(ts), topHash);
      if (claim.created) return { timestamp: ts, etag: claim.etag };
    }
    throw new RegistryError('Conflict', `${name}: no free revision pointer in the ${MAX_POINTER_CLAIMS} seconds from ${start}`);
  }

  /** Removes a pointer this call created and did not commit (not one someone else wrote since). */
  private async releasePointer(key: string, etag: string | undefined): Promise<void> {
    if (etag !== undefined) await this.storage.deleteIfMatch(key, etag);
    else await this.storage.delete(key);
  }

  /**
   * Deletes every pointer of `name` to the revision `spec` resolves to (as quilt3's
   * `delete_package_version`); if that removes `latest`, it is re-pointed at the newest remaining
   * timestamp. Manifests and data are never deleted. Only pointers this call removed are reported: of
   * concurrent calls, the ones that found them gone get `RevisionNotFound`.
   */
  async deleteRevision(name: string, spec: string): Promise<{ topHash: string; deletedPointers: string[]; latest?: string }> {
    const topHash = await this.resolveRevision(name, spec);
    const dir = `${NAMED}${name}/`;
    return packageLocks.run(`${this.url}|${name}`, async () => {
      const deleted: string[] = [];
      for (let round = 0; round < MAX_LATEST_ROUNDS; round++) {
        let newest: { timestamp: number; topHash: string } | undefined;
        let latest: { topHash: string; etag: string | undefined } | undefined;
        for await (const pointer of this.pointers(name)) {
          const read = await this.readPointerWithEtag(dir + pointer.name);
          if (read === undefined) continue;
          if (pointer.name === LATEST) latest = read;
          else if (read.topHash === topHash) {
            if (read.etag !== undefined && (await this.storage.deleteIfMatch(dir + pointer.name, read.etag))) deleted.push(pointer.name);
          } else if (TIMESTAMP.test(pointer.name) && (newest === undefined || Number(pointer.name) > newest.timestamp)) {
            newest = { timestamp: Number(pointer.name), topHash: read.topHash };
          }
        }
        if (latest === undefined || latest.topHash !== topHash) {
          if (deleted.length === 0) throw new RegistryError('RevisionNotFound', `${name} has no pointer to ${topHash} (any more)`);
          return { topHash, deletedPointers: deleted };
        }
        if (latest.etag === undefined) break;
        if (newest === undefined) {
          if (await this.storage.deleteIfMatch(dir + LATEST, latest.etag)) return { topHash, deletedPointers: [...deleted, LATEST] };
        } else if (await this.storage.putIfMatch(dir + LATEST, newest.topHash, latest.etag)) {
          return { topHash, deletedPointers: deleted, latest: newest.topHash };
        }
      }
      throw new RegistryError('Conflict', `${name}: latest kept moving while revision ${topHash} was being deleted; try again`);
    });
  }

  /**
   * Deletes all of a package's pointers (`latest` last, and only if no other call moved or removed it
   * meanwhile); its manifests and data stay. Of concurrent calls, exactly one removes `latest`; the others
   * get `PackageNotFound`.
   */
  async deletePackage(name: string): Promise<{ deletedPointers: number }> {
    validatePackageName(name);
    const dir = `${NAMED}${name}/`;
    return packageLocks.run(`${this.url}|${name}`, async () => {
      let count = 0;
      for (let round = 0; round < MAX_LATEST_ROUNDS; round++) {
        const latest = await this.readPointerWithEtag(dir + LATEST);
        if (latest === undefined) {
          throw new RegistryError('PackageNotFound', `No package ${name} in ${this.url}${round > 0 ? ' (another call deleted it meanwhile)' : ''}`);
        }
        for await (const pointer of this.pointers(name)) {
          if (pointer.name === LATEST) continue;
          await this.storage.delete(dir + pointer.name);
          count++;
        }
        if (latest.etag !== undefined && (await this.storage.deleteIfMatch(dir + LATEST, latest.etag))) return { deletedPointers: count + 1 };
        // Another call moved latest (a new revision: delete again) or removed it (reported above).
      }
      throw new RegistryError('Conflict', `${name} kept getting new revisions while it was being deleted; try again`);
    });
  }

  /** All pointer files of a package, page by page. */
  private async *pointers(name: string): AsyncGenerator<{ name: string }> {
    validatePackageName(name);
    const dir = `${NAMED}${name}/`;
    let token: string | undefined;
    do {
      const page = await this.storage.list(dir, { maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
      for (const o of page.objects) {
        const pointer = o.key.slice(dir.length);
        if (!pointer.includes('/')) yield { name: pointer };
      }
      token = page.nextContinuationToken;
    } while (token !== undefined);
  }

  private async getManifest(topHash: string, signal: AbortSignal | undefined): Promise<AsyncIterable<Uint8Array>> {
    if (!TOP_HASH.test(topHash)) throw new RegistryError('InvalidRevision', `Invalid top hash ${JSON.stringify(topHash)}`);
    try {
      return (await this.storage.get(MANIFESTS + topHash, signal === undefined ? {} : { signal })).body;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound')
        throw new RegistryError('RevisionNotFound', `No manifest ${topHash} in ${this.url}`, { cause: err });
      throw err;
    }
  }

  private async readPointerIfExists(key: string): Promise<string | undefined> {
    return (await this.readPointerWithEtag(key))?.topHash;
  }

  /** A package's `latest` (top hash and ETag), or undefined when it has none. */
  latest(name: string): Promise<{ topHash: string; etag: string | undefined } | undefined> {
    validatePackageName(name);
    return this.readPointerWithEtag(`${NAMED}${name}/${LATEST}`);
  }

  /** One timestamp pointer of a package (top hash and ETag), or undefined when there is none. */
  pointer(name: string, timestamp: number): Promise<{ topHash: string; etag: string | undefined } | undefined> {
    validatePackageName(name);
    return this.readPointerWithEtag(`${NAMED}${name}/${String(timestamp)}`);
  }

  /** A pointer's top hash and ETag (for compare-and-swap), or undefined when it does not exist. */
  async readPointerWithEtag(key: string): Promise<{ topHash: string; etag: string | undefined } | undefined> {
    try {
      return await this.readPointerAndEtag(key);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  private async readPointer(key: string): Promise<string> {
    return (await this.readPointerAndEtag(key)).topHash;
  }

  private async readPointerAndEtag(key: string): Promise<{ topHash: string; etag: string | undefined }> {
    const { body, contentLength, etag } = await this.storage.get(key);
    if (contentLength > MAX_POINTER_BYTES) {
      body.destroy();
      throw new RegistryError('CorruptPointer', `Pointer ${key} is ${contentLength} bytes, not a top hash`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    // quilt3 strips whitespace when it reads `latest`.
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (!TOP_HASH.test(text)) throw new RegistryError('CorruptPointer', `Pointer ${key} does not hold a top hash`);
    return { topHash: text, etag };
  }
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RegistryError('InvalidArgument', `Invalid timestamp ${String(timestamp)}`);
}

function checkCondition(name: string, condition: CommitCondition, latest: string | undefined): void {
  if (condition.kind === 'new' && latest !== undefined) {
    throw new RegistryError('Conflict', `Conflict: ${name} already exists (latest is ${latest})`, { latest });
  }
  if (condition.kind === 'latest' && latest !== condition.topHash) {
    throw new RegistryError(
      'Conflict',
      latest === undefined
        ? `Conflict: ${name} was deleted meanwhile (it had latest ${condition.topHash})`
        : `Conflict: the latest revision of ${name} is now ${latest}, not ${condition.topHash}: someone else pushed in between`,
      { latest },
    );
  }
}

function pageSize(maxKeys: number | undefined): number {
  const n = maxKeys ?? 100;
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new RegistryError('InvalidArgument', `maxKeys must be an integer from 1 to 1000, got ${String(maxKeys)}`);
  return n;
}

function packageNotFound(name: string, url: string): RegistryError {
  return new RegistryError('PackageNotFound', `No package ${name} in ${url}`);
}

/** Where a package listing resumes: the storage page to re-read and the last package name returned. */
interface ListState {
  t?: string | undefined;
  after?: string | undefined;
}

function encodeState(state: ListState): string {
  return encodeStateToken({ ...state });
}

function decodeState(token: string | undefined): ListState {
  if (token === undefined) return {};
  const state = decodeStateToken(token);
  if (state !== undefined) {
    const { t, after } = state;
    if ((t === undefined || typeof t === 'string') && (after === undefined || typeof after === 'string')) return { t, after };
  }
  throw new RegistryError('InvalidArgument', 'Invalid continuation token');
}
