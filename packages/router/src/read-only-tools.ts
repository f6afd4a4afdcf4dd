import { getUpstream, jsonOf } from './upstream-get.js';
import { answeredAsAnother, type Upstream } from './upstreams.js';

/**
 * Which tools of each upstream only read, as the upstream itself says in its `/health` (`readOnlyTools`, from its
 * tools' `readOnlyHint` annotations): the router may send a call of one of those again on a fresh connection, and
 * never any other call. Until an upstream's list is known, every tool of it counts as a write. The list is asked
 * for at start and again, at most once per `retryMs`, while it is unknown; once known it is kept (a restart of the
 * same server brings the same tools) and refreshed whenever the router's own `/health` probes the upstreams.
 */
export class ReadOnlyTools {
  private readonly known = new Map<string, ReadonlySet<string>>();
  private readonly askedAt = new Map<string, number>();

  constructor(
    upstreams: Upstream[],
    private readonly timeoutMs: number,
    private readonly retryMs = 1000,
  ) {
    for (const upstream of upstreams) this.learn(upstream);
  }

  /** Whether a call of `tool` on `upstream` is known to only read. */
  isReadOnly(upstream: Upstream, tool: string): boolean {
    const names = this.known.get(upstream.service);
    if (!names) {
      this.learn(upstream);
      return false;
    }
    return names.has(tool);
  }

  /** Asks for an upstream's list again (at most once per `retryMs`) while it is unknown. */
  ensureKnown(upstream: Upstream): void {
    if (!this.known.has(upstream.service)) this.learn(upstream);
  }

  /**
   * Takes the list from a `/health` body (the router's own ask, or its aggregated `/health`), unless the body names
   * another service: that is not this upstream's list.
   */
  update(upstream: Upstream, health: unknown): void {
    if (answeredAsAnother(upstream, health) !== undefined) return;
    const names = (health as { readOnlyTools?: unknown } | null)?.readOnlyTools;
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) this.known.set(upstream.service, new Set(names));
  }

  private learn(upstream: Upstream): void {
    const now = Date.now();
    if (now - (this.askedAt.get(upstream.service) ?? -Infinity) < this.retryMs) return;
    this.askedAt.set(upstream.service, now);
    void getUpstream(upstream, '/health', this.timeoutMs)
      .then((res) => this.update(upstream, jsonOf(res)))
      .catch(() => {
        // Unknown for now: every call counts as a write until a later ask succeeds.
      });
  }
}
