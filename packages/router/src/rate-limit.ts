import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until one token is back, for Retry-After. */
  retryAfterSeconds: number;
}

/**
 * Token bucket per caller: `burst` requests at once, refilled at `perMinute`. Buckets live in a bounded LRU,
 * so a flood of distinct callers costs memory up to `maxKeys` and no more (the least recent are forgotten, which
 * only ever resets them to a full bucket).
 */
export class RateLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new LRUCache({ max: maxKeys });
    this.refillPerMs = perMinute / 60_000;
  }

  take(key: string): RateLimitDecision {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)) };
  }
}

/**
 * Whom a request counts against: a hash of the credential it carries (never the credential itself, since keys
 * are held in memory and may show up in heap dumps), or the client address when it carries none.
 */
export function rateLimitKey(req: IncomingMessage, service: string): string {
  const credential = req.headers.authorization ?? (req.headers['x-benchling-api-key'] as string | undefined);
  if (credential) return `${service}:cred:${hash('sha256', credential, 'base64url').slice(0, 22)}`;
  return `${service}:addr:${req.socket.remoteAddress ?? 'unknown'}`;
}
