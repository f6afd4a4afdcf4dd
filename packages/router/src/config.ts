import { z } from 'zod';
import { port, positiveInt } from '@labmcp/service-kit';

export const routerSettings = {
  ROUTER_PORT: port(8080),
  ROUTER_HOST: z.string().default('0.0.0.0'),
  QUILT_MCP_PORT: port(3000),
  BENCHLING_MCP_PORT: port(3001),
  /** Full upstream URLs, for when the servers do not run beside the router on loopback. */
  QUILT_MCP_UPSTREAM: z.url().optional(),
  BENCHLING_MCP_UPSTREAM: z.url().optional(),
  /** The router forwards the Quilt Bearer JWT to benchling-mcp only where a key mode needs it for audit. */
  BENCHLING_KEY_MODE: z.enum(['user', 'service', 'either']).default('user'),
  /** Time allowed to connect to an upstream and receive its response headers; streaming bodies are not cut. */
  ROUTER_UPSTREAM_TIMEOUT_MS: positiveInt(120_000, 3_600_000),
  ROUTER_HEALTH_TIMEOUT_MS: positiveInt(2_000, 60_000),
  ROUTER_RETRY_AFTER_SECONDS: positiveInt(2, 3600),
};
