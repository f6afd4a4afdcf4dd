/**
 * The entries of a new revision: from objects already in the registry's store (one by key, or all under a
 * prefix) and from small inline texts, each hashed here with sha2-256-chunked and put in walk order. Everything
 * is checked before anything is written: building writes nothing; the inline texts become new objects only when
 * the revision is written (revision-writer.ts).
 */
import picomatch from 'picomatch';
import {
  compareLogicalKeys,
  forEachLimit,
  hashObject,
  hashStream,
  type JsonObject,
  type ManifestEntry,
  validateLogicalKey,
  WalkOrderGuard,
} from '../quilt/index.js';
import { RegistryRequestError } from './errors.js';
import type { OpenedRegistry } from './opened-registry.js';
import type { PendingObjects } from './revision-writer.js';

const HEAD_CONCURRENCY = 8;
const HASH_CONCURRENCY = 4;

export interface EntryInput {
  logical_key: string;
  /** An object already in the registry's store (a key, or its s3:// / file:// URL)… */
  physical_key?: string | undefined;
  /** …or small inline content. */
  text?: string | undefined;
  /** The entry's metadata as written in the manifest (`{user_meta: …}`). */
  meta: JsonObject;
}

export interface DirectoryInput {
  physical_prefix: string;
  logical_prefix: string;
  /** Globs on the key below physical_prefix: only matching objects (default: all). */
  include?: string[];
  /** Globs on the key below physical_prefix: matching objects are left out (after include). */
  exclude?: string[];
}

/** What a build would package, before anything is hashed or written (dry_run). */
export interface EntryPlan {
  /** In walk order. */
  entries: { logical_key: string; physical_key: string | null; size: number }[];
  total_bytes: number;
}

export interface BuildLimits {
  inlineMaxBytes: number;
  createMaxEntries: number;
  hashMaxBytes: number;
}

export interface BuildOptions {
  limits: BuildLimits;
  signal: AbortSignal;
  onProgress?: (done: number, total: number, message: string, force?: boolean) => void;
}

export interface BuildStats {
  files: number;
  bytes_hashed: number;
  inline_written: number;
}

/** Inline texts become `newObjects`; their entries have no physical key until `attach` gives them theirs. */
export interface BuiltEntries extends PendingObjects {
  /** In walk order. */
  entries: ManifestEntry[];
  stats: BuildStats;
}

interface Source {
  logical_key: string;
  meta: JsonObject;
  key?: string;
  inline?: Buffer;
  size?: number;
  versionId?: string;
}

export function checkLogicalKey(key: string): void {
  if (key.startsWith('/'))
    throw new RegistryRequestError(`Invalid logical key ${JSON.stringify(key)}: logical keys are relative ("data/a.csv"), not absolute.`, 'invalid_key');
  if (key.includes('\0') || key.includes('\\'))
    throw new RegistryRequestError(`Invalid logical key ${JSON.stringify(key)}: no NUL or backslash.`, 'invalid_key');
  validateLogicalKey(key);
}

/** Builds and hashes the entries for `specs` (each with physical_key or text) and `directories`. */
export async function buildEntries(opened: OpenedRegistry, specs: EntryInput[], directories: DirectoryInput[], options: BuildOptions): Promise<BuiltEntries> {
  const sources = await collectSources(opened, specs, directories, options.limits);
  return hashSources(opened, sources, options);
}

/** The entries `specs` and `directories` would make, with sizes, checked as a build checks them, nothing hashed or written. */
export async function planEntries(opened: OpenedRegistry, specs: EntryInput[], directories: DirectoryInput[], limits: BuildLimits): Promise<EntryPlan> {
  const sources = await collectSources(opened, specs, directories, limits);
  return {
    entries: sources.map((s) => ({ logical_key: s.logical_key, physical_key: s.key === undefined ? null : opened.physicalKey(s.key), size: s.size as number })),
    total_bytes: sources.reduce((n, s) => n + (s.size ?? 0), 0),
  };
}

