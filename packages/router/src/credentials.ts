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
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate'];

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

/**
 * Shapes the headers an upstream sees: no hop-by-hop headers, no cookies (MCP does not use them), and only the
 * credential meant for that service: quilt-mcp never gets a Benchling key (header or Basic), benchling-mcp never
 * gets the Quilt JWT unless its key mode needs it.
 */
export function prepareUpstreamHeaders(service: string, headers: OutgoingHttpHeaders, policy: CredentialPolicy): void {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const name of [...HOP_BY_HOP, ...named]) delete headers[name];
  delete headers.cookie;
  if (service === 'quilt-mcp') {
    delete headers['x-benchling-api-key'];
    if (isBasic(headers.authorization)) delete headers.authorization;
  } else if (service === 'benchling-mcp') {
    if (isBearer(headers.authorization) && !policy.forwardBearerToBenchling) delete headers.authorization;
  }
}
