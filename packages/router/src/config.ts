import { DEFAULT_BODY_TIMEOUT_MS, flag, list, port, positiveInt } from '@labmcp/service-kit/service';
import { z } from 'zod';
import { isAddressOrCidr } from './client-address.js';
import { parseServiceHost, type ServiceHostSetting } from './service-hosts.js';

export const routerSettings = {
  ROUTER_PORT: port(8080),
  ROUTER_HOST: z.string().default('0.0.0.0'),
  QUILT_MCP_PORT: port(3000),
  BENCHLING_MCP_PORT: port(3001),
  /** Full upstream URLs, for when the servers do not run beside the router on loopback. */
  QUILT_MCP_UPSTREAM: z.url().optional(),
  BENCHLING_MCP_UPSTREAM: z.url().optional(),
  /**
   * benchling-mcp's key mode (the bundle's processes read the same setting): the router forwards the Quilt Bearer
   * JWT to benchling-mcp only where the mode acts on it (service/either: audit; vault/user-or-vault: it names the
   * user whose key is looked up).
   */
  BENCHLING_KEY_MODE: z.enum(['user', 'service', 'either', 'vault', 'user-or-vault']).default('user'),
  /** Overrides what BENCHLING_KEY_MODE implies, for a benchling-mcp configured apart from the router: auto, always, never. */
  ROUTER_FORWARD_JWT_TO_BENCHLING: z.enum(['auto', 'always', 'never']).default('auto'),
  /** Time allowed to connect to an upstream and receive its response headers; streaming bodies are not cut. */
  ROUTER_UPSTREAM_TIMEOUT_MS: positiveInt(120_000, 3_600_000),
  ROUTER_HEALTH_TIMEOUT_MS: positiveInt(2_000, 60_000),
  ROUTER_RETRY_AFTER_SECONDS: positiveInt(2, 3600),
  ROUTER_MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024, 256 * 1024 * 1024),
  ROUTER_MAX_HEADER_BYTES: positiveInt(16 * 1024, 256 * 1024),
  /** Time a client has to send its request headers, from its first byte; past it, 408 and the connection closes. */
  // At most Node's whole-request timeout (300 s), which it must not exceed.
  ROUTER_HEADERS_TIMEOUT_MS: positiveInt(10_000, 300_000),
  /** Time a client has to send its whole request body, from its headers; past it, 408 and the connection closes. */
  ROUTER_BODY_TIMEOUT_MS: positiveInt(DEFAULT_BODY_TIMEOUT_MS, 3_600_000),
  /** Per credential (or per client address without one): sustained rate and burst. */
  ROUTER_RATE_LIMIT_PER_MINUTE: positiveInt(600, 1_000_000),
  ROUTER_RATE_LIMIT_BURST: positiveInt(60, 100_000),
  /**
   * Per client address, and in total: requests whose credential its service has not (yet) accepted, i.e. new,
   * or refused last time. A credential once accepted is limited by the per-credential bucket only.
   */
  ROUTER_UNVERIFIED_PER_MINUTE: positiveInt(30, 1_000_000),
  ROUTER_UNVERIFIED_BURST: positiveInt(20, 100_000),
  ROUTER_UNVERIFIED_TOTAL_PER_MINUTE: positiveInt(600, 10_000_000),
  ROUTER_UNVERIFIED_TOTAL_BURST: positiveInt(100, 1_000_000),
  ROUTER_MAX_CONCURRENT_PER_SERVICE: positiveInt(64, 100_000),
  /** Proxies in front whose X-Forwarded-* headers are believed: addresses or CIDRs, comma-separated. */
  ROUTER_TRUSTED_PROXIES: list().pipe(z.array(z.string().refine(isAddressOrCidr, 'must be IP addresses or CIDRs (10.0.0.0/8, ::1)'))),
  /** Browser origins allowed to call (CORS and MCP's DNS-rebinding check), comma-separated. */
  ROUTER_ALLOWED_ORIGINS: list(),
  ROUTER_ALLOW_LOCALHOST_ORIGINS: flag(true),
  /** OAuth authorization servers for Quilt (RFC 9728 metadata is served when set), comma-separated URLs. */
  QUILT_AUTHORIZATION_SERVERS: list(),
  /** The router's public base URL (for resource metadata); built from an allowed Host when unset. */
  ROUTER_PUBLIC_URL: z.url().optional(),
  /** Host names the router answers to besides loopback names (and ROUTER_PUBLIC_URL's), comma-separated. */
  ROUTER_ALLOWED_HOSTS: list(),
  /** Host names given to one service each (`quilt.example.com=quilt,benchling.example.com=benchling`), comma-separated. */
  ROUTER_SERVICE_HOSTS: list().transform((entries, ctx): ServiceHostSetting[] => {
    const parsed = entries.map((entry) => parseServiceHost(entry) ?? entry);
    const bad = parsed.filter((p) => typeof p === 'string');
    if (bad.length > 0)
      ctx.addIssue({ code: 'custom', message: `must be host=quilt or host=benchling entries (not ${bad.map((b) => JSON.stringify(b)).join(', ')})` });
    return parsed.filter((p) => typeof p !== 'string');
  }),
  /** HTTPS: the certificate (PEM, with its chain) and key files; both or neither. Renewed files are picked up. */
  ROUTER_TLS_CERT_FILE: z.string().min(1).optional(),
  ROUTER_TLS_KEY_FILE: z.string().min(1).optional(),
  ROUTER_TLS_MIN_VERSION: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
  /** How often the certificate files are checked for a renewal. */
  ROUTER_TLS_RELOAD_INTERVAL_MS: positiveInt(30_000, 3_600_000),
  /** With HTTPS: a plain-HTTP port that redirects to HTTPS (GET/HEAD) or refuses (ROUTER_HTTP_MODE). */
  ROUTER_HTTP_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1)
    .max(65535, 'must be between 1 and 65535')
    .optional(),
  ROUTER_HTTP_MODE: z.enum(['redirect', 'refuse']).default('redirect'),
  /** With HTTPS: Strict-Transport-Security's max-age (0: no header), and whether it covers subdomains. */
  ROUTER_HSTS_MAX_AGE_SECONDS: z.coerce.number().int('must be a whole number').min(0, 'must not be negative').max(63_072_000).default(31_536_000),
  ROUTER_HSTS_INCLUDE_SUBDOMAINS: flag(false),
  /** A token (Authorization: Bearer) for /health details and /metrics from other than loopback. */
  ROUTER_OPS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
};
