import { LRUCache } from 'lru-cache';
import { type RateLimitDecision, RateLimiter } from './rate-limit.js';

export interface VerifiedCredentialsOptions {
  perMinute: number;
  burst: number;
  totalPerMinute: number;
  totalBurst: number;
  /** How long a credential counts as accepted after its service last accepted it. */
  ttlMs?: number;
  maxKeys?: number;
}

/**
 * Which credentials their service has accepted lately, and the rate limit for the rest. A credential is only a
 * string until a server has checked it: varying it on each request, or sending one that is refused, would
 * otherwise escape the per-credential limit (and a flood of made-up Benchling keys would reach the tenant and
 * use up its rate limit). So a request with a credential not (yet) accepted also takes a token from a bucket of
 * its client address and from one shared by all; one that has been accepted does not. An answer of 401 makes a
 * credential unaccepted again.
 */
export class VerifiedCredentials {
  private readonly accepted: LRUCache<string, true>;
  private readonly perAddress: RateLimiter;
  private readonly total: RateLimiter;

  constructor(options: VerifiedCredentialsOptions) {
    this.accepted = new LRUCache({ max: options.maxKeys ?? 10_000, ttl: options.ttlMs ?? 10 * 60_000 });
    this.perAddress = new RateLimiter(options.perMinute, options.burst);
    this.total = new RateLimiter(options.totalPerMinute, options.totalBurst);
  }

  /** For a request with credential `key` from `address`: allowed at once when the credential is accepted. */
  take(key: string, address: string): RateLimitDecision | undefined {
    if (this.accepted.has(key)) return undefined;
    const own = this.perAddress.take(address);
    return own.allowed ? this.total.take('') : own;
  }

  /** What the service answered a request with this credential. */
  answered(key: string, status: number): void {
    if (status === 401) this.accepted.delete(key);
    else if (status < 400) this.accepted.set(key, true);
  }
}
