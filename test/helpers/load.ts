export interface LoadResult {
  ok: number;
  failed: number;
  /** Count per HTTP status or error code of the failures. */
  failures: Record<string, number>;
  /** The first few failures of each kind in detail: when each request began and ended, and what it got. */
  failureLog: FailureRecord[];
  /** How long the slowest failed request took, start to failure (0 when none failed). */
  slowestFailureMs: number;
}

export interface FailureRecord {
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  /** The HTTP status or error code, as counted in `failures`. */
  kind: string;
  /** The error's message and its cause's, or the start of the answer's body. */
  detail: string;
}

const FAILURES_LOGGED_PER_KIND = 5;

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  /** Stops after this long, or when `until` resolves, whichever comes first. */
  durationMs: number;
  until?: Promise<unknown>;
  /** Statuses that count as success; default 200. */
  okStatuses?: number[];
  /** A failure inside a successful answer (a tool's error result): its kind, or undefined when there is none. */
  bodyFailure?: (body: string) => string | undefined;
}

/** A steady, bounded request loop (in count of workers and in time), recording every outcome. */
export async function steadyLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, failures: {}, failureLog: [], slowestFailureMs: 0 };
  const fail = (startedAt: number, kind: string, detail: string) => {
    const endedAt = Date.now();
    result.failed++;
    result.slowestFailureMs = Math.max(result.slowestFailureMs, endedAt - startedAt);
    result.failures[kind] = (result.failures[kind] ?? 0) + 1;
    if (result.failures[kind]! <= FAILURES_LOGGED_PER_KIND) result.failureLog.push({ startedAt, endedAt, kind, detail });
  };
  const okStatuses = new Set(options.okStatuses ?? [200]);
  let stop = false;
  const timer = setTimeout(() => (stop = true), options.durationMs);
  void options.until?.then(() => (stop = true));
  const worker = async () => {
    while (!stop) {
      const startedAt = Date.now();
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: options.body,
          signal: AbortSignal.timeout(10_000),
        });
        const body = await res.text();
        const hidden = okStatuses.has(res.status) ? options.bodyFailure?.(body) : undefined;
        if (!okStatuses.has(res.status)) fail(startedAt, String(res.status), body.slice(0, 200));
        else if (hidden !== undefined) fail(startedAt, hidden, body.slice(0, 300));
        else result.ok++;
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        fail(startedAt, cause?.code ?? (err as Error).name, `${(err as Error).message}${cause?.message ? `: ${cause.message}` : ''}`);
      }
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

export const toolCall = (name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
export const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
