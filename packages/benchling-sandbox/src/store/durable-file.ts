import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces `file` with `content` so that a crash at any point leaves either the old or the new file, never a
 * torn one: write a temp file next to it, fsync it, rename over the target, then fsync the directory so the
 * rename itself is on disk before we report success.
 */
export async function writeFileDurably(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY);
  } catch {
    return; // some platforms (Windows) cannot open directories; rename is as durable as they make it
  }
  try {
    await handle.sync();
  } catch (err) {
    // EINVAL/EPERM: the filesystem does not support fsync on directories; nothing more we can do there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Temp files left by a crash between write and rename; the target file is intact, so they are garbage. */
export async function removeStaleTempFiles(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(path.join(dir, name)).catch(() => undefined);
  }
}

export async function ensureDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export interface FileLock {
  release(): Promise<void>;
}

/**
 * Waiting for a lock held by a live process, instead of failing at once: a process replacing another one that holds
 * the file (a PM2 reload of benchling-mcp with the demo tenant in its process) gets it once the other has finished.
 */
export interface LockWait {
  /** How long to wait in all (0: fail at once). */
  waitMs: number;
  /** How often to look again (default 100 ms). */
  pollMs?: number;
  /** Called once, when the first attempt finds the lock held by a live process. */
  onHeld?: (holder: number) => void;
}

/**
 * An exclusive lock file holding our pid. Two sandboxes on one data file would each rewrite the whole file
 * and silently drop the other's writes; this makes the second one fail at start (or wait, see LockWait) instead.
 * A lock left by a dead process is taken over.
 */
export async function acquireLock(lockFile: string, wait: LockWait = { waitMs: 0 }): Promise<FileLock> {
  const deadline = Date.now() + wait.waitMs;
  let takeovers = 0;
  let told = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await unlink(lockFile).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readIfExists(lockFile))?.trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        if (holder !== process.pid && Date.now() < deadline) {
          if (!told) wait.onHeld?.(holder);
          told = true;
          await delay(wait.pollMs ?? 100);
          continue;
        }
        throw new Error(
          `${lockFile} is held by process ${holder}${holder === process.pid ? ' (this process: close the other sandbox first)' : ''}; ` +
            `only one sandbox may use a data file at a time${wait.waitMs > 0 && holder !== process.pid ? ` (waited ${wait.waitMs} ms for it)` : ''}`,
        );
      }
      // The file is gone between open and read (its holder released it), or its holder is dead: try again. A
      // lock that keeps reappearing with a dead holder is not ours to fight over.
      if (++takeovers > 2) throw new Error(`could not acquire ${lockFile}`);
      await unlink(lockFile).catch(() => undefined);
    }
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
