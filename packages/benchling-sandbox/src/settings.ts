import { flag, list, port, positiveInt } from '@labmcp/service-kit/service';
import { z } from 'zod';
import type { SandboxLogger, SandboxOptions } from './server.js';

/**
 * The sandbox process's environment (validated with service-kit's loadConfig, on top of the bundle's common
 * settings such as LABMCP_DATA_DIR and LOG_LEVEL).
 */
export const sandboxSettings = {
  BENCHLING_SANDBOX_PORT: port(3002),
  BENCHLING_SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  /** requests per window for the whole tenant (Benchling: 60 per 30 s) */
  BENCHLING_SANDBOX_RATE_LIMIT: positiveInt(60, 1_000_000),
  BENCHLING_SANDBOX_RATE_WINDOW_SECONDS: positiveInt(30, 86_400),
  /** also send Retry-After on 429s (Benchling does not document one) */
  BENCHLING_SANDBOX_RETRY_AFTER: flag(false),
  /** mount the /_sandbox/ fault-injection endpoints: tests only, never on a shared demo */
  BENCHLING_SANDBOX_ADMIN: flag(false),
  /** how clients reach the sandbox, for apiURL/webURL (default: each request's Host) */
  BENCHLING_SANDBOX_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** more API keys, `key=user` pairs separated by commas; user is a seeded handle (alice) or id (ent_...) */
  BENCHLING_SANDBOX_EXTRA_KEYS: list([]).pipe(z.array(z.string().regex(/^[^=\s]+=[^=\s]+$/, 'each entry must be key=user, e.g. my-ci-key=alice'))),
  BENCHLING_SANDBOX_MAX_BODY_BYTES: positiveInt(1024 * 1024, 64 * 1024 * 1024),
  /**
   * How long to wait for the tenant file while another live process holds it (0: fail at once). The bundle sets it
   * where the sandbox runs inside benchling-mcp's process: a reload starts the new process before the old one ends.
   */
  BENCHLING_SANDBOX_LOCK_WAIT_MS: z.coerce
    .number()
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(120_000, 'must be at most 120000')
    .default(0),
};

export interface SandboxConfig {
  dataDir: string;
  BENCHLING_SANDBOX_RATE_LIMIT: number;
  BENCHLING_SANDBOX_RATE_WINDOW_SECONDS: number;
  BENCHLING_SANDBOX_RETRY_AFTER: boolean;
  BENCHLING_SANDBOX_ADMIN: boolean;
  BENCHLING_SANDBOX_PUBLIC_URL?: string | undefined;
  BENCHLING_SANDBOX_EXTRA_KEYS: string[];
  BENCHLING_SANDBOX_MAX_BODY_BYTES: number;
  BENCHLING_SANDBOX_LOCK_WAIT_MS?: number;
}

export function sandboxOptionsFromConfig(config: SandboxConfig, logger?: SandboxLogger): SandboxOptions {
  const extraKeys = Object.fromEntries(config.BENCHLING_SANDBOX_EXTRA_KEYS.map((pair) => pair.split('=') as [string, string]));
  return {
    dataDir: config.dataDir,
    rateLimit: {
      limit: config.BENCHLING_SANDBOX_RATE_LIMIT,
      windowSeconds: config.BENCHLING_SANDBOX_RATE_WINDOW_SECONDS,
      retryAfterHeader: config.BENCHLING_SANDBOX_RETRY_AFTER,
    },
    adminEndpoints: config.BENCHLING_SANDBOX_ADMIN,
    extraKeys,
    maxBodyBytes: config.BENCHLING_SANDBOX_MAX_BODY_BYTES,
    ...(config.BENCHLING_SANDBOX_LOCK_WAIT_MS ? { lockWait: { waitMs: config.BENCHLING_SANDBOX_LOCK_WAIT_MS } } : {}),
    ...(config.BENCHLING_SANDBOX_PUBLIC_URL ? { publicUrl: config.BENCHLING_SANDBOX_PUBLIC_URL } : {}),
    ...(logger ? { logger } : {}),
  };
}
