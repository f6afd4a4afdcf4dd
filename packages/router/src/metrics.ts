import type { MetricsPage, ServiceMetrics } from '@labmcp/service-kit/service';
import { AggregatorRegistry, Counter, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { getUpstream, jsonOf } from './upstream-get.js';
import type { Upstream } from './upstreams.js';

type metric = MetricObjectWithValues<MetricValue<string>>;

export interface RouterMetrics {
  upstreamErrors: Counter<'upstream' | 'kind'>;
  rateLimited: Counter<'upstream'>;
  overloaded: Counter<'upstream'>;
  openConnections: Gauge;
}

export function createRouterMetrics(base: ServiceMetrics): RouterMetrics {
  const registers = [base.registry];
  return {
    upstreamErrors: new Counter({
      name: 'labmcp_router_upstream_errors_total',
      help: 'Requests the router could not complete upstream, by upstream and kind (unavailable, timeout, bad_gateway)',
      labelNames: ['upstream', 'kind'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'labmcp_router_rate_limited_total',
      help: 'Requests refused by the per-credential rate limit',
      labelNames: ['upstream'],
      registers,
    }),
    overloaded: new Counter({
      name: 'labmcp_router_overloaded_total',
      help: 'Requests refused because the service had too many in flight',
      labelNames: ['upstream'],
      registers,
    }),
    openConnections: new Gauge({ name: 'labmcp_router_open_connections', help: 'Client connections open to the router', registers }),
  };
}

/**
 * The router's `/metrics`: the whole bundle's text (`bundleMetrics`); its JSON stays the router's own series, as
 * every process's does.
 */
export function bundleMetricsPage(base: ServiceMetrics, upstreams: Upstream[], timeoutMs: number): MetricsPage {
  return {
    contentType: base.registry.contentType,
    metrics: () => bundleMetrics(base, upstreams, timeoutMs),
    getMetricsAsJSON: () => base.registry.getMetricsAsJSON(),
  };
}

/**
 * One Prometheus page for the whole bundle: the router's own series plus each server's, fetched as JSON and
 * merged (series differ by their `service` label). A server that does not answer is left out and its absence is
 * itself visible (`labmcp_router_metrics_scrape_ok`).
 */
export async function bundleMetrics(base: ServiceMetrics, upstreams: Upstream[], timeoutMs: number): Promise<string> {
  const own = await base.registry.getMetricsAsJSON();
  const scraped = await Promise.all(
    upstreams.map(async (u) => {
      try {
        const res = await getUpstream(u, '/metrics?format=json', timeoutMs);
        const data = res.ok ? jsonOf(res) : undefined;
        if (!Array.isArray(data)) return { upstream: u.service, ok: false, data: [] as metric[] };
        return { upstream: u.service, ok: true, data: data as metric[] };
      } catch {
        return { upstream: u.service, ok: false, data: [] as metric[] };
      }
    }),
  );
  const scrapeOk = {
    name: 'labmcp_router_metrics_scrape_ok',
    help: "Whether the router could read each server's metrics for this page (1) or not (0)",
    type: 'gauge',
    aggregator: 'sum',
    values: scraped.map((s) => ({ value: s.ok ? 1 : 0, labels: { upstream: s.upstream, service: 'router' } })),
  } as unknown as metric;
  const merged = AggregatorRegistry.aggregate([own, ...scraped.map((s) => s.data), [scrapeOk]] as unknown as Parameters<
    typeof AggregatorRegistry.aggregate
  >[0]);
  return merged.metrics();
}
