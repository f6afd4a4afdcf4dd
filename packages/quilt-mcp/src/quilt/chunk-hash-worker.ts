/**
 * A hashing thread of the chunk-hash pool (chunk-hash-pool.ts): SHA-256 of one `sha2-256-chunked` part per job,
 * so that the server's event loop never runs the hash itself and parts of one file are hashed on every core.
 *
 * Two kinds of job:
 * - `fd`: a part of a local file the main thread opened (file descriptors belong to the process, so this thread
 *   can read it). The thread reads the part itself with positional reads into its one reusable buffer, a piece
 *   at a time, hashing each piece as it arrives: no bytes cross threads, any part size works (files over ~78 GiB
 *   have parts of 16 MiB and more), and a piece small enough to stay in the core's cache is hashed from there
 *   rather than from memory (measured: 256 KiB pieces hash ~10% faster than whole 8 MiB parts). Between pieces it
 *   looks at the job's cancel flag.
 * - `bytes`: a part the main thread already holds (read from S3 with a ranged GET), moved here by transfer (no
 *   copy) and moved back with the digest, so the pool can reuse the buffer.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

export interface FdJob {
  kind: 'fd';
  id: number;
  fd: number;
  offset: number;
  length: number;
  /** Non-zero once the hash this part belongs to was given up. */
  cancel: Int32Array;
}

export interface BytesJob {
  kind: 'bytes';
  id: number;
  buffer: ArrayBuffer;
  length: number;
  cancel: Int32Array;
}

export type WorkerJob = FdJob | BytesJob;

export type WorkerReply =
  | { id: number; digest: Uint8Array; buffer?: ArrayBuffer }
  | { id: number; cancelled: true; buffer?: ArrayBuffer }
  /** The file ended `bytesRead` bytes into the part (it shrank, or the declared size was wrong). */
  | { id: number; short: true; bytesRead: number; buffer?: undefined }
  | { id: number; error: { message: string; code?: string }; buffer?: ArrayBuffer };

const port = parentPort;
if (port === null) throw new Error('chunk-hash-worker runs as a worker thread');
const { readPieceBytes: pieceBytes, nice } = workerData as { readPieceBytes: number; nice: number };
// Requests come first: with a thread per core, hashing would otherwise take turns with the event loop that answers
// them. On Linux a nice value belongs to the thread (setpriority on "this process" sets the calling thread's), so
// this lowers only this thread; it changes nothing while the cores are not contended. Raising a nice value needs
// no privilege; where it is refused, the thread runs at the normal priority.
try {
  os.setPriority(nice);
} catch {
  // not permitted or not supported
}
/** Allocated on the first `fd` job; the pool ends idle workers, which frees it. */
let piece: Buffer | undefined;

function hashFdPart(job: FdJob): WorkerReply {
  piece ??= Buffer.allocUnsafeSlow(pieceBytes);
  const sha = createHash('sha256');
  let position = job.offset;
  let left = job.length;
  while (left > 0) {
    if (Atomics.load(job.cancel, 0) !== 0) return { id: job.id, cancelled: true };
    const want = Math.min(left, pieceBytes);
    let got = 0;
    while (got < want) {
      const n = readSync(job.fd, piece, got, want - got, position + got);
      if (n === 0) return { id: job.id, short: true, bytesRead: position + got - job.offset };
      got += n;
    }
    sha.update(piece.subarray(0, want));
    position += want;
    left -= want;
  }
  // A copy of exactly 32 bytes: posting a view clones its whole backing store.
  return { id: job.id, digest: new Uint8Array(sha.digest()) };
}

port.on('message', (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    if (job.kind === 'fd') reply = hashFdPart(job);
    else if (Atomics.load(job.cancel, 0) !== 0) reply = { id: job.id, cancelled: true, buffer: job.buffer };
    else
      reply = {
        id: job.id,
        digest: new Uint8Array(
          createHash('sha256')
            .update(new Uint8Array(job.buffer, 0, job.length))
            .digest(),
        ),
        buffer: job.buffer,
      };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = {
      id: job.id,
      error: { message: e.message, ...(e.code === undefined ? {} : { code: e.code }) },
      ...(job.kind === 'bytes' ? { buffer: job.buffer } : {}),
    };
  }
  port.postMessage(reply, reply.buffer === undefined ? [] : [reply.buffer]);
});
