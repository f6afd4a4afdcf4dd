import type { IncomingHttpHeaders } from 'node:http';
import type { JWTPayload } from 'jose';
import { userIdFromClaims } from './auth/principal.js';
import { fingerprint } from './fingerprint.js';

/**
 * The Benchling API key a request carries: the (first) `X-Benchling-API-Key` value, else the user name of
 * `Authorization: Basic base64(key:)` given as its base64 `basicCredentials` (the password part is ignored); trimmed,
 * undefined when empty. Each caller decides which Authorization values count as Basic credentials (benchlingKeyFrom
 * takes only base64 text; the router's rate limit any credentials after the scheme), so each keeps its own rule
 * for malformed headers while the key itself is read one way.
 */
export function benchlingKeyOf(apiKeyHeader: string | string[] | undefined, basicCredentials: string | undefined): string | undefined {
  const direct = (Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader)?.trim();
  if (direct) return direct;
  if (!basicCredentials) return undefined;
  const decoded = Buffer.from(basicCredentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = (colon === -1 ? decoded : decoded.slice(0, colon)).trim();
  return key || undefined;
}

/** A Benchling API key from `X-Benchling-API-Key` or `Authorization: Basic base64(key:)`, as benchling-mcp takes it. */
export function benchlingKeyFrom(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  const basic = auth ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth)?.[1] : undefined;
  return benchlingKeyOf(headers['x-benchling-api-key'], basic);
}

/** The user id benchling-mcp gives a caller who brings their own key: never the key, a fingerprint of it. */
export function benchlingKeyUserId(key: string): string {
  return `key:${fingerprint(key)}`;
}

/**
 * Who a request is, for the per-user metrics of a process that passes credentials on without checking them (the
 * router's merged `/mcp` and its workflows): the user claim of its Bearer JWT (`sub`, `user_id` or `id`, read as
 * the servers read it), else the id benchling-mcp gives the owner of its Benchling key, else undefined. The same
 * user therefore has the same label in every process.
 *
 * The JWT is decoded, NOT verified. Count under this id only once a server has accepted the credential (a
 * workflow that got an answer from a server's tool); count anything else as `other` (OTHER_USER), so made-up
 * tokens cannot take the bounded `user` labels.
 */
export function unverifiedUserId(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^\s*bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\s*$/i.exec(headers.authorization ?? '');
  if (bearer?.[2]) {
    try {
      const claims = JSON.parse(Buffer.from(bearer[2], 'base64url').toString('utf8')) as unknown;
      if (claims && typeof claims === 'object' && !Array.isArray(claims)) return userIdFromClaims(claims as JWTPayload);
    } catch {
      // Not a JWT we can read: fall through to a Benchling key, or nobody.
    }
  }
  const key = benchlingKeyFrom(headers);
  return key === undefined ? undefined : benchlingKeyUserId(key);
}
