/** Package-level helpers over the core registry: revision specs, streaming entries, finding one entry. */
import { ToolError } from '@labmcp/service-kit';
import type { OpenedRegistry } from './registry-access.js';
import { compareLogicalKeys, type ManifestEntry, type ManifestHeader, type ManifestRecord, type Revision } from './quilt/index.js';

const NAMED = '.quilt/named_packages/';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
/** Pages of 1000 pointers read to resolve a date or find a previous revision. */
const MAX_POINTER_PAGES = 20;

/**
 * A revision spec to a top hash: what the core resolves (`latest`, a hash or unique prefix, a pointer's unix
 * timestamp), plus an ISO date or date-time, meaning the newest revision at or before that instant.
 */
export async function resolveRevision(opened: OpenedRegistry, name: string, spec: string): Promise<string> {
  if (!ISO_DATE.test(spec)) return opened.registry.resolveRevision(name, spec);
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(spec) ? `${spec}T23:59:59Z` : spec);
  if (!Number.isFinite(at)) throw new ToolError(`Invalid date ${JSON.stringify(spec)}`, 'invalid_request');
  const seconds = Math.floor(at / 1000);
  let best: Revision | undefined;
  for (const revision of (await allRevisions(opened, name)).revisions) {
    if (revision.timestamp <= seconds && (best === undefined || revision.timestamp > best.timestamp)) best = revision;
  }
  if (!best) throw new ToolError(`${name} has no revision at or before ${new Date(seconds * 1000).toISOString()} in ${opened.ref.url}`, 'not_found');
  return best.topHash;
}

/** Every timestamped revision of a package (bounded to MAX_POINTER_PAGES pages) and `latest`. */
export async function allRevisions(opened: OpenedRegistry, name: string): Promise<{ revisions: Revision[]; latest?: string; complete: boolean }> {
  const revisions: Revision[] = [];
  let latest: string | undefined;
  let token: string | undefined;
  for (let page = 0; page < MAX_POINTER_PAGES; page++) {
    const result = await opened.registry.listRevisions(name, { maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
    revisions.push(...result.revisions);
    latest = result.latest ?? latest;
    token = result.nextContinuationToken;
    if (token === undefined) return { revisions, ...(latest === undefined ? {} : { latest }), complete: true };
  }
  return { revisions, ...(latest === undefined ? {} : { latest }), complete: false };
}

/** The newest revision older than the one `topHash` was pushed as (for "diff against the previous revision"). */
export async function previousRevision(opened: OpenedRegistry, name: string, topHash: string): Promise<string | undefined> {
  const { revisions } = await allRevisions(opened, name);
  const own = revisions.filter((r) => r.topHash === topHash).map((r) => r.timestamp);
  const before = own.length === 0 ? Infinity : Math.max(...own);
  let best: Revision | undefined;
  for (const r of revisions) {
    if (r.topHash !== topHash && r.timestamp < before && (best === undefined || r.timestamp > best.timestamp)) best = r;
  }
  return best?.topHash;
}

/** Whether a package has a `latest` pointer (a missing package is not an error here). */
export async function packageExists(opened: OpenedRegistry, name: string): Promise<boolean> {
  return (await opened.storage.head(`${NAMED}${name}/latest`)) !== undefined;
}

/**
 * A timestamp for a new revision pointer: now, or the first free second after it, so two pushes within one
 * second don't overwrite each other's pointer.
 */
export async function freeTimestamp(opened: OpenedRegistry, name: string): Promise<number> {
  let ts = Math.floor(Date.now() / 1000);
  for (let tries = 0; tries < 30; tries++, ts++) {
    if ((await opened.storage.head(`${NAMED}${name}/${ts}`)) === undefined) return ts;
  }
  return ts;
}

export interface ManifestStream {
  header: ManifestHeader;
  /** Directory metadata and entries, in file order. Breaking out of the loop closes the underlying stream. */
  records: AsyncGenerator<ManifestRecord>;
}

/** Opens a manifest: its header now, the rest as a stream. */
export async function openManifest(opened: OpenedRegistry, topHash: string, signal?: AbortSignal): Promise<ManifestStream> {
  const records = opened.registry.readManifest(topHash, signal === undefined ? {} : { signal });
  const first = await records.next();
  if (first.done || first.value.kind !== 'header') {
    await records.return(undefined);
    throw new ToolError(`Manifest ${topHash} has no header line`, 'bad_manifest');
  }
  return { header: first.value.header, records };
}

/**
 * The entry with this logical key, reading the manifest only as far as walk order says it can be (manifests
 * are written in walk order, so reading stops at the first key past it).
 */
export async function findEntry(opened: OpenedRegistry, topHash: string, logicalKey: string, signal?: AbortSignal): Promise<ManifestEntry | undefined> {
  const { records } = await openManifest(opened, topHash, signal);
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
export async function pathInManifest(opened: OpenedRegistry, topHash: string, p: string, signal?: AbortSignal): Promise<'file' | 'folder' | undefined> {
  const dir = p.endsWith('/') ? p : `${p}/`;
  const { records } = await openManifest(opened, topHash, signal);
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

export function packageTargets(args: { registry?: string | undefined; package?: string; revision?: string }): Record<string, unknown> {
  return {
    ...(args.registry !== undefined && { registry: args.registry }),
    ...(args.package !== undefined && { package: args.package }),
    ...(args.revision !== undefined && { revision: args.revision }),
  };
}
