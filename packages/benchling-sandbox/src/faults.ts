/**
 * Fault injection for client tests: the next N API requests answer with a chosen failure instead of being
 * served. Off unless something queues a fault (in-process through `faults`, or over the admin endpoint, which
 * exists only when explicitly enabled).
 */
export type FaultBody = 'json' | 'html' | 'empty';

export interface StatusFault {
  kind: 'status';
  /** 429 answers carry the rate-limit headers with remaining 0, like a real throttle */
  status: 429 | 500 | 502 | 503 | 504;
  /** JSON error body (default), an HTML page as a proxy would send, or nothing */
  body: FaultBody;
}

export interface DelayFault {
  kind: 'delay';
  /** served normally, after this long (to test client timeouts) */
  ms: number;
}

export type Fault = StatusFault | DelayFault;

interface Queued {
  fault: Fault;
  remaining: number;
  /** only requests whose path starts with this are affected */
  pathPrefix: string | undefined;
}

export interface FaultOptions {
  /** limit the fault to requests under this path, e.g. `/api/v2/entries` */
  pathPrefix?: string;
}

const MAX_QUEUED = 100;
const MAX_COUNT = 10_000;
const MAX_DELAY_MS = 120_000;

export class FaultInjector {
  private queue: Queued[] = [];

  /** The next `count` requests answer `status` (e.g. 503 or 502). */
  failNext(count: number, status: StatusFault['status'] = 503, options: FaultOptions & { body?: FaultBody } = {}): void {
    this.push({ kind: 'status', status, body: options.body ?? 'json' }, count, options.pathPrefix);
  }

  /** The next `count` requests answer 429 as if the tenant's rate limit were exhausted. */
  throttleNext(count: number, options: FaultOptions = {}): void {
    this.push({ kind: 'status', status: 429, body: 'json' }, count, options.pathPrefix);
  }

  /** The next `count` requests are served after `ms` milliseconds. */
  delayNext(count: number, ms: number, options: FaultOptions = {}): void {
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) throw new RangeError(`delay must be 0..${MAX_DELAY_MS} ms`);
    this.push({ kind: 'delay', ms }, count, options.pathPrefix);
  }

  clear(): void {
    this.queue = [];
  }

  pending(): { fault: Fault; remaining: number; pathPrefix?: string }[] {
    return this.queue.map((q) => ({ fault: q.fault, remaining: q.remaining, ...(q.pathPrefix ? { pathPrefix: q.pathPrefix } : {}) }));
  }

  /** The fault for this request, if any; consumes one use of it. Faults apply in the order they were queued. */
  take(path: string): Fault | undefined {
    const index = this.queue.findIndex((q) => q.pathPrefix === undefined || path.startsWith(q.pathPrefix));
    if (index < 0) return undefined;
    const queued = this.queue[index]!;
    if (--queued.remaining <= 0) this.queue.splice(index, 1);
    return queued.fault;
  }

  private push(fault: Fault, count: number, pathPrefix: string | undefined): void {
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new RangeError(`count must be 1..${MAX_COUNT}`);
    if (this.queue.length >= MAX_QUEUED) throw new RangeError(`at most ${MAX_QUEUED} faults may be queued`);
    this.queue.push({ fault, remaining: count, pathPrefix });
  }
}