async function collectSources(opened: OpenedRegistry, specs: EntryInput[], directories: DirectoryInput[], limits: BuildLimits): Promise<Source[]> {
  const sources: Source[] = [];
  let inlineBytes = 0;
  for (const spec of specs) {
    checkLogicalKey(spec.logical_key);
    if ((spec.text === undefined) === (spec.physical_key === undefined)) {
      throw new RegistryRequestError(`Entry ${JSON.stringify(spec.logical_key)} needs exactly one of physical_key and text.`, 'invalid_request');
    }
    if (spec.text !== undefined) {
      const bytes = Buffer.from(spec.text, 'utf8');
      inlineBytes += bytes.length;
      sources.push({ logical_key: spec.logical_key, meta: spec.meta, inline: bytes, size: bytes.length });
    } else {
      sources.push({ logical_key: spec.logical_key, meta: spec.meta, key: opened.storageKey(spec.physical_key as string) });
    }
  }
  if (inlineBytes > limits.inlineMaxBytes) {
    throw new RegistryRequestError(
      `Inline text totals ${inlineBytes} bytes; at most ${limits.inlineMaxBytes} per call. Upload larger files to the bucket and use physical_key.`,
      'too_large',
    );
  }
  for (const dir of directories) await addDirectory(opened, dir, sources, limits);
  if (sources.length > limits.createMaxEntries) {
    throw new RegistryRequestError(`That is ${sources.length} entries; at most ${limits.createMaxEntries} per call on this server.`, 'too_large');
  }

  sources.sort((a, b) => compareLogicalKeys(a.logical_key, b.logical_key));
  const guard = new WalkOrderGuard();
  for (const s of sources) guard.accept(s.logical_key); // duplicates, and keys that are both a file and a folder

  await forEachLimit(
    sources.filter((s) => s.key !== undefined && s.size === undefined),
    HEAD_CONCURRENCY,
    async (s) => {
      const info = await opened.storage.head(s.key as string);
      if (!info)
        throw new RegistryRequestError(`No object ${JSON.stringify(s.key)} in ${opened.ref.url} (for entry ${JSON.stringify(s.logical_key)}).`, 'not_found');
      s.size = info.size;
    },
  );
  const totalBytes = sources.reduce((n, s) => n + (s.size ?? 0), 0);
  if (totalBytes > limits.hashMaxBytes) {
    throw new RegistryRequestError(`The entries hold ${totalBytes} bytes; this server hashes at most ${limits.hashMaxBytes} per call.`, 'too_large');
  }
  return sources;
}

