import type { Logger } from '@labmcp/service-kit/service';
import { getUpstream } from './upstream-get.js';
import type { Upstream } from './upstreams.js';

/**
 * Fails fast for an upstream that is known to be down. Without it, a request to a server that PM2 is restarting
 * waits for the new process (in cluster mode PM2's master holds new connections until a worker exists), so
 * clients would hang instead of getting a quick 503 with Retry-After. The first connection error marks the
 * upstream down; a probe of its /health marks it up again. Timeouts do not count: a slow server is not down.
 */
export class UpstreamAvailability {
  private readonly down = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    private readonly probeIntervalMs = 200,
    private readonly probeTimeoutMs = 1000,
  ) {}

  isDown(upstream: Upstream): boolean {
    return this.down.has(upstream.service);
  }

  /** True when this marked it down, false when it was already known to be. */
  markDown(upstream: Upstream): boolean {
    if (this.down.has(upstream.service)) return false;
    this.logger.warn({ upstream: upstream.service }, 'upstream unreachable: failing fast until its /health answers');
    const probe = async () => {
      try {
        const res = await getUpstream(upstream, '/health', this.probeTimeoutMs);
        if (res.ok) {
          this.down.delete(upstream.service);
          this.logger.info({ upstream: upstream.service }, 'upstream reachable again');
          return;
        }
      } catch {
        // still down
      }
      if (this.down.has(upstream.service)) this.down.set(upstream.service, setTimeout(probe, this.probeIntervalMs).unref());
    };
    this.down.set(upstream.service, setTimeout(probe, this.probeIntervalMs).unref());
    return true;
  }

  close(): void {
    for (const timer of this.down.values()) clearTimeout(timer);
    this.down.clear();
  }
}
