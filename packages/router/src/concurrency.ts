/**
 * A bound on requests in flight per service, so a flood on one cannot take every socket and event-loop turn from
 * the other. Over the bound, requests are refused at once (503 + Retry-After) rather than queued: a queue
 * would only turn overload into latency for everyone.
 */
export class ConcurrencyLimit {
  private readonly active = new Map<string, number>();

  constructor(private readonly max: number) {}

  tryAcquire(service: string): (() => void) | undefined {
    const current = this.active.get(service) ?? 0;
    if (current >= this.max) return undefined;
    this.active.set(service, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active.set(service, (this.active.get(service) ?? 1) - 1);
    };
  }

  inFlight(service: string): number {
    return this.active.get(service) ?? 0;
  }
}
