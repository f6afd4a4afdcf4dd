export { freePort, repoRoot } from '../../lib/launcher.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function percentile(values: number[], p: number): number {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** A growable list of doubles that does not box each value (latency samples run into the hundreds of thousands). */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  append(other: Samples): void {
    for (let i = 0; i < other.length; i++) this.push(other.data[i]!);
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

export function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

export function fmtInt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return Math.round(value).toLocaleString('en-US');
}

export function mib(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
  return (bytes / 1024 / 1024).toFixed(1);
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Polls until `check` resolves true, or throws after `timeoutMs` with the last reason. */
export async function waitFor(what: string, check: () => Promise<boolean | string>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const ok = await check();
      if (ok === true) return;
      if (typeof ok === 'string') last = ok;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${last ? ` (${last})` : ''}`);
}

/** GET a URL and say whether it answered 200 (or why not). */
export async function httpOk(url: string, timeoutMs = 1000): Promise<true | string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status === 200 ? true : `HTTP ${res.status}`;
}
