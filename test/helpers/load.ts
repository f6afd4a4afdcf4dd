export interface LoadResult {
  ok: number;
  failed: number;
  /** Count per HTTP status or error code of the failures. */
  failures: Record<string, number>;
  latenciesMs: number[];
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  /** Stops after this long, or when `until` resolves, whichever comes first. */
  durationMs: number;
  until?: Promise<unknown>;
  /** Pause after each request, per worker (an interactive client's pace rather than a benchmark's). */
  paceMs?: number;
  /** Statuses that count as success; default 200. */
  okStatuses?: number[];
}

/** A steady, bounded request loop (in count of workers and in time), recording every outcome. */
export async function steadyLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, failures: {}, latenciesMs: [] };
  const okStatuses = new Set(options.okStatuses ?? [200]);
  let stop = false;
  const timer = setTimeout(() => (stop = true), options.durationMs);
  void options.until?.then(() => (stop = true));
  const worker = async () => {
    while (!stop) {
      const started = performance.now();
      try {
        const res = await fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json', ...options.headers }, body: options.body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (okStatuses.has(res.status)) {
          result.ok++;
          result.latenciesMs.push(performance.now() - started);
        } else {
          result.failed++;
          result.failures[res.status] = (result.failures[res.status] ?? 0) + 1;
        }
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        result.failed++;
        result.failures[code] = (result.failures[code] ?? 0) + 1;
      }
      if (options.paceMs) await new Promise((r) => setTimeout(r, options.paceMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearTimeout(timer);
  return result;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const toolCall = (name: string, args: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
export const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
