import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';
import { DEFAULT_LOG_BATCH_MS, type LogPolicy } from './logger.js';
import { DEFAULT_BODY_TIMEOUT_MS, MAX_BODY_TIMEOUT_MS } from './request-body.js';

/** Thrown when the environment does not describe a runnable service; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every process of the bundle reads. */
export const commonSettings = {
  LABMCP_DATA_DIR: z.string().min(1).default('./data'),
  LABMCP_LOG_DIR: z.string().min(1).default('./logs'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** How long a log line may wait for others to be written with it (the window of logger.ts's standardOutput). */
  LABMCP_LOG_BATCH_MS: z.coerce
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(1000, 'must be at most 1000')
    .default(DEFAULT_LOG_BATCH_MS),
  /** Access lines: `all`, `failures` (4xx, 5xx and aborted requests only) or `off` (logger.ts's LogPolicy). */
  LABMCP_ACCESS_LOG: z.enum(['all', 'failures', 'off']).default('all'),
  /** Audit lines, written whatever LOG_LEVEL says unless this is off (audit-log.ts). */
  LABMCP_AUDIT_LOG: flag(true),
  NODE_ENV: z.string().optional(),
  /**
   * Distinct `tools/list` / `initialize` / `server/discover` answers an MCP server keeps (mcp-endpoint.ts); 0 turns
   * the cache off (every answer built by the SDK, as before).
   */
  LABMCP_MCP_ANSWER_CACHE: z.coerce.number().int('must be a whole number').min(0, 'must not be negative').max(10_000, 'must be at most 10000').default(64),
  /**
   * Time a client has to send a request body to an MCP server once the headers are in (runMcpService hands it to
   * the endpoint); past it, 408 and the connection is closed.
   */
  LABMCP_MCP_BODY_TIMEOUT_MS: positiveInt(DEFAULT_BODY_TIMEOUT_MS, MAX_BODY_TIMEOUT_MS),
  /** Distinct users a process labels in the per-user operation metrics; the rest are counted as `other`. */
  LABMCP_METRICS_USERS: z.coerce.number().int('must be a whole number').min(0, 'must not be negative').max(10_000, 'must be at most 10000').default(100),
  /** How users appear in those metrics: `hash` (default), `id` (the user id itself) or `none` (everyone is `other`). */
  LABMCP_METRICS_USER_LABEL: z.enum(['hash', 'id', 'none']).default('hash'),
  /** Keys the hash of user ids in the metrics (HMAC), so labels cannot be matched against guessed ids. */
  LABMCP_METRICS_USER_HASH_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * JSON-only 2025-era `tools/call` requests are served by one MCP server built once (shared-server.ts); false
   * builds a server per request for them too, as before.
   */
  LABMCP_MCP_SHARED_SERVER: flag(true),
  /**
   * Shows `/health`'s details and `/metrics` to a client elsewhere than loopback that presents it
   * (`Authorization: Bearer <token>`; ops-access.ts): Prometheus scraping a server on a network, and the router,
   * which presents it to servers it reaches elsewhere. Without it, only loopback sees them.
   */
  LABMCP_OPS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /**
   * Browser origins an MCP server's `/mcp` accepts besides localhost ones (mcp-route.ts); through the router or the
   * nginx layout, the proxy in front checks `Origin` and the server does not see it.
   */
  LABMCP_ALLOWED_ORIGINS: list(),
};

/** The logger's policy (createLogger) from a process's settings. */
export function logPolicy(config: { LABMCP_ACCESS_LOG: LogPolicy['accessLog']; LABMCP_AUDIT_LOG: boolean }): LogPolicy {
  return { accessLog: config.LABMCP_ACCESS_LOG, auditLog: config.LABMCP_AUDIT_LOG };
}

export function port(defaultPort: number) {
  return z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(defaultPort);
}

/** `true/false/1/0/yes/no/on/off`, case-insensitive; anything else is an error rather than a silent false. */
export function flag(defaultValue: boolean) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(v), 'must be true or false')
    .transform((v) => (v === '' ? defaultValue : ['true', '1', 'yes', 'on'].includes(v)))
    .optional()
    .transform((v) => v ?? defaultValue);
}

/** A comma-separated list, trimmed, empty items dropped. */
export function list(defaultValue: string[] = []) {
  return z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? defaultValue
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    );
}

export function positiveInt(defaultValue: number, max = Number.MAX_SAFE_INTEGER) {
  return z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(defaultValue);
}

type Common = z.infer<z.ZodObject<typeof commonSettings>>;

/**
 * Reads `.env` (without overriding variables already set) and validates the environment against the common
 * settings plus the service's own. Empty strings count as unset, as most shells and env files mean them.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): Common & z.infer<z.ZodObject<S>> & { dataDir: string; logDir: string } {
  if (env === process.env) {
    const file = process.env.LABMCP_ENV_FILE ?? path.resolve('.env');
    if (existsSync(file)) dotenv.config({ path: file, quiet: true });
  }
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const schema = z.object({ ...commonSettings, ...shape });
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const got = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`}`;
      }),
    );
  }
  const data = parsed.data as Common & z.infer<z.ZodObject<S>>;
  return { ...data, dataDir: path.resolve(data.LABMCP_DATA_DIR), logDir: path.resolve(data.LABMCP_LOG_DIR) };
}

function redactIfSecret(name: string, value: string): string {
  return /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i.test(name) ? '[redacted]' : value;
}

/** Loads config, or prints what is wrong and exits: a misconfigured service must not limp along. */
export function loadConfigOrExit<S extends z.ZodRawShape>(shape: S): ReturnType<typeof loadConfig<S>> {
  try {
    return loadConfig(shape);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/**
 * Runs a start-up step that may find the configuration unusable (a check across several settings, a key that
 * does not parse): a ConfigError, or a plain Error when `anyError` is set, is printed and the process exits with
 * EX_CONFIG, which PM2 is told not to restart on.
 */
export async function orExitOnConfigError<T>(step: () => Promise<T> | T, anyError = false): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (anyError && err instanceof Error) process.stderr.write(`Invalid configuration:\n  - ${err.message}\n`);
    else throw err;
    process.exit(78);
  }
}
