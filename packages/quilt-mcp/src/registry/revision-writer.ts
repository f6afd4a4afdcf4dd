/**
 * One package write, from first object to `latest`, as one protocol (see packages/quilt-mcp/README.md, "Writing"):
 *
 * 1. A write record is saved (write-journal.ts) naming the objects the write will create.
 * 2. New objects (inline texts) go to keys no revision references: `<package>/.inline/<write id>/<logical key>`,
 *    unique to this write; on a versioned bucket the physical key also carries the version S3 gave them.
 * 3. The manifest is spooled locally (its top hash is its name), the record notes it, and it is created only if
 *    absent: an existing manifest is never replaced, also not by one with the same top hash and other keys.
 * 4. `commitRevision` claims a free timestamp pointer (the record notes it) and moves `latest` if the
 *    commit's condition still holds, atomically; a lost condition releases the pointer and reports a conflict.
 * 5. The record is removed. Any failure before that undoes what the record lists.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@labmcp/service-kit';
import {
  type CommitCondition,
  forEachLimit,
  type ManifestHeader,
  type ManifestItem,
  type ManifestSummary,
  type ObjectStorage,
  type Registry,
} from '../quilt/index.js';
import { checkObjectKey } from './object-keys.js';
import { journalKey, type KeyOf, newJournal, removeUnreferencedObjects, saveJournal, undoWrite, type WriteJournal } from './write-journal.js';

/** New objects written at once (each is small: inline texts are bounded per call). */
const WRITE_CONCURRENCY = 8;

export interface NewObject {
  logicalKey: string;
  bytes: Buffer;
  contentType: string;
}

/** New objects a revision needs, and how their physical keys reach its entries once they are written. */
export interface PendingObjects {
  newObjects: NewObject[];
  /** Sets the physical keys of the new objects' entries, in `newObjects` order. */
  attach: (physicalKeys: string[]) => void;
}

export interface RevisionWriterParts {
  registry: Registry;
  storage: ObjectStorage;
  name: string;
  /** The physical key to write into manifests for a key of the store (with its version, on a versioned bucket). */
  physicalKey: (key: string, versionId?: string) => string;
  keyOf: KeyOf;
  logger?: Logger | undefined;
}

export interface CommittedRevision extends ManifestSummary {
  timestamp: number;
  /** False when an identical manifest (same top hash) was already stored and is reused. */
  manifestCreated: boolean;
}

/** A sortable, unique name for one write: its start time (UTC, to the second) and 64 random bits. */
function newWriteId(): string {
  const time = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${time}-${randomBytes(8).toString('hex')}`;
}

export class RevisionWriter {
  private finished = false;
  /** Whether the last commit stored its own manifest (false: an identical one was there already). */
  private lastManifestCreated = true;

  private constructor(
    private readonly parts: RevisionWriterParts,
    private readonly journal: WriteJournal,
  ) {}

  /** Starts a write of `objects` (not yet written) into package `name`; its record is saved before anything else. */
  static async begin(parts: RevisionWriterParts, objects: NewObject[]): Promise<{ writer: RevisionWriter; keys: string[] }> {
    const id = newWriteId();
    const keys = objects.map((o) => `${parts.name}/.inline/${id}/${o.logicalKey}`);
    for (const key of keys) checkObjectKey(key);
    const journal = newJournal(id, parts.name, keys);
    await saveJournal(parts.storage, journal);
    return { writer: new RevisionWriter(parts, journal), keys };
  }

  get id(): string {
    return this.journal.id;
  }

  /** Writes the new objects (each to its own new key) and returns their physical keys, in the order given. */
  async writeObjects(objects: NewObject[], keys: string[]): Promise<string[]> {
    const physical = new Array<string>(objects.length);
    await forEachLimit(objects, WRITE_CONCURRENCY, async (object, k) => {
      const key = keys[k] as string;
      const put = await this.parts.storage.put(key, object.bytes, { contentType: object.contentType });
      physical[k] = this.parts.physicalKey(key, put.versionId);
    });
    return physical;
  }

  /**
   * Stores the manifest of `header` and `items` (unless an identical one exists) and commits it as a revision
   * under `condition`. May be called again after a conflict, with other items (a rebased update).
   */
  async commit(header: ManifestHeader, items: Iterable<ManifestItem> | AsyncIterable<ManifestItem>, condition: CommitCondition): Promise<CommittedRevision> {
    const { registry, storage, name } = this.parts;
    const spooled = await registry.spoolManifest(header, items);
    try {
      if (!this.journal.manifests.includes(spooled.topHash)) {
        this.journal.manifests.push(spooled.topHash);
        await saveJournal(storage, this.journal);
      }
      const { created } = await spooled.store();
      const { timestamp } = await registry.commitRevision(name, spooled.topHash, condition, {
        onPointer: async (claimed) => {
          this.journal.pointer = claimed;
          await saveJournal(storage, this.journal);
        },
      });
      this.lastManifestCreated = created;
      const { store: _store, dispose: _dispose, ...summary } = spooled;
      return { ...summary, timestamp, manifestCreated: created };
    } catch (err) {
      // commitRevision released its pointer on failure; the record must not name it any more.
      delete this.journal.pointer;
      throw err;
    } finally {
      await spooled.dispose();
    }
  }

  /** The write committed: its record goes. Should that fail, the record is marked committed so no sweep undoes it. */
  async finish(): Promise<void> {
    this.finished = true;
    if (!this.lastManifestCreated && this.journal.objects.length > 0) {
      // The revision reuses an identical manifest that points at other copies: ours are referenced by nothing.
      await removeUnreferencedObjects(this.parts.registry, this.journal, this.parts.keyOf).catch((err: unknown) => {
        this.parts.logger?.warn({ err, write: this.journal.id }, 'could not remove unreferenced objects of a write');
      });
    }
    try {
      await this.parts.storage.delete(journalKey(this.journal.id));
    } catch (err) {
      this.parts.logger?.warn({ err, write: this.journal.id }, 'could not remove the record of a committed write; marking it committed');
      this.journal.committed = true;
      await saveJournal(this.parts.storage, this.journal).catch((again: unknown) => {
        this.parts.logger?.error({ err: again, write: this.journal.id }, 'could not mark a committed write; a sweep may treat it as unfinished');
      });
    }
  }

  /** The write failed: undo what its record lists (best effort; a sweep finishes what this cannot). */
  async abandon(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      await undoWrite(this.parts.registry, this.journal, this.parts.keyOf);
    } catch (err) {
      this.parts.logger?.warn({ err, write: this.journal.id }, 'could not undo a failed package write; the next sweep will');
    }
  }
}
