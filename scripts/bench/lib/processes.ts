// Starting and, above all, reliably stopping what the benchmark runs: every child, nginx, PM2 daemons, temp dirs,
// on success, on failure and on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { alive, processTree } from './procfs.js';
import { log, sleep } from './util.js';

type Cleanup = { name: string; run: () => Promise<void>; pids: () => number[] };
const cleanups: Cleanup[] = [];
let keepTemp = false;

export function setKeepTemp(value: boolean): void {
  keepTemp = value;
}

/** Registers something to undo; returns a function that undoes it now (and only once). */
export function onCleanup(name: string, run: () => Promise<void>, pids: () => number[] = () => []): () => Promise<void> {
  const entry: Cleanup = { name, run, pids };
  cleanups.push(entry);
  let done: Promise<void> | undefined;
  return () => {
    if (!done) {
      const index = cleanups.indexOf(entry);
      if (index >= 0) cleanups.splice(index, 1);
      done = run().catch((err: unknown) => log(`cleanup of ${name} failed: ${(err as Error).message}`));
    }
    return done;
  };
}

/** Undoes everything still registered, newest first. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop()!;
    await entry.run().catch((err: unknown) => log(`cleanup of ${entry.name} failed: ${(err as Error).message}`));
  }
}

/** Last resort when the process is exiting right now and nothing async can run: SIGKILL every pid we own. */
function killEverythingSync(): void {
  for (const entry of cleanups) {
    for (const pid of entry.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

let interrupted = false;
export function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      log(`${signal} again: killing everything now`);
      killEverythingSync();
      process.exit(130);
    }
    interrupted = true;
    log(`${signal}: stopping everything the benchmark started (press Ctrl-C again to force)`);
    const force = setTimeout(() => {
      killEverythingSync();
      process.exit(130);
    }, 30_000);
    force.unref();
    void cleanupAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', killEverythingSync);
}

export function isInterrupted(): boolean {
  return interrupted;
}

/** A temp dir removed at cleanup (unless --keep-temp). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onCleanup(`temp dir ${dir}`, async () => {
    if (keepTemp) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** Graceful stop (signal, then SIGKILL for the whole tree after the grace). */
  stop: () => Promise<void>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  logFile: string;
  /** First signal on stop; default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
}

/**
 * Spawns a long-running child whose stdout and stderr go straight to a log file (through a file descriptor,
 * not through this process, so logging costs the child what it costs under PM2 and nothing here).
 */
export function spawnChild(name: string, command: string, args: string[], options: SpawnOptions): Child {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let tree: number[] = [pid];
  const remember = setInterval(() => {
    if (alive(pid)) tree = processTree(pid);
  }, 1000);
  remember.unref();
  const stop = onCleanup(
    name,
    async () => {
      clearInterval(remember);
      if (child.exitCode !== null || child.signalCode !== null) return;
      tree = processTree(pid);
      child.kill(options.stopSignal ?? 'SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(options.graceMs ?? 12_000).then(() => false)]);
      if (!graceful) log(`${name} did not stop within ${options.graceMs ?? 12_000} ms; SIGKILL`);
      for (const p of tree) {
        if (!alive(p)) continue;
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await Promise.race([exited, sleep(2000)]);
    },
    () => tree.filter(alive),
  );
  return { name, pid, process: child, logFile: options.logFile, exited, stop };
}
