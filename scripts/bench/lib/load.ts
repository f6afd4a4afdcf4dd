// autocannon (programmatic) with per-request latencies kept at full resolution: autocannon's own histogram
// records whole milliseconds, too coarse for a sub-millisecond router overhead.
import autocannon from 'autocannon';
import { Samples } from './util.js';

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationS: number;
  /** Requests per second across all connections (autocannon's `overallRate`); unset: as fast as answered. */
  rate?: number;
}

export interface LoadRun {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Seconds, as autocannon measured its run. */
  durationS: number;
  /** Latency of each 2xx response, ms. */
  latencies: Samples;
  /** CPU used by this (load generator) process during the run, ms. */
  loadGenCpuMs: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadRun> {
  const latencies = new Samples();
  const cpuBefore = process.cpuUsage();
  const instance = autocannon({
    url: spec.url,
    method: 'POST',
    connections: spec.connections,
    duration: spec.durationS,
    headers: spec.headers,
    body: spec.body,
    timeout: 10,
    ...(spec.rate !== undefined && { overallRate: spec.rate }),
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpuBefore);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    durationS: result.duration,
    latencies,
    loadGenCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** One request, checked, before any load: a benchmark of 401s or 404s would be worthless. */
export async function verifyOnce(url: string, headers: Record<string, string>, body: string, expect: RegExp): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200 || !expect.test(text)) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
}
