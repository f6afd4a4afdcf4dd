import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { FaultInjector } from './faults.js';
import { readJsonBody } from './http/body.js';
import { ApiError, badRequest } from './http/errors.js';
import type { FixedWindowRateLimiter } from './rate-limit.js';

/**
 * Test-only control endpoints under `/_sandbox/`, mounted only when explicitly enabled (constructor option
 * `adminEndpoints`, or BENCHLING_SANDBOX_ADMIN=true for the process). They are not part of Benchling's API and
 * take no credentials, so never enable them on a sandbox other people can reach.
 *
 *   GET    /_sandbox/faults              queued faults
 *   POST   /_sandbox/faults              {"kind":"status","status":503,"count":2,"body":"json"|"html"|"empty","pathPrefix"?}
 *                                        {"kind":"throttle","count":3}   {"kind":"delay","ms":2000,"count":1}
 *   DELETE /_sandbox/faults              clear queued faults
 *   POST   /_sandbox/rate-limit/exhaust  use up the current rate-limit window (real 429s until it resets)
 *   DELETE /_sandbox/rate-limit          start a fresh window
 */
export const ADMIN_PREFIX = '/_sandbox/';

const faultRequest = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('status'),
    status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    count: z.number().int().min(1),
    body: z.enum(['json', 'html', 'empty']).optional(),
    pathPrefix: z.string().startsWith('/').optional(),
  }),
  z.strictObject({ kind: z.literal('throttle'), count: z.number().int().min(1), pathPrefix: z.string().startsWith('/').optional() }),
  z.strictObject({ kind: z.literal('delay'), count: z.number().int().min(1), ms: z.number().int().min(0), pathPrefix: z.string().startsWith('/').optional() }),
]);

export async function handleAdmin(
  req: IncomingMessage,
  path: string,
  faults: FaultInjector,
  limiter: FixedWindowRateLimiter,
): Promise<{ status: number; body: unknown }> {
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /_sandbox/faults':
      return { status: 200, body: { faults: faults.pending() } };
    case 'POST /_sandbox/faults': {
      const parsed = faultRequest.safeParse(await readJsonBody(req, 16 * 1024));
      if (!parsed.success) throw badRequest(`Invalid fault: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
      const f = parsed.data;
      const options = f.pathPrefix ? { pathPrefix: f.pathPrefix } : {};
      try {
        if (f.kind === 'status') faults.failNext(f.count, f.status, { ...options, ...(f.body ? { body: f.body } : {}) });
        else if (f.kind === 'throttle') faults.throttleNext(f.count, options);
        else faults.delayNext(f.count, f.ms, options);
      } catch (err) {
        if (err instanceof RangeError) throw badRequest(err.message);
        throw err;
      }
      return { status: 201, body: { faults: faults.pending() } };
    }
    case 'DELETE /_sandbox/faults':
      faults.clear();
      return { status: 200, body: { faults: [] } };
    case 'POST /_sandbox/rate-limit/exhaust':
      limiter.exhaust();
      return { status: 200, body: limiter.peek(true) };
    case 'DELETE /_sandbox/rate-limit':
      limiter.reset();
      return { status: 200, body: limiter.peek() };
    default:
      throw new ApiError(404, `No admin endpoint ${route}.`);
  }
}
