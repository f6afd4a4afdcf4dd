import { port, positiveInt } from '@labmcp/service-kit';
import { z } from 'zod';
import type { BenchlingClientSettings } from './benchling/client.js';
import type { ToolSettings } from './context.js';
import { KEY_MODES } from './keys.js';
import { vaultSettings } from './vault/settings.js';

const ms = (defaultValue: number, min: number, max: number) =>
  z.coerce.number().int('must be a whole number of milliseconds').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(defaultValue);

export const benchlingSettings = {
  BENCHLING_MCP_PORT: port(3001),
  BENCHLING_MCP_HOST: z.string().default('127.0.0.1'),
  /** The tenant, e.g. https://tenant.benchling.com (the API is under /api/v2). Unset: the bundled sandbox. */
  BENCHLING_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://tenant.benchling.com' })
    .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'must not hold credentials: API keys come from callers or BENCHLING_API_KEY')
    .optional(),
  /** Where the sandbox listens when BENCHLING_URL is unset (demo mode). */
  BENCHLING_SANDBOX_PORT: port(3002),
  BENCHLING_KEY_MODE: z.enum(KEY_MODES, { error: `must be one of ${KEY_MODES.join(', ')}` }).default('user'),
  BENCHLING_API_KEY: z.string().min(1).optional(),
  /** The service key from a file, read again when it changes (rotation without a restart); instead of BENCHLING_API_KEY. */
  BENCHLING_API_KEY_FILE: z.string().trim().min(1).optional(),
  ...vaultSettings,
  BENCHLING_MCP_MAX_BODY_BYTES: positiveInt(1024 * 1024, 64 * 1024 * 1024),
  BENCHLING_MCP_SSE_KEEPALIVE_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),

  // --- The Benchling client ---
  /** One attempt's time limit (connect, headers and body). Timed-out requests are not retried. */
  BENCHLING_REQUEST_TIMEOUT_MS: ms(30_000, 100, 600_000),
  /** Tries per request, the first included, for 429, 502/503/504 and connection resets/refusals. */
  BENCHLING_RETRY_MAX_ATTEMPTS: positiveInt(5, 20),
  /** First back-off delay; it doubles per try (with jitter) up to BENCHLING_RETRY_MAX_DELAY_MS. */
  BENCHLING_RETRY_BASE_DELAY_MS: ms(500, 1, 60_000),
  BENCHLING_RETRY_MAX_DELAY_MS: ms(8_000, 1, 300_000),
  /** All waiting one request may do (back-off, rate-limit resets, pacing) before it gives up with an error. */
  BENCHLING_RETRY_MAX_WAIT_MS: ms(40_000, 0, 600_000),
  /** Requests one API key may have in flight at once; more wait their turn. */
  BENCHLING_MAX_CONCURRENCY_PER_KEY: positiveInt(4, 64),
  /** Largest Benchling answer read; a bigger one is an error (ask for a smaller page). */
  BENCHLING_MAX_RESPONSE_BYTES: positiveInt(10 * 1024 * 1024, 256 * 1024 * 1024),
  /**
   * When the tenant's `x-rate-limit-remaining` falls to this, requests (of every key: the limit is the tenant's)
   * are spread over the rest of the rate-limit window instead of running into 429s. 0 turns pacing off.
   */
  BENCHLING_RATE_LIMIT_SLOWDOWN_REMAINING: z.coerce.number().int().min(0).max(100_000).default(10),
  /** How long a caller's key that Benchling refused (401) is refused here at once, without asking Benchling. 0: never. */
  BENCHLING_REJECTED_KEY_TTL_MS: ms(300_000, 0, 86_400_000),

  // --- Tools ---
  /** entries_list with folder_id: upstream pages (of the folder's project) scanned per call before handing back a cursor. */
  BENCHLING_FOLDER_SCAN_MAX_PAGES: positiveInt(5, 50),
  /** ...and the size of those pages (Benchling allows at most 100). */
  BENCHLING_FOLDER_SCAN_PAGE_SIZE: positiveInt(100, 100),
  /** How long folders (for entries_list) and schemas (for create validation) are cached, per key. 0: no cache. */
  BENCHLING_CACHE_TTL_MS: ms(60_000, 0, 3_600_000),
};

export function benchlingBaseUrl(config: { BENCHLING_URL?: string | undefined; BENCHLING_SANDBOX_PORT: number }): { url: string; sandbox: boolean } {
  if (config.BENCHLING_URL) return { url: config.BENCHLING_URL.replace(/\/+$/, ''), sandbox: false };
  return { url: `http://127.0.0.1:${config.BENCHLING_SANDBOX_PORT}`, sandbox: true };
}

type Settings = z.infer<z.ZodObject<typeof benchlingSettings>>;

export function clientSettingsFrom(config: Settings): BenchlingClientSettings {
  return {
    timeoutMs: config.BENCHLING_REQUEST_TIMEOUT_MS,
    maxAttempts: config.BENCHLING_RETRY_MAX_ATTEMPTS,
    baseDelayMs: config.BENCHLING_RETRY_BASE_DELAY_MS,
    maxDelayMs: config.BENCHLING_RETRY_MAX_DELAY_MS,
    maxWaitMs: config.BENCHLING_RETRY_MAX_WAIT_MS,
    maxConcurrencyPerKey: config.BENCHLING_MAX_CONCURRENCY_PER_KEY,
    maxResponseBytes: config.BENCHLING_MAX_RESPONSE_BYTES,
    slowdownRemaining: config.BENCHLING_RATE_LIMIT_SLOWDOWN_REMAINING,
    rejectedKeyTtlMs: config.BENCHLING_REJECTED_KEY_TTL_MS,
  };
}

export function toolSettingsFrom(config: Settings): ToolSettings {
  return {
    folderScanMaxPages: config.BENCHLING_FOLDER_SCAN_MAX_PAGES,
    folderScanPageSize: config.BENCHLING_FOLDER_SCAN_PAGE_SIZE,
    cacheTtlMs: config.BENCHLING_CACHE_TTL_MS,
  };
}
