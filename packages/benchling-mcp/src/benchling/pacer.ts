/**
 * Benchling limits requests per tenant (default 60 per 30 s), shared by every key and every user of it. The
 * pacer follows that budget from the `x-rate-limit-*` headers of every answer, for all keys of one tenant
 * together, and spaces requests out once it runs low, so the tenant's limit is not hit in the first place:
 *
 * - budget unknown (nothing heard yet, or the window it described is over): requests go at once;
 * - more than `slowdownRemaining` left: requests go at once, each taking one from the budget;
 * - `slowdownRemaining` or fewer left: the rest of the budget is spread evenly over the rest of the window;
 * - none left, or a 429 said to wait: everything waits until the window resets (plus a little jitter, so
 *   waiters do not all arrive in the same millisecond).
 *
 * Requests reserve their slot before they sleep, so concurrent callers line up instead of all seeing the same
 * budget, and settle it when their answer (or failure) is in. Benchling's count lags ours by the requests still
 * in flight, so those are taken off what it reports; within a window the smaller of ours and Benchling's wins,
 * which stays right when other processes or integrations use the same tenant.
 */
export interface PacerOptions {
  /** Spread requests out once this many or fewer are left in the window; 0 only waits when none are left. */
  slowdownRemaining: number;
  now?: () => number;
  random?: () => number;
}

export interface PacerState {
  limit: number | undefined;
  remaining: number | undefined;
  /** When the current window ends (ms since the epoch, an upper estimate); 0 when unknown. */
  resetAt: number;
  blockedUntil: number;
  inFlight: number;
}

export type Reservation = { ok: true; waitMs: number } | { ok: false; waitMs: number };

/** Windows are reported in whole seconds (rounded up), so two estimates of one window differ by under 1 s. */
const SAME_WINDOW_SLACK_MS = 1000;
const RESET_JITTER_MS = 250;

export class TenantPacer {
  private limit: number | undefined;
  private remaining: number | undefined;
  private resetAt = 0;
  private blockedUntil = 0;
  private nextSlot = 0;
  /** reserved and not yet settled: sent, or about to be, and not yet reflected in what we heard */
  private inFlight = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /**
   * Reserves the next request's turn: how long to wait before sending it. When that is longer than
   * `maxWaitMs` nothing is reserved and `ok` is false (the caller gives up rather than wait that long).
   * Every reservation that is `ok` must be settled once, whatever happens to the request.
   */
  reserve(maxWaitMs: number): Reservation {
    const now = this.now();
    let at = Math.max(now, this.blockedUntil);
    let counted = this.remaining !== undefined && at < this.resetAt;
    let nextSlot = this.nextSlot;
    if (counted) {
      const remaining = this.remaining as number;
      if (remaining <= 0) {
        at = Math.max(at, this.resetAt + this.random() * RESET_JITTER_MS);
        counted = false;
      } else if (remaining <= this.options.slowdownRemaining) {
        at = Math.max(at, this.nextSlot);
        if (at >= this.resetAt) counted = false;
        else nextSlot = at + (this.resetAt - at) / remaining;
      }
    }
    const waitMs = Math.max(0, Math.ceil(at - now));
    if (waitMs > maxWaitMs) return { ok: false, waitMs };
    if (counted) {
      this.remaining = (this.remaining as number) - 1;
      this.nextSlot = nextSlot;
    }
    this.inFlight++;
    return { ok: true, waitMs };
  }

  /**
   * A turn for a request whose key Benchling has not accepted yet (new, or never seen to work): at once or not
   * at all, and only while more than half of the window's budget (and more than `slowdownRemaining`) is left. The
   * rest is kept for keys that work, so a flood of made-up or revoked keys cannot use up the tenant's limit and
   * leave its real users paced or waiting.
   */
  reserveSpare(): Reservation {
    const now = this.now();
    if (this.blockedUntil > now) return { ok: false, waitMs: Math.ceil(this.blockedUntil - now) };
    if (this.remaining !== undefined && now < this.resetAt) {
      const kept = Math.max(this.options.slowdownRemaining, Math.ceil((this.limit ?? 0) / 2));
      if (this.remaining - this.inFlight <= kept) return { ok: false, waitMs: Math.ceil(this.resetAt - now) };
    }
    return this.reserve(0);
  }

  /** A reserved request is over: with the headers of its answer, or none (it failed before an answer). */
  settle(headers?: Headers): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (headers) this.observe(headers);
  }

  /** Takes in the rate-limit headers of an answer (success or error). */
  observe(headers: Headers): void {
    const remaining = intHeader(headers, 'x-rate-limit-remaining');
    const reset = numberHeader(headers, 'x-rate-limit-reset');
    const limit = intHeader(headers, 'x-rate-limit-limit');
    if (limit !== undefined) this.limit = limit;
    if (remaining === undefined || reset === undefined) return;
    const now = this.now();
    const resetAt = now + reset * 1000;
    // Requests still in flight may not be in Benchling's count yet: assume they are not.
    const left = Math.max(0, remaining - this.inFlight);
    const newWindow = this.remaining === undefined || now >= this.resetAt || resetAt >= this.resetAt + SAME_WINDOW_SLACK_MS;
    if (newWindow) {
      this.remaining = left;
      this.resetAt = resetAt;
      this.nextSlot = 0;
    } else {
      this.remaining = Math.min(this.remaining as number, left);
      this.resetAt = Math.min(this.resetAt, resetAt);
    }
  }

  /** After a 429 (or a Retry-After): nobody sends before `until`. */
  blockUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
    if (this.remaining !== undefined && this.now() < this.resetAt) this.remaining = 0;
  }

  state(): PacerState {
    return { limit: this.limit, remaining: this.remaining, resetAt: this.resetAt, blockedUntil: this.blockedUntil, inFlight: this.inFlight };
  }
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function intHeader(headers: Headers, name: string): number | undefined {
  const n = numberHeader(headers, name);
  return n === undefined ? undefined : Math.floor(n);
}

const pacers = new Map<string, TenantPacer>();

/**
 * The one pacer of a tenant (by origin) in this process: every key and every client of that tenant shares it.
 * The first caller's options win; a process talks to one tenant with one configuration.
 */
export function tenantPacer(baseUrl: string, options: PacerOptions): TenantPacer {
  const tenant = new URL(baseUrl).origin;
  let pacer = pacers.get(tenant);
  if (!pacer) {
    pacer = new TenantPacer(options);
    pacers.set(tenant, pacer);
  }
  return pacer;
}
