import type { Logger } from '@labmcp/service-kit/service';

/**
 * Rate-limit refusals, logged as one line per caller and interval with a count instead of one access line each:
 * a flood would otherwise turn into a flood of log lines, costing the CPU, the log pipeline and the disk that the
 * rest of the bundle needs. Every refusal is still counted in `labmcp_router_rate_limited_total`. Bounded: past
 * `maxKeys` distinct callers in one interval, the rest are counted together.
 */
export class RefusalLog {
  private counts = new Map<string, { service: string; refused: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    intervalMs = 1000,
    private readonly maxKeys = 1000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** `caller` is the rate-limit key: a hash of the credential or the client address, never the credential. */
  refused(service: string, caller: string): void {
    const key = this.counts.has(caller) || this.counts.size < this.maxKeys ? caller : 'other callers';
    const entry = this.counts.get(key);
    if (entry) entry.refused++;
    else this.counts.set(key, { service, refused: 1 });
  }

  flush(): void {
    for (const [caller, { service, refused }] of this.counts) {
      this.logger.warn({ event: 'rate_limited', upstream: service, caller, refused }, `rate limit: refused ${refused} request(s) to ${service}`);
    }
    this.counts.clear();
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