async function hashSources(opened: OpenedRegistry, sources: Source[], options: BuildOptions): Promise<BuiltEntries> {
  const { signal } = options;
  const totalBytes = sources.reduce((n, s) => n + (s.size ?? 0), 0);

  const stats: BuildStats = { files: sources.length, bytes_hashed: 0, inline_written: 0 };
  let done = 0;
  const hashes = new Map<Source, string>();
  await forEachLimit(sources, HASH_CONCURRENCY, async (s) => {
    let reported = 0;
    const onProgress = (bytes: number) => {
      done += bytes - reported;
      reported = bytes;
      options.onProgress?.(done, totalBytes, `hashed ${done} of ${totalBytes} bytes`);
    };
    let value: string;
    if (s.inline !== undefined) {
      value = await hashStream('sha2-256-chunked', once(s.inline), s.inline.length, { onProgress, signal });
    } else {
      const got = await opened.storage.get(s.key as string, { signal });
      if (got.size !== s.size) {
        got.body.destroy();
        throw new RegistryRequestError(`${s.key} changed while the package was being built (size ${s.size} → ${got.size}); try again.`, 'conflict');
      }
      // On a versioned bucket, the version hashed is the one the entry names, whatever is written there later.
      if (got.versionId !== undefined) s.versionId = got.versionId;
      // Parts hashed in parallel on the hashing threads: by positional reads of the open file, or ranged GETs.
      const key = s.key as string;
      value = await hashObject('sha2-256-chunked', got, got.size, {
        onProgress,
        signal,
        range: (range, rangeSignal) => opened.storage.get(key, { range, signal: rangeSignal }),
      });
    }
    hashes.set(s, value);
    stats.bytes_hashed += s.size ?? 0;
  });
  options.onProgress?.(totalBytes, totalBytes, `hashed ${sources.length} files`, true);

  const entries = sources.map(
    (s): ManifestEntry => ({
      logical_key: s.logical_key,
      physical_keys: s.key === undefined ? [] : [opened.physicalKey(s.key, s.versionId)],
      size: s.size as number,
      hash: { type: 'sha2-256-chunked', value: hashes.get(s) as string },
      meta: s.meta,
    }),
  );
  const inlineAt = sources.flatMap((s, k) => (s.inline === undefined ? [] : [k]));
  const newObjects = inlineAt.map((k) => {
    const s = sources[k] as Source;
    return { logicalKey: s.logical_key, bytes: s.inline as Buffer, contentType: contentTypeOf(s.logical_key) };
  });
  stats.inline_written = newObjects.length;
  const attach = (physicalKeys: string[]) => {
    inlineAt.forEach((k, i) => {
      (entries[k] as ManifestEntry).physical_keys = [physicalKeys[i] as string];
    });
  };
  return { entries, newObjects, attach, stats };
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function addDirectory(opened: OpenedRegistry, dir: DirectoryInput, sources: Source[], limits: BuildLimits): Promise<void> {
  const base = opened.storageKey(dir.physical_prefix.replace(/\/+$/, ''));
  const prefix = `${base}/`;
  if (dir.logical_prefix !== '' && !dir.logical_prefix.endsWith('/')) {
    throw new RegistryRequestError(
      `logical_prefix ${JSON.stringify(dir.logical_prefix)} must end with "/" (or be empty for the top level).`,
      'invalid_request',
    );
  }
  // Globs on the key below the prefix: `*` stays within a folder, `**` crosses folders, a pattern without "/"
  // matches the file name at any depth; dot files match too.
  const globOptions = { dot: true, basename: false };
  const matcher = (patterns: string[] | undefined) =>
    patterns === undefined || patterns.length === 0
      ? undefined
      : patterns.map((p) => (p.includes('/') ? picomatch(p, globOptions) : picomatch(p, { ...globOptions, basename: true })));
  const include = matcher(dir.include);
  const exclude = matcher(dir.exclude);
  let token: string | undefined;
  let found = 0;
  let listed = 0;
  do {
    const page = await opened.storage.list(prefix, { maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
    for (const object of page.objects) {
      if (object.key.startsWith('.quilt/')) continue;
      const relative = object.key.slice(prefix.length);
      listed++;
      if (include && !include.some((m) => m(relative))) continue;
      if (exclude?.some((m) => m(relative))) continue;
      const logical = dir.logical_prefix + relative;
      checkLogicalKey(logical);
      sources.push({ logical_key: logical, meta: {}, key: object.key, size: object.size });
      found++;
      if (sources.length > limits.createMaxEntries) {
        throw new RegistryRequestError(`${prefix} holds more objects than this server puts in one revision (${limits.createMaxEntries}).`, 'too_large');
      }
    }
    token = page.nextContinuationToken;
  } while (token !== undefined);
  if (found === 0) {
    throw new RegistryRequestError(
      listed === 0
        ? `No objects under ${JSON.stringify(prefix)} in ${opened.ref.url}.`
        : `None of the ${listed} objects under ${JSON.stringify(prefix)} in ${opened.ref.url} passes include/exclude.`,
      'not_found',
    );
  }
}

function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    csv: 'text/csv',
    tsv: 'text/tab-separated-values',
    json: 'application/json',
    md: 'text/markdown',
    txt: 'text/plain',
    html: 'text/html',
  };
  return `${types[ext] ?? 'text/plain'}; charset=utf-8`;
}
