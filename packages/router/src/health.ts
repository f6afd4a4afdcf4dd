import type { CheckResult } from '@labmcp/service-kit/service';
import { getUpstream, jsonOf, type UpstreamGetError } from './upstream-get.js';
import { answeredAsAnother, type Upstream } from './upstreams.js';

/**
 * Probes each upstream's `/health` in parallel; a probe that errs or times out reads as down, and so does an answer
 * that names another service (an upstream setting pointing at the wrong server, or another process on its port):
 * the router must not report it healthy, nor learn its read-only tools from it. `onBody` sees each upstream's own
 * answer (the router learns its read-only tools from it).
 */
export async function probeUpstreams(
  upstreams: Upstream[],
  timeoutMs: number,
  onBody?: (upstream: Upstream, body: unknown) => void,
): Promise<Record<string, CheckResult>> {
  const results = await Promise.all(
    upstreams.map(async (upstream): Promise<[string, CheckResult]> => {
      const started = performance.now();
      const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
      try {
        const res = await getUpstream(upstream, '/health', timeoutMs);
        const body = (jsonOf(res) ?? {}) as { status?: string; version?: string };
        const named = answeredAsAnother(upstream, body);
        if (named !== undefined) {
          return [
            upstream.service,
            { status: 'down', latencyMs: latencyMs(), httpStatus: res.status, error: `its /health answers as ${named}, not ${upstream.service}` },
          ];
        }
        if (res.ok) onBody?.(upstream, body);
        const status = res.ok && (body.status === 'ok' || body.status === 'degraded') ? body.status : 'down';
        return [upstream.service, { status, latencyMs: latencyMs(), httpStatus: res.status, ...(body.version && { version: body.version }) }];
      } catch (err) {
        const failure = err as UpstreamGetError;
        const reason = failure.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (failure.code ?? failure.message);
        return [upstream.service, { status: 'down', latencyMs: latencyMs(), error: reason }];
      }
    }),
  );
  return Object.fromEntries(results);
}
