import { HttpError } from '../http-error.js';

/**
 * Why a request was refused. Used as a metric label and as the HTTP `reason`, so this set is closed and stable:
 * add a value only together with the dashboards that read it.
 */
export const AUTH_ERROR_REASONS = [
  'missing',
  'malformed',
  'invalid_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'algorithm_not_allowed',
  'unknown_key',
  'insufficient_scope',
  /** The backend (Benchling) refused the caller's own API key. */
  'key_rejected',
] as const;

export type AuthErrorReason = (typeof AUTH_ERROR_REASONS)[number];

/**
 * A refused credential. The message is written for the caller and is safe to show: it never holds the token or
 * any part of it, nor key material.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** For `insufficient_scope`: the scope that was needed, echoed in the challenge (RFC 6750 §3). */
  readonly scope: string | undefined;

  constructor(
    readonly reason: AuthErrorReason,
    message: string,
    options: { scope?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.scope = options.scope;
  }

  /** 403 when the caller is known but not allowed, 401 when who they are could not be established. */
  get status(): 401 | 403 {
    return this.reason === 'insufficient_scope' ? 403 : 401;
  }

  /**
   * The RFC 6750 `WWW-Authenticate` value. A request without credentials gets a bare challenge (§3.1: no error
   * code when the client did not try), a scope problem gets `insufficient_scope`, everything else `invalid_token`.
   */
  wwwAuthenticate(realm?: string): string {
    const params: string[] = [];
    if (realm) params.push(`realm="${quotable(realm)}"`);
    if (this.reason !== 'missing') {
      params.push(`error="${this.reason === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token'}"`);
      params.push(`error_description="${quotable(this.message)}"`);
      if (this.scope) params.push(`scope="${quotable(this.scope)}"`);
    }
    return params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
  }
}

/**
 * The keys to check a token could not be fetched (JWKS endpoint down, timing out, answering garbage). This is
 * the server's problem, not the caller's, so it is a 503 rather than a 401 that would send clients to re-login.
 */
export class AuthUnavailableError extends HttpError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(503, 'auth_unavailable', message, { 'retry-after': '5' });
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** RFC 6750 §3: error_description and scope allow only %x20-21 / %x23-5B / %x5D-7E, so no quote or backslash. */
function quotable(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}
