// Manifest throughput: runs scripts/bench/manifest-throughput.ts (written by its own owner) as a child process per
// size and reads entries/s and peak RSS out of whatever it prints.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './processes.js';
import { memory, processTree } from './procfs.js';
import { repoRoot } from './util.js';

export const MANIFEST_SCRIPT = path.join(repoRoot, 'scripts/bench/manifest-throughput.ts');

export interface ManifestRun {
  entries: number;
  exitCode: number | null;
  wallMs: number;
  output: string;
  entriesPerSecond?: number;
  /** Entries per CPU-second of the top-hash phase, when the script reports it (steadier on a busy machine). */
  entriesPerCpuSecond?: number;
  peakRssBytes?: number;
  /**
   * The highest VmHWM of any process of the run as seen from here (polled every 100 ms): the script and the
   * children it runs its phases in. An upper bound for the figure the script reports for one phase.
   */
  observedPeakRssBytes?: number;
  error?: string;
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, k: 1024, mb: 1e6, mib: 1048576, m: 1048576, gb: 1e9, gib: 1073741824, g: 1073741824 };

/** Pulls the two figures out of text or JSON output, whichever the script prints. */
export function parseManifestOutput(output: string): { entriesPerSecond?: number; entriesPerCpuSecond?: number; peakRssBytes?: number } {
  const out: { entriesPerSecond?: number; entriesPerCpuSecond?: number; peakRssBytes?: number } = {};
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>;
      for (const [key, value] of Object.entries(json)) {
        if (typeof value !== 'number') continue;
        const k = key.toLowerCase();
        if (out.entriesPerCpuSecond === undefined && /entries.*cpu/.test(k)) out.entriesPerCpuSecond = value;
        else if (out.entriesPerSecond === undefined && /entries.*(per.?s|\/s|ps|rate)|throughput/.test(k)) out.entriesPerSecond = value;
        if (out.peakRssBytes === undefined && /peak.*rss|rss.*peak|maxrss/.test(k)) {
          out.peakRssBytes = /mi?b/.test(k) ? value * 1048576 : /kb|kib/.test(k) || k === 'maxrss' ? value * 1024 : value;
        }
      }
    } catch {
      // not JSON after all
    }
  }
  const num = (s: string) => Number(s.replace(/[,_\s]/g, ''));
  if (out.entriesPerSecond === undefined) {
    const m =
      /([\d][\d,_]*(?:\.\d+)?)\s*([kKM])?\s*entries\s*\/\s*s/.exec(output) ??
      /entries\s*\/\s*s(?:ec(?:ond)?)?\s*[:=]?\s*([\d][\d,_]*(?:\.\d+)?)\s*([kKM])?/i.exec(output);
    if (m) out.entriesPerSecond = num(m[1]!) * (m[2] === 'M' ? 1e6 : m[2] ? 1e3 : 1);
  }
  if (out.peakRssBytes === undefined) {
    const m =
      /peak\s*(?:RSS|resident(?:\s*memory)?|memory)\s*[:=]?\s*([\d][\d,_]*(?:\.\d+)?)\s*([KMG]i?B|[kKMG]|B|bytes)?/i.exec(output) ??
      /(?:max|maxrss|rss\s*peak)\s*[:=]?\s*([\d][\d,_]*(?:\.\d+)?)\s*([KMG]i?B|[kKMG]|B|bytes)?/i.exec(output);
    if (m) {
      const unit = (m[2] ?? 'MiB').toLowerCase().replace('bytes', 'b');
      out.peakRssBytes = num(m[1]!) * (UNITS[unit] ?? 1048576);
    }
  }
  return out;
}

export function runManifest(entries: number, timeoutMs: number): Promise<ManifestRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import=tsx', MANIFEST_SCRIPT, '--entries', String(entries)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const stop = onCleanup(
      `manifest-throughput --entries ${entries}`,
      async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      () => (child.pid && child.exitCode === null ? [child.pid] : []),
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let observedPeak = 0;
    const poll = setInterval(() => {
      if (!child.pid) return;
      for (const pid of processTree(child.pid)) {
        const mem = memory(pid);
        if (mem) observedPeak = Math.max(observedPeak, mem.hwm ?? mem.rss);
      }
    }, 100);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      void stop();
      const wallMs = performance.now() - started;
      const parsed = parseManifestOutput(output);
      resolve({
        entries,
        exitCode: code,
        wallMs,
        output: output.trim(),
        ...parsed,
        ...(observedPeak > 0 && { observedPeakRssBytes: observedPeak }),
        ...(code !== 0 && { error: signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `exit code ${code ?? signal}` }),
      });
    });
  });
}

export function manifestScriptExists(): boolean {
  return existsSync(MANIFEST_SCRIPT);
}
