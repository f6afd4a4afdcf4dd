import { z } from 'zod';
import { port, positiveInt } from '@labmcp/service-kit';

export const benchlingSettings = {
  BENCHLING_MCP_PORT: port(3001),
  BENCHLING_MCP_HOST: z.string().default('127.0.0.1'),
  /** The tenant, e.g. https://tenant.benchling.com (the API is under /api/v2). Unset: the bundled sandbox. */
  BENCHLING_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://tenant.benchling.com' }).optional(),
  /** Where the sandbox listens when BENCHLING_URL is unset (demo mode). */
  BENCHLING_SANDBOX_PORT: port(3002),
  BENCHLING_KEY_MODE: z.enum(['user', 'service', 'either'], { error: 'must be user, service or either' }).default('user'),
  BENCHLING_API_KEY: z.string().min(1).optional(),
  BENCHLING_MCP_MAX_BODY_BYTES: positiveInt(1024 * 1024, 64 * 1024 * 1024),
  BENCHLING_MCP_SSE_KEEPALIVE_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
};

export function benchlingBaseUrl(config: { BENCHLING_URL?: string | undefined; BENCHLING_SANDBOX_PORT: number }): { url: string; sandbox: boolean } {
  if (config.BENCHLING_URL) return { url: config.BENCHLING_URL.replace(/\/+$/, ''), sandbox: false };
  return { url: `http://127.0.0.1:${config.BENCHLING_SANDBOX_PORT}`, sandbox: true };
}
