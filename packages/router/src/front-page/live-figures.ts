import type { Registry } from 'prom-client';

/** One point of a service's chart: what happened in one sampling interval. */
export interface FigureSample {
  /** End of the interval, ms since the epoch. */
  t: number;
  requests: number;
  /** Answers with a 5xx status (the router's own refusals and the servers' failures). */
  errors: number;
  /** Requests refused by the router's rate limit (429). */
  rateLimited: number;
  /** Mean time to answer in the interval, in ms; null when there were no requests. */
  latencyMs: number | null;
}

export interface FiguresSnapshot {
  intervalSeconds: number;
  windowSeconds: number;
  services: Record<string, FigureSample[]>;
}

interface Totals {
  requests: number;
  errors: number;
  rateLimited: number;
  seconds: number;
  answered: number;
}

type MetricValues = { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[];

/**
 * The front page's live figures: per service, the deltas of the same counters `/metrics` exports (the router's
 * `labmcp_http_requests_total`, `labmcp_http_request_duration_seconds` and `labmcp_router_rate_limited_total`,
 * whose `route` / `upstream` label is the service), read from the registry on a timer. Nothing is added to the
 * request path, and memory is bounded: a fixed number of points per service, for a fixed set of services.
 */
export class LiveFigures {
  private readonly points = new Map<string, FigureSample[]>();
  private last: Map<string, Totals> | undefined;
  private readonly capacity: number;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly registry: Registry,
    private readonly services: readonly string[],
    private readonly intervalMs = 2000,
    private readonly windowMs = 5 * 60_000,
  ) {
    this.capacity = Math.max(1, Math.ceil(windowMs / intervalMs));
    for (const service of services) this.points.set(service, []);
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs).unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshot(): FiguresSnapshot {
    return {
      intervalSeconds: this.intervalMs / 1000,
      windowSeconds: this.windowMs / 1000,
      services: Object.fromEntries([...this.points].map(([service, points]) => [service, [...points]])),
    };
  }

  /** Reads the counters once; the first reading is the baseline, every later one adds a point per service. */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const totals = await this.readTotals();
      const now = Date.now();
      if (this.last) {
        for (const service of this.services) {
          const before = this.last.get(service) ?? emptyTotals();
          const after = totals.get(service) ?? emptyTotals();
          const answered = after.answered - before.answered;
          const points = this.points.get(service)!;
          points.push({
            t: now,
            requests: after.requests - before.requests,
            errors: after.errors - before.errors,
            rateLimited: after.rateLimited - before.rateLimited,
            latencyMs: answered > 0 ? Math.round(((after.seconds - before.seconds) / answered) * 1e5) / 100 : null,
          });
          if (points.length > this.capacity) points.splice(0, points.length - this.capacity);
        }
      }
      this.last = totals;
    } finally {
      this.sampling = false;
    }
  }

  private async readTotals(): Promise<Map<string, Totals>> {
    const totals = new Map<string, Totals>(this.services.map((s) => [s, emptyTotals()]));
    const of = (service: unknown) => (typeof service === 'string' ? totals.get(service) : undefined);
    for (const { labels, value } of await this.values('labmcp_http_requests_total')) {
      const t = of(labels.route);
      if (!t) continue;
      t.requests += value;
      if (labels.status_class === '5xx') t.errors += value;
    }
    for (const { labels, value, metricName } of await this.values('labmcp_http_request_duration_seconds')) {
      const t = of(labels.route);
      if (!t) continue;
      if (metricName?.endsWith('_sum')) t.seconds += value;
      else if (metricName?.endsWith('_count')) t.answered += value;
    }
    for (const { labels, value } of await this.values('labmcp_router_rate_limited_total')) {
      const t = of(labels.upstream);
      if (t) t.rateLimited += value;
    }
    return totals;
  }

  private async values(name: string): Promise<MetricValues> {
    const metric = this.registry.getSingleMetric(name);
    return metric ? ((await metric.get()).values as MetricValues) : [];
  }
}

function emptyTotals(): Totals {
  return { requests: 0, errors: 0, rateLimited: 0, seconds: 0, answered: 0 };
}
