import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { benchlingKeyOf } from '@labmcp/service-kit/service';
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
    perMinute: number,
    private readonly burst: number,
    maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new LRUCache({ max: maxKeys });
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes `cost` tokens (a JSON-RPC batch costs one per message), or none when there are not that many. */
  take(key: string, cost = 1): RateLimitDecision {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((Math.min(cost, this.burst) - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  /** At most this many tokens are ever in a bucket. */
  get capacity(): number {
    return this.burst;
  }
}

/**
 * The credential a request carries for a service, normalized so that bytes that do not change what a server
 * accepts do not change the key either: the scheme's case and the spacing around it, and the way a Benchling key
 * is sent (`X-Benchling-API-Key`, or `Authorization: Basic base64(key:)`, as benchling-mcp reads it).
 */
export function credentialOf(req: IncomingMessage, service: string, ignoreBenchlingKeys = false): string | undefined {
  const authorization = req.headers.authorization;
  const match = authorization ? /^\s*(\S+)\s+(.*?)\s*$/.exec(authorization) : null;
  const scheme = match?.[1]?.toLowerCase();
  // Where benchling-mcp ignores the caller's key (benchlingIgnoresCallerKeys), its JWT is what counts.
  if (service === 'benchling-mcp' && !(ignoreBenchlingKeys && scheme === 'bearer')) {
    const key = benchlingKeyOf(req.headers['x-benchling-api-key'], scheme === 'basic' ? match?.[2] : undefined);
    if (key) return `key ${key}`;
  }
  if (match && scheme) return `${scheme} ${match[2]}`;
  const raw = authorization?.trim();
  return raw ? `raw ${raw}` : undefined;
}

/**
 * Whom a request counts against: a hash of its normalized credential (never the credential itself, since keys
 * are held in memory and may show up in heap dumps), or the client address when it carries none.
 */
export function rateLimitKey(req: IncomingMessage, service: string, clientAddress: string, ignoreBenchlingKeys = false): { key: string; credential: boolean } {
  const credential = credentialOf(req, service, ignoreBenchlingKeys);
  if (credential) return { key: `${service}:cred:${hash('sha256', credential, 'base64url').slice(0, 22)}`, credential: true };
  return { key: `${service}:addr:${clientAddress}`, credential: false };
}
