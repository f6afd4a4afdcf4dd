import { inspect } from 'node:util';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import { AuthError } from './errors.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Who is calling, as established by a verified token. */
export interface Principal {
  userId: string;
  scopes: Set<string>;
  catalogUrl?: string;
  /** From the token's `aws_credentials` claim, when the issuer handed the caller their own AWS session. */
  awsCredentials?: AwsCredentials;
  tokenExpiresAt?: Date;
  /** The verified claims, with the secret parts of `aws_credentials` redacted (they live in `awsCredentials`). */
  rawClaims: JWTPayload;
}

const MAX_USER_ID_LENGTH = 256;

const awsCredentialsClaim = z.object({
  access_key_id: z.string().min(1),
  secret_access_key: z.string().min(1),
  session_token: z.string().min(1).optional(),
});

const scopeClaim = z.union([z.string(), z.array(z.string())]);

/**
 * Maps verified claims onto a Principal. The claim names cover our own tokens (`sub`, `scopes`/`scope`) and Quilt
 * catalog tokens, which carry only `id`, `uuid` and `exp`.
 */
export function principalFromClaims(claims: JWTPayload, defaultScopes: readonly string[]): Principal {
  const principal: Principal = {
    userId: userIdFromClaims(claims),
    scopes: scopesFrom(claims, defaultScopes),
    rawClaims: redactedClaims(claims),
  };
  if (claims.catalog_url !== undefined) principal.catalogUrl = catalogUrlFrom(claims.catalog_url);
  if (claims.aws_credentials !== undefined) principal.awsCredentials = awsCredentialsFrom(claims.aws_credentials);
  if (typeof claims.exp === 'number') principal.tokenExpiresAt = new Date(claims.exp * 1000);
  return principal;
}

/** The user a token's claims name (`sub`, else `user_id`, else `id`); throws `malformed` for none or an unusable one. */
export function userIdFromClaims(claims: JWTPayload): string {
  for (const name of ['sub', 'user_id', 'id'] as const) {
    const value = claims[name];
    if (value === undefined || value === null || value === '') continue;
    // Integer ids (some catalogs use database ids) are fine; anything else is a token we do not understand.
    const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a user id with control characters is refused
    if (typeof id !== 'string' || id.length > MAX_USER_ID_LENGTH || /[\x00-\x1f\x7f]/.test(id)) {
      throw new AuthError('malformed', `The token's "${name}" claim is not a usable user id.`);
    }
    return id;
  }
  throw new AuthError('malformed', 'The token names no user: it needs a "sub", "user_id" or "id" claim.');
}

/**
 * `scopes` (array, or a space-separated string) wins over `scope` (RFC 8693 space-separated string, or an array
 * from issuers that ignore the RFC). Present-but-empty means "no scopes", not "default scopes": only a token that
 * says nothing about scopes gets the defaults.
 */
function scopesFrom(claims: JWTPayload, defaultScopes: readonly string[]): Set<string> {
  for (const name of ['scopes', 'scope'] as const) {
    if (claims[name] === undefined) continue;
    const parsed = scopeClaim.safeParse(claims[name]);
    if (!parsed.success) throw new AuthError('malformed', `The token's "${name}" claim must be a string or an array of strings.`);
    const items = typeof parsed.data === 'string' ? parsed.data.split(/\s+/) : parsed.data;
    return new Set(items.map((s) => s.trim()).filter(Boolean));
  }
  return new Set(defaultScopes);
}

function catalogUrlFrom(value: unknown): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'https:' || url.protocol === 'http:') return value;
    } catch {
      // fall through to the error below
    }
  }
  throw new AuthError('malformed', 'The token\'s "catalog_url" claim is not an http(s) URL.');
}

function awsCredentialsFrom(value: unknown): AwsCredentials {
  const parsed = awsCredentialsClaim.safeParse(value);
  if (!parsed.success) {
    // Say which fields are wrong, never their values.
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(the claim itself)'))].join(', ');
    throw new AuthError('malformed', `The token's "aws_credentials" claim is not valid (${fields}): it needs access_key_id and secret_access_key strings.`);
  }
  const { access_key_id, secret_access_key, session_token } = parsed.data;
  return secretHolder({
    accessKeyId: access_key_id,
    secretAccessKey: secret_access_key,
    ...(session_token === undefined ? {} : { sessionToken: session_token }),
  });
}

/**
 * Principals travel far (into tool contexts, error reports, debug logs), deeper than the logger's redaction paths
 * reach. So the credentials object itself refuses to serialise its secrets; spreading it still copies the values,
 * because the guards are non-enumerable.
 */
function secretHolder(credentials: AwsCredentials): AwsCredentials {
  const redacted = () => ({
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: '[redacted]',
    ...(credentials.sessionToken ? { sessionToken: '[redacted]' } : {}),
  });
  Object.defineProperty(credentials, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(credentials, inspect.custom, { value: () => redacted(), enumerable: false });
  return credentials;
}

function redactedClaims(claims: JWTPayload): JWTPayload {
  if (claims.aws_credentials === undefined) return { ...claims };
  const aws = claims.aws_credentials as Record<string, unknown> | null;
  const keyId = aws && typeof aws === 'object' ? aws.access_key_id : undefined;
  return { ...claims, aws_credentials: { access_key_id: keyId, secret_access_key: '[redacted]', session_token: '[redacted]' } };
}

/** Throws `insufficient_scope` (a 403) unless the principal holds `scope`. */
export function requireScope(principal: Pick<Principal, 'scopes'>, scope: string): void {
  if (!principal.scopes.has(scope)) {
    throw new AuthError('insufficient_scope', `This needs the "${scope}" scope, which your token does not grant.`, { scope });
  }
}
