import type { IncomingHttpHeaders } from 'node:http';
import type { JWTPayload } from 'jose';
import { userIdFromClaims } from './auth/principal.js';
import { fingerprint } from './fingerprint.js';

/** A Benchling API key from `X-Benchling-API-Key` or `Authorization: Basic base64(key:)`, as benchling-mcp takes it. */
export function benchlingKeyFrom(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-benchling-api-key'];
  const direct = (Array.isArray(header) ? header[0] : header)?.trim();
  if (direct) return direct;
  const auth = headers.authorization;
  const match = auth ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth) : null;
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = (colon === -1 ? decoded : decoded.slice(0, colon)).trim();
  return key || undefined;
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
