import { readFileSync } from 'node:fs';

/**
 * How busy the machine was, and with what, between two snapshots: for latency tests, whose bounds speak of the
 * bundle only when nothing else was taking the cores meanwhile. Linux only (/proc).
 */
export interface CpuSnapshot {
  /** All CPU time of the machine, in clock ticks (every core, busy or idle). */
  total: number;
  /** Time the cores were busy, by anyone. */
  busy: number;
  /** Time the hypervisor gave our virtual cores to someone else. */
  steal: number;
  /** Busy time of the given processes, with the children they have waited for. */
  ours: number;
}

function processTicks(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are the 12th to 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

export function cpuSnapshot(pids: number[]): CpuSnapshot {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number) as number[];
  const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
  return { total, busy: total - idle! - iowait! - steal!, steal: steal!, ours: pids.reduce((sum, pid) => sum + processTicks(pid), 0) };
}

export interface MachineLoad {
  /** Share of all CPU time used by processes other than the given ones (0..1). */
  others: number;
  /** Share of all CPU time stolen by the hypervisor (0..1). */
  steal: number;
}

/** What happened between two snapshots. Processes must not have ended in between (or be waited for by one given). */
export function machineLoad(before: CpuSnapshot, after: CpuSnapshot): MachineLoad {
  const total = after.total - before.total || 1;
  return {
    others: Math.max(0, after.busy - before.busy - (after.ours - before.ours)) / total,
    steal: (after.steal - before.steal) / total,
  };
}
