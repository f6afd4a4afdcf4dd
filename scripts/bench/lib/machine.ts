import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, sleep } from './util.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  kernel: string;
  os: string;
  pm2: string;
  autocannon: string;
  nginx?: string;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m ? m[1]! : os.type();
  } catch {
    return os.type();
  }
}

export function machineInfo(nginx?: string): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux
  }
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memoryBytes: os.totalmem(),
    node: process.version,
    kernel: os.release(),
    os: osName(),
    pm2: packageVersion('pm2'),
    autocannon: packageVersion('autocannon'),
    ...(nginx && { nginx }),
  };
}

function cpuTotals(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/** Share of all cores busy over a short window: how much else is running on the machine. */
export async function machineBusy(windowMs = 2000): Promise<number> {
  try {
    const a = cpuTotals();
    await sleep(windowMs);
    const b = cpuTotals();
    const total = b.total - a.total;
    return total > 0 ? 1 - (b.idle - a.idle) / total : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
