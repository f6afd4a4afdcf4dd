/**
 * package_update's merge: the base revision's records with the update's edits applied, in walk order, as the items
 * of the new revision. One merge serves each round of the write and the dry run, so both count, refuse and check the
 * workflow's entries_schema alike.
 */
import { ToolError } from '@labmcp/service-kit';
import {
  compareLogicalKeys,
  type JsonObject,
  type ManifestEntry,
  type ManifestItem,
  type ManifestRecord,
  WalkOrderGuard,
  withUpdates,
} from '../quilt/index.js';
import { MAX_WORKFLOW_ENTRIES, type WorkflowCheck } from '../registry/index.js';

export interface UpdateEdits {
  /** Entries added or replaced, in walk order: built (hashed), or on a dry run planned (no hash). */
  adds: ManifestEntry[];
  /** Logical keys removed. */
  removeExact: Set<string>;
  /** "folder/" keys: every entry (and directory record) under them is removed. */
  removePrefixes: string[];
  /** Entries whose user metadata alone is replaced. */
  metaOnly: Map<string, JsonObject>;
}

export interface UpdateChanges {
  added: number;
  replaced: number;
  removed: number;
  meta_updated: number;
}

/** One change as the merge makes it. */
export type UpdateChange = { kind: 'added' | 'replaced'; entry: ManifestEntry } | { kind: 'removed' | 'meta_updated'; logicalKey: string };

export interface MergeOptions {
  /** The base as a refusal names it ("user/pkg@0123456789ab"). */
  base: string;
  /** Its entries_schema (if any) is checked on every entry of the new revision, after the last. */
  workflow: WorkflowCheck | undefined;
  onChange?: (change: UpdateChange) => void;
  /**
   * Check the walk order of the new revision's entries, as the manifest writer does (a dry run, which writes no
   * manifest, refuses alike: an added key under an existing file, "a.csv/x", or a file where a folder was). A write
   * leaves it to the writer, rather than checking every entry twice.
   */
  checkWalkOrder?: boolean;
}

export function noChanges(): UpdateChanges {
  return { added: 0, replaced: 0, removed: 0, meta_updated: 0 };
}

/**
 * Yields the new revision's items and counts the changes into `counted` as it goes. After the last record it
 * refuses (not_found) a removed key or prefix, or a metadata-only key, that the base does not have, and then a
 * refusal of the entries_schema: a writer's write fails (and is undone), a dry run is refused the same way.
 */
export async function* mergeUpdate(
  records: AsyncIterable<ManifestRecord>,
  edits: UpdateEdits,
  counted: UpdateChanges,
  options: MergeOptions,
): AsyncGenerator<ManifestItem> {
  const { adds, removeExact, removePrefixes, metaOnly } = edits;
  const removedSeen = new Set<string>();
  const prefixSeen = new Set<string>();
  const metaSeen = new Set<string>();
  const underRemoved = (key: string) => removePrefixes.find((p) => key.startsWith(p));
  const changed = (change: UpdateChange) => options.onChange?.(change);
  // entries_schema needs every entry of the new revision: gathered as they are yielded, checked at the end.
  const forSchema: ManifestEntry[] | undefined = options.workflow?.hasEntriesSchema ? [] : undefined;
  const order = options.checkWalkOrder ? new WalkOrderGuard() : undefined;
  const keep = (entry: ManifestEntry): ManifestItem => {
    order?.accept(entry.logical_key);
    if (forSchema !== undefined) {
      if (forSchema.length >= MAX_WORKFLOW_ENTRIES) {
        throw new ToolError(`The workflow's entries_schema is checked for at most ${MAX_WORKFLOW_ENTRIES} entries; this revision has more.`, 'too_large');
      }
      forSchema.push(entry);
    }
    return { entry };
  };
  const add = (entry: ManifestEntry, kind: 'added' | 'replaced'): ManifestItem => {
    counted[kind]++;
    changed({ kind, entry });
    return keep(entry);
  };

  let i = 0;
  for await (const record of records) {
    if (record.kind === 'directory') {
      if (underRemoved(record.directory.logical_key) === undefined) yield { directory: record.directory };
      continue;
    }
    if (record.kind !== 'entry') continue;
    const entry = record.entry;
    while (i < adds.length && compareLogicalKeys((adds[i] as ManifestEntry).logical_key, entry.logical_key) < 0) {
      yield add(adds[i++] as ManifestEntry, 'added');
    }
    if (i < adds.length && (adds[i] as ManifestEntry).logical_key === entry.logical_key) {
      yield add(adds[i++] as ManifestEntry, 'replaced');
      const prefix = underRemoved(entry.logical_key);
      if (prefix !== undefined) prefixSeen.add(prefix);
      continue;
    }
    if (removeExact.has(entry.logical_key)) {
      removedSeen.add(entry.logical_key);
      counted.removed++;
      changed({ kind: 'removed', logicalKey: entry.logical_key });
      continue;
    }
    const prefix = underRemoved(entry.logical_key);
    if (prefix !== undefined) {
      prefixSeen.add(prefix);
      counted.removed++;
      changed({ kind: 'removed', logicalKey: entry.logical_key });
      continue;
    }
    const userMeta = metaOnly.get(entry.logical_key);
    if (userMeta !== undefined) {
      metaSeen.add(entry.logical_key);
      counted.meta_updated++;
      changed({ kind: 'meta_updated', logicalKey: entry.logical_key });
      yield keep({ ...entry, meta: withUpdates(entry.meta, [['user_meta', userMeta]]) });
      continue;
    }
    yield keep(entry);
  }
  while (i < adds.length) yield add(adds[i++] as ManifestEntry, 'added');
  const missing = [
    ...[...removeExact].filter((k) => !removedSeen.has(k)),
    ...removePrefixes.filter((p) => !prefixSeen.has(p)),
    ...[...metaOnly.keys()].filter((k) => !metaSeen.has(k)),
  ];
  if (missing.length > 0) {
    throw new ToolError(
      `${options.base} has no ${missing.map((k) => JSON.stringify(k)).join(', ')} (package_browse lists its files); nothing was changed.`,
      'not_found',
    );
  }
  if (forSchema !== undefined) options.workflow?.checkEntries(forSchema);
}
