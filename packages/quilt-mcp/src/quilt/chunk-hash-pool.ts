/**
 * A small pool of hashing threads (chunk-hash-worker.ts), one per core, shared by every hash in the process.
 *
 * Why threads: SHA-256 is CPU work; run on the event loop, a 1 GiB file blocks every other request of the
 * server for seconds and uses one core. Node's hash calls are synchronous, so parallelism needs threads.
 *
 * Bounds: at most one job runs per thread; jobs wait in a FIFO queue holding only descriptors (offsets, a file
 * descriptor) — callers bound how many they queue. Bytes that must cross threads (S3 ranged reads) live in a fixed
 * set of part-sized buffers, lent out by `acquireBuffer` and moved to a thread and back without copies, so the
 * memory hashing can use is `threads × 256 KiB` (file parts, read by the threads themselves) plus
 * `buffers × 8 MiB` (S3), whatever the number of files or callers.
 *
 * Threads start on first use and end after a while idle (their memory returns), and are unref'd whenever the pool
 * is idle, so the pool never keeps a process alive.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BytesJob, FdJob, WorkerReply } from './chunk-hash-worker.js';

/** The size of a lent buffer: the `sha2-256-chunked` minimum part. */
export const PIECE_BYTES = 8 * 1024 * 1024;
/** What a thread reads from a file at once (its only buffer): small enough to hash from the core's cache. */
export const READ_PIECE_BYTES = 256 * 1024;
const MAX_THREADS = 8;
/** The hashing threads' nice value (0 normal … 19 lowest): below the event loop, so requests are answered first. */
const THREAD_NICE = 10;
const MIN_BUFFERS = 8;
/** Idle threads end after this long (the next hash starts them again in a few ms). */
const IDLE_MS = 30_000;

export type JobInput = Omit<FdJob, 'id'> | Omit<BytesJob, 'id'>;

export type JobResult = { kind: 'digest'; digest: Uint8Array } | { kind: 'short'; bytesRead: number } | { kind: 'cancelled' };

export class HashJobError extends Error {
  override readonly name = 'HashJobError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Pending {
  id: number;
  job: JobInput;
  resolve: (result: JobResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  running: Pending | undefined;
}

// Built, the worker is beside this module. Run from source under tsx (tests, scripts), this module is
// src/quilt/chunk-hash-pool.ts, and a worker thread cannot load TypeScript (tsx's loader does not reach worker
// threads on Node 20): the thread runs the built worker, which `tsc -b` (run by `npm test`) keeps current.
const workerUrl = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/quilt/chunk-hash-worker.js', import.meta.url)
  : new URL('./chunk-hash-worker.js', import.meta.url);

export class ChunkHashPool {
  readonly threads: number;
  /** How many part buffers may be lent out at once (S3 reads in flight). */
  readonly buffers: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly freeBuffers: ArrayBuffer[] = [];
  private lent = 0;
  private readonly bufferWaiters: { resolve: (b: ArrayBuffer) => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(options: { threads?: number; buffers?: number } = {}) {
    // One per core, at most 8: past that a hash is limited by reads, and the S3 buffers (below) stay <= 128 MiB.
    this.threads = Math.max(1, options.threads ?? Math.min(os.availableParallelism(), MAX_THREADS));
    // Two buffers per thread keep every thread busy while the next parts download; at least 8 so a few
    // ranged GETs are in flight on a small machine, where S3 latency rather than CPU is the limit.
    this.buffers = Math.max(1, options.buffers ?? Math.max(2 * this.threads, MIN_BUFFERS));
  }

  /** Runs one job on the next free thread. Rejects with HashJobError when the thread reports a read error. */
  run(job: JobInput): Promise<JobResult> {
    return new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.pump();
    });
  }

