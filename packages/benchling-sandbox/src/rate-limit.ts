/**
 * Benchling's tenant-wide rate limit: a fixed window shared by every key of the tenant (default 60 requests
 * per 30 s). Each answer carries the window state in `x-rate-limit-limit`, `x-rate-limit-remaining` and
 * `x-rate-limit-reset` (seconds left in the window).
 */
export interface RateLimitOptions {
  limit: number;
  windowSeconds: number;
  /**
   * Also send `Retry-After` on 429s. Benchling documents no Retry-After (clients are told to back off
   * exponentially with jitter), so it is off by default to keep clients honest against the real service.
   */
  retryAfterHeader?: boolean;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { limit: 60, windowSeconds: 30, retryAfterHeader: false };

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class FixedWindowRateLimiter {
  private windowStart = 0;
  private used = 0;
  readonly limit: number;
  readonly windowMs: number;
  private readonly retryAfter: boolean;

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new Error(`rate limit must be a positive integer (got ${options.limit})`);
    if (!Number.isFinite(options.windowSeconds) || options.windowSeconds <= 0) {
      throw new Error(`rate limit window must be a positive number of seconds (got ${options.windowSeconds})`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowSeconds * 1000;
    this.retryAfter = options.retryAfterHeader ?? false;
  }

  /** Counts one request against the current window. */
  take(): RateLimitDecision {
    this.roll();
    const allowed = this.used < this.limit;
    if (allowed) this.used++;
    return { allowed, headers: this.headers(!allowed) };
  }

  /** Window state without counting a request (for answers that are not real API calls, e.g. injected faults). */
  peek(refused = false): Record<string, string> {
    this.roll();
    return this.headers(refused);
  }

  /** Uses up the rest of the window, so real 429s follow until it resets (for client tests). */
  exhaust(): void {
    this.roll();
    this.used = this.limit;
  }

  reset(): void {
    this.windowStart = 0;
    this.used = 0;
  }

  private roll(): void {
    const now = this.now();
    // Windows are aligned to the epoch, like a fixed-window counter keyed by floor(now / window).
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }

  private headers(refused: boolean): Record<string, string> {
    const resetSeconds = Math.max(1, Math.ceil((this.windowStart + this.windowMs - this.now()) / 1000));
    const headers: Record<string, string> = {
      'x-rate-limit-limit': String(this.limit),
      'x-rate-limit-remaining': String(refused ? 0 : Math.max(0, this.limit - this.used)),
      'x-rate-limit-reset': String(resetSeconds),
    };
    if (refused && this.retryAfter) headers['retry-after'] = String(resetSeconds);
    return headers;
  }
}
