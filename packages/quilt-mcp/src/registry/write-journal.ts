/**
 * The record a package write keeps in its registry while it runs (`.quilt/labmcp/writes/<write id>.json`): who
 * writes (machine, process), the objects it creates, the manifests it stores and the pointer it claims. A write
 * that finishes removes it; one that fails undoes what the record lists; one whose process died is undone by the
 * next process that sweeps the registry (local registries at start, S3 registries before this process's first
 * write there), so a crash leaves no pointer and no object that nothing references.
 *
 * What undoing never touches: a manifest (immutable, and an identical revision may share it), and an object that
 * a stored manifest of the write references (that manifest may be, or become, the one an identical revision
 * points at). A pointer is removed only while `latest` does not hold its revision.
 */
import { tmpdir } from 'node:os';
import type { Logger } from '@labmcp/service-kit';
import {
  ABANDONED_AFTER_MS,
  currentOwner,
  isOwnerAlive,
  MANIFEST_SPOOL_PREFIX,
  NAMED_PACKAGES,
  type ObjectStorage,
  type ProcessOwner,
  type Registry,
  removeLeftovers,
  StorageError,
} from '../quilt/index.js';

const WRITES = '.quilt/labmcp/writes/';
/** Journals are small; a larger object under WRITES is not one of ours and is left alone. */
const MAX_JOURNAL_BYTES = 4 * 1024 * 1024;

export interface WriteJournal {
  v: 1;
  id: string;
  package: string;
  owner: ProcessOwner;
  startedAt: number;
  /** Keys of the objects this write creates (each new, under a prefix unique to the write). */
  objects: string[];
  /** Top hashes of the manifests this write stored (or was about to store). */
  manifests: string[];
  /** The timestamp pointer this write claimed (and has not released). */
  pointer?: number;
  /** Set when the write committed but its record could not be removed. */
  committed?: boolean;
}

/** Maps a manifest's physical key to a key of this registry's store, if it points there. */
export type KeyOf = (physicalKey: string) => string | undefined;

export function journalKey(id: string): string {
  return `${WRITES}${id}.json`;
}

export function newJournal(id: string, name: string, objects: string[]): WriteJournal {
  return { v: 1, id, package: name, owner: currentOwner(), startedAt: Date.now(), objects, manifests: [] };
}

export async function saveJournal(storage: ObjectStorage, journal: WriteJournal): Promise<void> {
  await storage.put(journalKey(journal.id), JSON.stringify(journal), { contentType: 'application/json' });
}

/**
 * Undoes a write that did not commit: deletes its objects that none of its stored manifests references, then its
 * claimed pointer unless `latest` holds that revision, then its record.
 */
export async function undoWrite(registry: Registry, journal: WriteJournal, keyOf: KeyOf): Promise<{ objects: number; pointer: boolean }> {
  let objects = 0;
  let pointer = false;
  if (!journal.committed) {
    objects = await removeUnreferencedObjects(registry, journal, keyOf);
    if (journal.pointer !== undefined) pointer = await releasePointer(registry, journal.package, journal.pointer, journal.manifests);
  }
  await registry.storage.delete(journalKey(journal.id));
  return { objects, pointer };
}

/** Deletes the write's objects that none of its stored manifests references; returns how many. */
export async function removeUnreferencedObjects(registry: Registry, journal: WriteJournal, keyOf: KeyOf): Promise<number> {
  const referenced = await referencedKeys(registry, journal, keyOf);
  let removed = 0;
  for (const key of journal.objects) {
    if (referenced.has(key)) continue;
    await registry.storage.delete(key);
    removed++;
  }
  return removed;
}

async function referencedKeys(registry: Registry, journal: WriteJournal, keyOf: KeyOf): Promise<Set<string>> {
  const ours = new Set(journal.objects);
  const referenced = new Set<string>();
  if (ours.size === 0) return referenced;
  for (const topHash of journal.manifests) {
    try {
      for await (const record of registry.readManifest(topHash)) {
        if (record.kind !== 'entry') continue;
        for (const physicalKey of record.entry.physical_keys) {
          const key = keyOf(physicalKey);
          if (key !== undefined && ours.has(key)) referenced.add(key);
        }
      }
    } catch (err) {
      if ((err as { code?: unknown }).code === 'RevisionNotFound') continue; // never stored
      throw err;
    }
  }
  return referenced;
}

async function releasePointer(registry: Registry, name: string, timestamp: number, manifests: string[]): Promise<boolean> {
  const pointer = await registry.pointer(name, timestamp);
  if (pointer === undefined || pointer.etag === undefined || !manifests.includes(pointer.topHash)) return false;
  if ((await registry.latest(name))?.topHash === pointer.topHash) return false;
  return registry.storage.deleteIfMatch(`${NAMED_PACKAGES}${name}/${String(timestamp)}`, pointer.etag);
}

/** Finds the write records of dead writers in a registry and undoes each. */
export async function sweepUnfinishedWrites(registry: Registry, keyOf: KeyOf, logger?: Logger): Promise<number> {
  const storage = registry.storage;
  let undone = 0;
  let token: string | undefined;
  do {
    const page = await storage.list(WRITES, { maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
    for (const object of page.objects) {
      if (!object.key.endsWith('.json') || object.size > MAX_JOURNAL_BYTES) continue;
      const journal = await readJournal(storage, object.key);
      if (journal === undefined || !isAbandoned(journal)) continue;
      const result = await undoWrite(registry, journal, keyOf);
      undone++;
      logger?.warn(
        { registry: storage.url, write: journal.id, package: journal.package, objectsRemoved: result.objects, pointerRemoved: result.pointer },
        'undid a package write whose process died before it finished',
      );
    }
    token = page.nextContinuationToken;
  } while (token !== undefined);
  return undone;
}

function isAbandoned(journal: WriteJournal): boolean {
  if (Date.now() - journal.startedAt > ABANDONED_AFTER_MS) return true;
  return !isOwnerAlive(journal.owner);
}

async function readJournal(storage: ObjectStorage, key: string): Promise<WriteJournal | undefined> {
  try {
    const got = await storage.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of got.body as AsyncIterable<Buffer>) chunks.push(chunk);
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<WriteJournal>;
    if (
      parsed.v !== 1 ||
      typeof parsed.id !== 'string' ||
      typeof parsed.package !== 'string' ||
      !Array.isArray(parsed.objects) ||
      !Array.isArray(parsed.manifests)
    )
      return undefined;
    if (typeof parsed.owner !== 'object' || parsed.owner === null || typeof parsed.startedAt !== 'number') return undefined;
    return parsed as WriteJournal;
  } catch (err) {
    if (err instanceof StorageError && err.code === 'NotFound') return undefined; // undone by another process meanwhile
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Manifest spool folders in the OS temp folder left by processes of this machine that died mid-write. */
export async function sweepLocalLeftovers(logger?: Logger): Promise<number> {
  const removed = await removeLeftovers(tmpdir(), MANIFEST_SPOOL_PREFIX);
  if (removed > 0) logger?.info({ removed, folder: tmpdir() }, 'removed temporary manifest folders of processes that died');
  return removed;
}