  /** Drops the queued (not yet running) jobs of a hash that was given up: they resolve `cancelled`. */
  drop(cancel: Int32Array): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pending = this.queue[i] as Pending;
      if (pending.job.cancel !== cancel) continue;
      this.queue.splice(i, 1);
      if (pending.job.kind === 'bytes') this.releaseBuffer(pending.job.buffer);
      pending.resolve({ kind: 'cancelled' });
    }
  }

  /** A part-sized buffer to read into; waits while all are lent out. Give it back with `releaseBuffer`. */
  acquireBuffer(signal?: AbortSignal): Promise<ArrayBuffer> {
    signal?.throwIfAborted();
    if (this.lent < this.buffers) {
      this.lent++;
      return Promise.resolve(this.freeBuffers.pop() ?? new ArrayBuffer(PIECE_BYTES));
    }
    return new Promise<ArrayBuffer>((resolve, reject) => {
      const waiter: (typeof this.bufferWaiters)[number] = { resolve, reject };
      if (signal !== undefined) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const at = this.bufferWaiters.indexOf(waiter);
          if (at >= 0) this.bufferWaiters.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.bufferWaiters.push(waiter);
    });
  }

  releaseBuffer(buffer: ArrayBuffer): void {
    // A buffer that went to a thread and did not come back (the thread died) is detached: replace it.
    const usable = buffer.byteLength === PIECE_BYTES ? buffer : new ArrayBuffer(PIECE_BYTES);
    const waiter = this.bufferWaiters.shift();
    if (waiter !== undefined) {
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(usable);
      return;
    }
    this.lent--;
    this.freeBuffers.push(usable);
  }

  /** For tests and the benchmark: what the pool holds right now. */
  stats(): { threads: number; busy: number; queued: number; lentBuffers: number; freeBuffers: number } {
    return {
      threads: this.slots.length,
      busy: this.slots.filter((s) => s.running !== undefined).length,
      queued: this.queue.length,
      lentBuffers: this.lent,
      freeBuffers: this.freeBuffers.length,
    };
  }

  /** Ends every thread now (queued and running jobs fail). The pool starts new ones if used again. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const slots = this.slots.splice(0);
    const closed = new HashJobError('The hashing pool was closed');
    for (const pending of this.queue.splice(0)) {
      if (pending.job.kind === 'bytes') this.releaseBuffer(pending.job.buffer);
      pending.reject(closed);
    }
    for (const slot of slots) {
      const pending = slot.running;
      slot.running = undefined;
      if (pending === undefined) continue;
      if (pending.job.kind === 'bytes') this.releaseBuffer(pending.job.buffer);
      pending.reject(closed);
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
    this.freeBuffers.length = 0;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.running === undefined);
      if (slot === undefined) {
        if (this.slots.length >= this.threads) return;
        slot = this.spawn();
      }
      const pending = this.queue.shift() as Pending;
      slot.running = pending;
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      slot.worker.ref();
      const message = { ...pending.job, id: pending.id };
      slot.worker.postMessage(message, pending.job.kind === 'bytes' ? [pending.job.buffer] : []);
    }
  }

  private spawn(): Slot {
    // No inherited flags: the worker is plain built JavaScript, and some flags (--input-type, loaders) break it.
    const worker = new Worker(workerUrl, { workerData: { readPieceBytes: READ_PIECE_BYTES, nice: THREAD_NICE }, name: 'labmcp-hash', execArgv: [] });
    const slot: Slot = { worker, running: undefined };
    worker.on('message', (reply: WorkerReply) => this.settle(slot, reply));
    // A thread that fails outside a job's try (it cannot load, runs out of memory) takes its job with it.
    const lost = (err: Error) => {
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      const pending = slot.running;
      slot.running = undefined;
      if (pending !== undefined) {
        if (pending.job.kind === 'bytes') this.releaseBuffer(pending.job.buffer);
        pending.reject(new HashJobError(`A hashing thread failed: ${err.message}`));
      }
      this.pump();
      this.maybeIdle();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) lost(new Error(`it exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const pending = slot.running;
    slot.running = undefined;
    if ('buffer' in reply && reply.buffer !== undefined) this.releaseBuffer(reply.buffer);
    if (pending !== undefined && pending.id === reply.id) {
      if ('digest' in reply) pending.resolve({ kind: 'digest', digest: reply.digest });
      else if ('short' in reply) pending.resolve({ kind: 'short', bytesRead: reply.bytesRead });
      else if ('cancelled' in reply) pending.resolve({ kind: 'cancelled' });
      else pending.reject(new HashJobError(reply.error.message, reply.error.code));
    }
    this.pump();
    this.maybeIdle();
  }

  private maybeIdle(): void {
    if (this.queue.length > 0 || this.slots.some((s) => s.running !== undefined)) return;
    for (const slot of this.slots) slot.worker.unref();
    if (this.idleTimer === undefined && this.slots.length > 0) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.queue.length === 0 && this.slots.every((s) => s.running === undefined)) void this.close();
      }, IDLE_MS);
      this.idleTimer.unref();
    }
  }
}

let shared: ChunkHashPool | undefined;

/** The process's pool, one thread per core (at most 8). */
export function chunkHashPool(): ChunkHashPool {
  shared ??= new ChunkHashPool();
  return shared;
}
