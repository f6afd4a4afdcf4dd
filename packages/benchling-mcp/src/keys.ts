import type { IncomingMessage } from 'node:http';
import { benchlingKeyFrom, benchlingKeyUserId, type Caller, HttpError } from '@labmcp/service-kit';
import { AuthError, bearerTokenFrom, type JwtVerifier } from '@labmcp/service-kit/auth';

export type KeyMode = 'user' | 'service' | 'either';

export interface BenchlingCaller extends Caller {
  /** JWT subject in service mode; otherwise a fingerprint of the key, so the audit trail never holds the key. */
  userId: string;
  apiKey: string;
  keySource: 'user' | 'service';
}

/** The caller's own key, from `X-Benchling-API-Key` or `Authorization: Basic base64(key:)`. */
export function userKeyFrom(req: IncomingMessage): string | undefined {
  return benchlingKeyFrom(req.headers);
}

export interface KeyResolverOptions {
  mode: KeyMode;
  serviceKey?: string | undefined;
  verifier?: JwtVerifier | undefined;
  /** Whether Benchling refused this user key lately (then it is refused here, as a 401, without asking again). */
  rejectedLately?: (apiKey: string) => boolean;
}

/** Checked at start, so a misconfigured mode fails loudly instead of refusing every request. */
export function assertKeyConfig(options: KeyResolverOptions): void {
  if (options.mode !== 'user' && !options.serviceKey) {
    throw new Error(`BENCHLING_KEY_MODE=${options.mode} needs BENCHLING_API_KEY (the shared service key)`);
  }
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="benchling-mcp", charset="UTF-8"' };

export function keyResolver(options: KeyResolverOptions): (req: IncomingMessage) => Promise<BenchlingCaller> {
  assertKeyConfig(options);
  return async (req) => {
    const userKey = options.mode === 'service' ? undefined : userKeyFrom(req);
    if (userKey && options.rejectedLately?.(userKey)) {
      throw new HttpError(
        401,
        'key_rejected',
        'Benchling rejected this API key a short while ago; it is not sent to Benchling again for now. Check the key you send in X-Benchling-API-Key.',
        BASIC_CHALLENGE,
      );
    }
    if (userKey) return { userId: benchlingKeyUserId(userKey), apiKey: userKey, keySource: 'user' };
    if (options.mode === 'user') {
      throw new HttpError(
        401,
        'key_missing',
        'No Benchling API key: send your key in the X-Benchling-API-Key header (or as Authorization: Basic base64(key:)).',
        BASIC_CHALLENGE,
      );
    }
    // Service key: only for a caller with a verified JWT, so every action is audited under a real user id.
    const token = bearerTokenFrom(req.headers.authorization);
    if (!token || !options.verifier) {
      throw new HttpError(
        401,
        'jwt_missing',
        options.mode === 'either'
          ? 'Send your Benchling API key in X-Benchling-API-Key, or a JWT (Authorization: Bearer) to act through the service key.'
          : 'This server acts through a shared service key: send a JWT (Authorization: Bearer <token>) so your actions are audited under your user id.',
        { 'www-authenticate': 'Bearer realm="benchling-mcp"' },
      );
    }
    try {
      const principal = await options.verifier.verify(token);
      return { userId: principal.userId, apiKey: options.serviceKey as string, keySource: 'service' };
    } catch (err) {
      if (err instanceof AuthError) throw new HttpError(err.status, err.reason, err.message, { 'www-authenticate': err.wwwAuthenticate() });
      throw err;
    }
  };
}
