// Whole-process figures straight from /proc (Linux): resident memory, CPU time, the process tree.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces; fields after it are plain.
    const close = text.lastIndexOf(')');
    return [
      String(pid),
      text.slice(text.indexOf('(') + 1, close),
      ...text
        .slice(close + 2)
        .trim()
        .split(' '),
    ];
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat[2] !== 'Z';
}

/** CPU time (user + system) consumed so far by one process, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readStat(pid);
  if (!stat) return 0;
  return ((Number(stat[13]) + Number(stat[14])) * 1000) / clkTck();
}

/** The process and all its descendants (by parent pid), the process first. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const ppid = Number(stat[3]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  if (alive(root)) walk(root);
  return out;
}

export function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

export interface MemorySnapshot {
  /** VmRSS: resident set size, bytes. */
  rss: number;
  /** Pss from smaps_rollup: shared pages divided among the processes sharing them, bytes (sums without double-counting). */
  pss?: number;
  /** Anonymous resident memory (heap, stacks), bytes. */
  anon?: number;
  /** VmHWM: the highest RSS this process ever had, bytes. */
  hwm?: number;
}

function kbField(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

export function memory(pid: number): MemorySnapshot | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = kbField(status, 'VmRSS');
  if (rss === undefined) return undefined;
  const snapshot: MemorySnapshot = { rss };
  const hwm = kbField(status, 'VmHWM');
  if (hwm !== undefined) snapshot.hwm = hwm;
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = kbField(rollup, 'Pss');
    const anon = kbField(rollup, 'Anonymous');
    if (pss !== undefined) snapshot.pss = pss;
    if (anon !== undefined) snapshot.anon = anon;
  } catch {
    // Older kernels have no smaps_rollup; RSS is the figure that matters.
  }
  return snapshot;
}

/** CPU time of the whole machine so far, all cores, ms: busy (anything but idle/iowait) and total. */
export function machineCpuMs(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const toMs = 1000 / clkTck();
    return { busy: (total - idle) * toMs, total: total * toMs };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}
