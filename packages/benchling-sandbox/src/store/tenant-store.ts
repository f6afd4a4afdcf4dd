import path from 'node:path';
import { acquireLock, ensureDirectory, type FileLock, type LockWait, readIfExists, removeStaleTempFiles, writeFileDurably } from './durable-file.js';
import { COLLECTIONS, type CollectionName, LATER_COLLECTIONS, type TenantData } from './types.js';

export const STORE_FORMAT_VERSION = 1;

export interface StoreLimits {
  /** most records one collection may hold (the tenant lives in memory, so this bounds memory) */
  maxRecordsPerCollection: number;
  /** largest the serialised tenant may grow; each write rewrites the whole file, so this also bounds write cost */
  maxFileBytes: number;
  /** writes waiting for their turn; each holds its request's data, so an unbounded queue is unbounded memory */
  maxPendingWrites: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  maxRecordsPerCollection: 10_000,
  maxFileBytes: 32 * 1024 * 1024,
  maxPendingWrites: 64,
};

/** A write the store refused because it would exceed a limit; the caller's request, not the server, is at fault. */
export class StoreLimitError extends Error {
  override readonly name = 'StoreLimitError';
}

/** Too many writes are queued; the client should retry shortly. */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
}

/** The data file exists but cannot be used; starting anyway (e.g. reseeding) would destroy the tenant. */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
}

type RecordOf<C extends CollectionName> = TenantData[C][number];

/** An immutable view of the tenant; a request reads one snapshot throughout, so it never sees a half-applied write. */
export class Snapshot {
  private readonly indexes = new Map<CollectionName, Map<string, unknown>>();

  constructor(
    readonly data: Readonly<TenantData>,
    inherited?: Map<CollectionName, Map<string, unknown>>,
  ) {
    if (inherited) for (const [k, v] of inherited) this.indexes.set(k, v);
  }

  all<C extends CollectionName>(collection: C): readonly RecordOf<C>[] {
    return this.data[collection] as RecordOf<C>[];
  }

  get<C extends CollectionName>(collection: C, id: string): RecordOf<C> | undefined {
    return this.index(collection).get(id) as RecordOf<C> | undefined;
  }

  /** Built on first use and carried over to later snapshots for collections a write did not touch. */
  index(collection: CollectionName): Map<string, unknown> {
    let index = this.indexes.get(collection);
    if (!index) {
      index = new Map((this.data[collection] as { id: string }[]).map((r) => [r.id, r]));
      this.indexes.set(collection, index);
    }
    return index;
  }

  indexesExcept(touched: Set<CollectionName>): Map<CollectionName, Map<string, unknown>> {
    const kept = new Map<CollectionName, Map<string, unknown>>();
    for (const [k, v] of this.indexes) if (!touched.has(k)) kept.set(k, v);
    return kept;
  }
}

/** What a write may do: read the latest state, add records, bump counters. */
export interface Transaction {
  readonly snapshot: Snapshot;
  insert<C extends CollectionName>(collection: C, record: RecordOf<C>): void;
  /** replaces the record with the same id (which must exist) */
  update<C extends CollectionName>(collection: C, record: RecordOf<C>): void;
  /** next value of a persisted counter (display ids, registry ids) */
  nextEntryDisplayNumber(): number;
  nextRegistryNumber(prefix: string): number;
}

export interface TenantStoreOptions {
  file: string;
  /** builds the initial tenant when the file does not exist yet */
  seed: () => TenantData;
  limits?: Partial<StoreLimits>;
  /** Wait for the file's lock while another live process holds it (default: fail at once). */
  lockWait?: LockWait;
}

/**
 * The sandbox's embedded store: the whole (small, capped) tenant in memory, persisted as one JSON file that is
 * rewritten durably on every write before the write is acknowledged. Writes are serialised through a queue so
 * each one starts from the state the previous one left.
 */
export class TenantStore {
  private current: Snapshot;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private closed = false;
  private lastWriteBytes: number;

  private constructor(
    readonly file: string,
    data: TenantData,
    bytes: number,
    readonly limits: StoreLimits,
    private readonly lock: FileLock,
    /** true when this start created the file from the seed */
    readonly seeded: boolean,
  ) {
    this.current = new Snapshot(data);
    this.lastWriteBytes = bytes;
  }

