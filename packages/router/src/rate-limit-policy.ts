import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, setCorsHeaders } from '@labmcp/service-kit/service';
import type { Counter } from 'prom-client';
import { sendProxyError } from './proxy-errors.js';
import { RateLimiter } from './rate-limit.js';
import { RefusalLog } from './refusal-log.js';
import type { RoutedRequest } from './routed-request.js';
import { VerifiedCredentials, type VerifiedCredentialsOptions } from './verified-credentials.js';

export interface RateLimitSettings {
  /** Per caller (credential, or address without one). */
  perMinute: number;
  burst: number;
  /** For credentials their service has not accepted yet, per address and in total. */
  unverified: VerifiedCredentialsOptions;
  /** `Retry-After` of a batch refused for being larger than the burst (it never fits). */
  retryAfterSeconds: number;
}

/**
 * The router's rate limits, and its 429 answers. `admit` runs ahead of everything else the bundle does for a
 * request (access line, request bookkeeping): a flooding client is refused at the least cost, so what it takes
 * from the box the other service shares stays small. Refusals are counted in the metrics and summarized in the
 * log (RefusalLog), one line per caller and second, instead of one access line each.
 */
export class RateLimitPolicy {
  private readonly limiter: RateLimiter;
  private readonly verified: VerifiedCredentials;
  private readonly refusals: RefusalLog;

  constructor(
    private readonly settings: RateLimitSettings,
    logger: Logger,
    private readonly rateLimited: Counter<'upstream'>,
  ) {
    this.limiter = new RateLimiter(settings.perMinute, settings.burst);
    this.verified = new VerifiedCredentials(settings.unverified);
    this.refusals = new RefusalLog(logger);
  }

  /** Takes the request's first token; false when it was refused (answered 429, its body discarded). */
  admit(req: IncomingMessage, res: ServerResponse, routed: RoutedRequest): boolean {
    const { caller } = routed;
    let decision = this.limiter.take(caller.key);
    let unaccepted = false;
    if (decision.allowed && caller.credential) {
      const budget = this.verified.take(caller.key, routed.clientAddress);
      if (budget) {
        decision = budget;
        unaccepted = true;
      }
    }
    if (decision.allowed) return true;
    const service = routed.upstream.service;
    const message = unaccepted ? `Too many requests to ${service} with credentials it has not accepted` : `Too many requests to ${service}`;
    this.refuse(req, res, routed, `${message}; retry in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
    req.resume();
    return false;
  }

  /**
   * A JSON-RPC batch costs one token per message: the first was taken in `admit`, here are the rest. False when
   * it was refused (answered 429).
   */
  admitBatch(req: IncomingMessage, res: ServerResponse, routed: RoutedRequest, messages: number): boolean {
    if (messages <= 1) return true;
    const { limiter } = this;
    const service = routed.upstream.service;
    if (messages > limiter.capacity) {
      this.refuse(
        req,
        res,
        routed,
        `A batch of ${messages} messages costs ${messages} requests of the rate limit, more than its burst (${limiter.capacity}) allows; send smaller batches`,
        this.settings.retryAfterSeconds,
      );
      return false;
    }
    const decision = limiter.take(routed.caller.key, messages - 1);
    if (decision.allowed) return true;
    this.refuse(
      req,
      res,
      routed,
      `Too many requests to ${service} (a batch of ${messages} messages counts as ${messages}); retry in ${decision.retryAfterSeconds} s`,
      decision.retryAfterSeconds,
    );
    return false;
  }

  /** What the upstream answered the request: it tells whether its credential is accepted (VerifiedCredentials). */
  answered(routed: RoutedRequest, status: number): void {
    if (routed.caller.credential) this.verified.answered(routed.caller.key, status);
  }

  close(): void {
    this.refusals.close();
  }

  private refuse(req: IncomingMessage, res: ServerResponse, routed: RoutedRequest, message: string, retryAfterSeconds: number): void {
    const service = routed.upstream.service;
    this.rateLimited.inc({ upstream: service });
    this.refusals.refused(service, routed.caller.key);
    const origin = req.headers.origin;
    if (origin !== undefined) setCorsHeaders(res, origin);
    sendProxyError(req, res, 429, 'rate_limited', message, { 'retry-after': String(retryAfterSeconds) });
  }
}
