/**
 * Who owns a temporary file or an unfinished write: this machine's name, a process id, and that process's start
 * time, so that a process id reused after a crash is not mistaken for the crashed writer.
 */
import { readFileSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface ProcessOwner {
  host: string;
  pid: number;
  /** Kernel start time of the process (Linux clock ticks since boot), or 0 where unknown. */
  start: number;
}

function startOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which is in parentheses and may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

let self: ProcessOwner | undefined;

export function currentOwner(): ProcessOwner {
  self ??= { host: hostname(), pid: process.pid, start: startOf(process.pid) ?? 0 };
  return self;
}

/**
 * Whether the owner may still be running. Only a process on this machine can be checked; one elsewhere is
 * assumed alive (its leftovers are judged by age instead).
 */
export function isOwnerAlive(owner: ProcessOwner): boolean {
  const me = currentOwner();
  if (owner.host !== me.host) return true;
  if (owner.pid === me.pid) return owner.start === me.start;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = startOf(owner.pid);
  return start === undefined || owner.start === 0 || start === owner.start;
}

/** A file-name-safe tag for the current owner: `<pid>.<start>`. */
export function ownerTag(): string {
  const me = currentOwner();
  return `${me.pid}.${me.start}`;
}

/** The owner named by an `ownerTag()` on this machine, or undefined for another name. */
export function ownerFromTag(tag: string): ProcessOwner | undefined {
  const m = /^(\d+)\.(\d+)/.exec(tag);
  if (!m) return undefined;
  return { host: currentOwner().host, pid: Number(m[1]), start: Number(m[2]) };
}

/** Something a process of another machine left (a temporary file, a write record) is judged dead after this long. */
export const ABANDONED_AFTER_MS = 24 * 3600_000;

/**
 * Removes the entries of `dir` named `<prefix><owner tag>…` whose owner is no longer running (or whose name names
 * no owner), and any older than `maxAgeMs`. Returns how many it removed; a missing folder holds none.
 */
export async function removeLeftovers(dir: string, prefix: string, maxAgeMs = ABANDONED_AFTER_MS): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const full = path.join(dir, name);
    const stats = await lstat(full).catch(() => undefined);
    if (stats === undefined) continue;
    const owner = ownerFromTag(name.slice(prefix.length));
    if (owner !== undefined && isOwnerAlive(owner) && Date.now() - stats.mtimeMs <= maxAgeMs) continue;
    await rm(full, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