  static async open(options: TenantStoreOptions): Promise<TenantStore> {
    const limits = { ...DEFAULT_STORE_LIMITS, ...options.limits };
    const file = path.resolve(options.file);
    await ensureDirectory(path.dirname(file));
    const lock = await acquireLock(`${file}.lock`, options.lockWait);
    try {
      await removeStaleTempFiles(file);
      const text = await readIfExists(file);
      if (text === undefined) {
        const data = options.seed();
        const serialised = serialise(data);
        await writeFileDurably(file, serialised);
        return new TenantStore(file, data, Buffer.byteLength(serialised), limits, lock, true);
      }
      const data = parseTenantFile(file, text);
      const missing = LATER_COLLECTIONS.filter((c) => !Array.isArray(data[c]));
      if (missing.length === 0) return new TenantStore(file, data, Buffer.byteLength(text), limits, lock, false);
      const seed = options.seed();
      const upgraded = { ...data, ...Object.fromEntries(missing.map((c) => [c, seed[c]])) } as TenantData;
      const serialised = serialise(upgraded);
      await writeFileDurably(file, serialised);
      return new TenantStore(file, upgraded, Buffer.byteLength(serialised), limits, lock, false);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /**
   * Runs `fn` against the latest state and makes its inserts durable before resolving. If `fn` throws, or the
   * write fails, nothing changes. Readers keep seeing the previous snapshot until the file is on disk.
   */
  mutate<T>(fn: (tx: Transaction) => T): Promise<T> {
    if (this.pending >= this.limits.maxPendingWrites) {
      return Promise.reject(new StoreBusyError(`${this.pending} writes are already queued; retry shortly.`));
    }
    this.pending++;
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('the sandbox store is closed');
      const base = this.current;
      const inserts = new Map<CollectionName, unknown[]>();
      const updates = new Map<CollectionName, Map<string, unknown>>();
      const counters = structuredClone(base.data.counters);
      const tx: Transaction = {
        snapshot: base,
        insert: (collection, record) => {
          const list = inserts.get(collection) ?? [];
          list.push(record);
          inserts.set(collection, list);
        },
        update: (collection, record) => {
          const id = (record as { id: string }).id;
          if (!base.get(collection, id)) throw new Error(`update of a missing ${collection} record ${id}`);
          const changed = updates.get(collection) ?? new Map<string, unknown>();
          changed.set(id, record);
          updates.set(collection, changed);
        },
        nextEntryDisplayNumber: () => ++counters.entryDisplayId,
        nextRegistryNumber: (prefix) => (counters.registry[prefix] = (counters.registry[prefix] ?? 0) + 1),
      };
      const result = fn(tx);
      const next: TenantData = { ...base.data, counters };
      for (const [collection, changed] of updates) {
        (next as unknown as Record<string, unknown[]>)[collection] = (base.data[collection] as { id: string }[]).map((r) => changed.get(r.id) ?? r);
      }
      for (const [collection, records] of inserts) {
        const merged = [...((next as unknown as Record<string, unknown[]>)[collection] as unknown[]), ...records];
        if (merged.length > this.limits.maxRecordsPerCollection) {
          throw new StoreLimitError(`The sandbox holds at most ${this.limits.maxRecordsPerCollection} ${collection}; this tenant is full.`);
        }
        (next as unknown as Record<string, unknown[]>)[collection] = merged;
      }
      const serialised = serialise(next);
      const bytes = Buffer.byteLength(serialised);
      if (bytes > this.limits.maxFileBytes) {
        throw new StoreLimitError(`The sandbox tenant may hold at most ${this.limits.maxFileBytes} bytes of data; this write would exceed it.`);
      }
      await writeFileDurably(this.file, serialised);
      this.lastWriteBytes = bytes;
      this.current = new Snapshot(next, base.indexesExcept(new Set([...inserts.keys(), ...updates.keys()])));
      return result;
    };
    const done = this.queue.then(run, run).finally(() => this.pending--);
    // The queue only orders writes; one failed write must not fail the ones queued after it.
    this.queue = done.catch(() => undefined);
    return done;
  }

  stats(): { file: string; bytes: number; records: Record<CollectionName, number> } {
    const records = Object.fromEntries(COLLECTIONS.map((c) => [c, this.current.data[c].length])) as Record<CollectionName, number>;
    return { file: this.file, bytes: this.lastWriteBytes, records };
  }

  /** Waits for queued writes, then releases the data file for another process. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.lock.release();
  }
}

function serialise(data: TenantData): string {
  return `${JSON.stringify({ formatVersion: STORE_FORMAT_VERSION, tenant: data })}\n`;
}

function parseTenantFile(file: string, text: string): TenantData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StoreCorruptError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it (removing reseeds the demo tenant)`);
  }
  const doc = parsed as { formatVersion?: unknown; tenant?: Partial<TenantData> };
  if (doc?.formatVersion !== STORE_FORMAT_VERSION) {
    throw new StoreCorruptError(`${file} has format version ${String(doc?.formatVersion)}; this sandbox reads version ${STORE_FORMAT_VERSION}`);
  }
  const tenant = doc.tenant;
  if (!tenant || typeof tenant !== 'object') throw new StoreCorruptError(`${file} has no tenant`);
  for (const collection of COLLECTIONS) {
    const list = tenant[collection];
    if (list === undefined && LATER_COLLECTIONS.includes(collection)) continue;
    if (!Array.isArray(list) || !list.every((r) => typeof (r as { id?: unknown })?.id === 'string')) {
      throw new StoreCorruptError(`${file}: tenant.${collection} must be a list of records with string ids`);
    }
  }
  if (typeof tenant.tokenSecret !== 'string' || tenant.tokenSecret.length < 16) throw new StoreCorruptError(`${file}: tenant.tokenSecret is missing`);
  if (typeof tenant.registryId !== 'string') throw new StoreCorruptError(`${file}: tenant.registryId is missing`);
  if (!tenant.counters || typeof tenant.counters.entryDisplayId !== 'number') throw new StoreCorruptError(`${file}: tenant.counters is missing`);
  return tenant as TenantData;
}
