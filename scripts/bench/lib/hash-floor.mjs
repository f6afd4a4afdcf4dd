// The hashing floor: what N threads get from a file when each does only what quilt-mcp's hashing threads do per
// part (chunk-hash-worker.ts: positional reads of 256 KiB into one buffer, SHA-256 of each piece, parts of 8 MiB
// taken in turn), with no server, pool, messages or manifest. The tools cannot beat it on the same machine, so the
// report can say how much of what the hardware allows this way they reach. Plain JavaScript, run as its own process
// (`node hash-floor.mjs <file> <threads> <passes>`); prints one JSON line: { threads, bytes, passes: [{ ms, cpuMs }] }.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const PART = 8 * 1024 * 1024;
const PIECE = 256 * 1024;

if (isMainThread) {
  const [file, threadArg = '2', passArg = '3'] = process.argv.slice(2);
  if (!file) throw new Error('usage: hash-floor.mjs <file> <threads> <passes>');
  const threads = Number(threadArg);
  const bytes = statSync(file).size;
  const parts = Math.ceil(bytes / PART);
  // Started once and reused, as the tools' pool is: starting threads is not part of the floor.
  const workers = Array.from(
    { length: threads },
    (_, first) => new Worker(new URL(import.meta.url), { workerData: { file, first, step: threads, parts, bytes } }),
  );
  const pass = () =>
    Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage('go');
          }),
      ),
    );
  const passes = [];
  for (let i = 0; i < Number(passArg); i++) {
    const began = performance.now();
    const cpu = process.cpuUsage();
    await pass();
    const used = process.cpuUsage(cpu);
    passes.push({ ms: performance.now() - began, cpuMs: (used.user + used.system) / 1000 });
  }
  for (const worker of workers) await worker.terminate();
  process.stdout.write(`${JSON.stringify({ threads, bytes, passes })}\n`);
} else {
  const { file, first, step, parts, bytes } = workerData;
  const fd = openSync(file, 'r');
  const piece = Buffer.allocUnsafeSlow(PIECE);
  parentPort.on('message', () => {
    for (let part = first; part < parts; part += step) {
      const sha = createHash('sha256');
      const end = Math.min(bytes, (part + 1) * PART);
      for (let at = part * PART; at < end; ) {
        const n = readSync(fd, piece, 0, Math.min(PIECE, end - at), at);
        if (n === 0) throw new Error(`${file} ended at ${at}`);
        sha.update(piece.subarray(0, n));
        at += n;
      }
      sha.digest();
    }
    parentPort.postMessage('done');
  });
  process.once('exit', () => closeSync(fd));
}
