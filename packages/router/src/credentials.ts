import type { OutgoingHttpHeaders } from 'node:http';

export interface CredentialPolicy {
  /** Whether benchling-mcp needs the caller's Quilt JWT (see forwardsBearerToBenchling). */
  forwardBearerToBenchling: boolean;
}

/**
 * Whether the Quilt JWT goes to benchling-mcp: in every key mode but `user`, where benchling-mcp acts on it
 * (service/either: the audit trail; vault/user-or-vault: it names the user whose Benchling key is looked up),
 * unless ROUTER_FORWARD_JWT_TO_BENCHLING says otherwise.
 */
export function forwardsBearerToBenchling(config: { BENCHLING_KEY_MODE: string; ROUTER_FORWARD_JWT_TO_BENCHLING: 'auto' | 'always' | 'never' }): boolean {
  if (config.ROUTER_FORWARD_JWT_TO_BENCHLING !== 'auto') return config.ROUTER_FORWARD_JWT_TO_BENCHLING === 'always';
  return config.BENCHLING_KEY_MODE !== 'user';
}

// RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. (Transfer-Encoding is left to Node,
// which re-frames the body itself.)
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/**
 * Whether benchling-mcp ignores a Benchling key the caller sends (key modes service and vault act on the JWT alone).
 * Then the router must count such a request against its JWT, not the key: a caller could otherwise send a new
 * made-up key with each request for a fresh rate-limit bucket, since benchling-mcp accepts the request anyway.
 */
export function benchlingIgnoresCallerKeys(config: { BENCHLING_KEY_MODE: string }): boolean {
  return config.BENCHLING_KEY_MODE === 'service' || config.BENCHLING_KEY_MODE === 'vault';
}

const isBasic = (authorization: unknown) => typeof authorization === 'string' && /^basic\s/i.test(authorization);
const isBearer = (authorization: unknown) => typeof authorization === 'string' && /^bearer\s/i.test(authorization);

/** The header names a `Connection` header value lists (lowercase): hop-by-hop for that one connection too. */
export function connectionNamed(connection: unknown): string[] {
  if (connection === undefined) return [];
  // The usual values name nothing that is not hop-by-hop already.
  if (connection === 'keep-alive' || connection === 'close') return [];
  return String(connection)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Whether one header of a client's request goes on to `service`: no hop-by-hop headers, no cookies (MCP does not
 * use them), and only the credential meant for that service: quilt-mcp never gets a Benchling key (header or
 * Basic), benchling-mcp never gets the Quilt JWT unless its key mode needs it. `name` is lowercase, as Node
 * gives request headers; headers named in `Connection` (connectionNamed) are the caller's to leave out.
 */
export function forwardsHeader(service: string, name: string, value: unknown, policy: CredentialPolicy): boolean {
  if (HOP_BY_HOP.has(name) || name === 'cookie') return false;
  if (service === 'quilt-mcp') return name === 'x-benchling-api-key' ? false : !(name === 'authorization' && isBasic(value));
  if (service === 'benchling-mcp') return !(name === 'authorization' && isBearer(value) && !policy.forwardBearerToBenchling);
  return true;
}

/** Shapes a headers object the way forwardsHeader says, in place. */
export function prepareUpstreamHeaders(service: string, headers: OutgoingHttpHeaders, policy: CredentialPolicy): void {
  const named = connectionNamed(headers.connection);
  for (const name of Object.keys(headers)) {
    if (named.includes(name) || !forwardsHeader(service, name, headers[name], policy)) delete headers[name];
  }
}
