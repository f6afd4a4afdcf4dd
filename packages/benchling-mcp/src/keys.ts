import type { IncomingMessage } from 'node:http';
import { benchlingKeyFrom, benchlingKeyUserId, type Caller, HttpError } from '@labmcp/service-kit';
import { AuthError, bearerTokenFrom, type JwtVerifier, type Principal } from '@labmcp/service-kit/auth';
import type { ServiceKey } from './service-key.js';
import { SecretNames } from './vault/names.js';
import type { VaultKeys } from './vault/vault-keys.js';

export const KEY_MODES = ['user', 'service', 'either', 'vault', 'user-or-vault'] as const;
export type KeyMode = (typeof KEY_MODES)[number];

/** Whether a mode acts on a verified JWT (so the router must forward it). */
export const usesJwt = (mode: KeyMode) => mode !== 'user';

export interface BenchlingCaller extends Caller {
  /** JWT subject with the service or a vault key; otherwise a fingerprint of the key, so the audit trail never holds the key. */
  userId: string;
  apiKey: string;
  keySource: 'user' | 'service' | 'vault';
  /**
   * After Benchling refused `apiKey`: the key to retry with, when its source now has another one (a rotated vault
   * or service key), else undefined.
   */
  refreshKey?: (refused: string) => Promise<string | undefined>;
}

/** The caller's own key, from `X-Benchling-API-Key` or `Authorization: Basic base64(key:)`. */
export function userKeyFrom(req: IncomingMessage): string | undefined {
  return benchlingKeyFrom(req.headers);
}

export interface KeyResolverOptions {
  mode: KeyMode;
  serviceKey?: ServiceKey | undefined;
  verifier?: JwtVerifier | undefined;
  /** Users' own keys (modes vault and user-or-vault), and the claim that names the user there. */
  vault?: { keys: VaultKeys; userClaim: string } | undefined;
  /** Whether Benchling refused this user key lately (then it is refused here, as a 401, without asking again). */
  rejectedLately?: (apiKey: string) => boolean;
}

/** Checked at start, so a misconfigured mode fails loudly instead of refusing every request. */
export function assertKeyConfig(options: KeyResolverOptions): void {
  if ((options.mode === 'service' || options.mode === 'either') && !options.serviceKey?.configured) {
    throw new Error(`BENCHLING_KEY_MODE=${options.mode} needs BENCHLING_API_KEY or BENCHLING_API_KEY_FILE (the shared service key)`);
  }
  if ((options.mode === 'vault' || options.mode === 'user-or-vault') && !options.vault) {
    throw new Error(`BENCHLING_KEY_MODE=${options.mode} needs a key store (BENCHLING_VAULT_STORE and its settings)`);
  }
}

/** The user's name in the vault: the configured claim of their verified token. */
function vaultUserOf(principal: Principal, claim: string): string {
  const raw = principal.rawClaims[claim];
  const user = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof user !== 'string' || !SecretNames.validUser(user)) {
    throw new HttpError(
      403,
      'vault_user_unnamed',
      `Your token has no usable "${claim}" claim, which names you in the Benchling key vault (BENCHLING_VAULT_USER_CLAIM): ` +
        'ask the operator which claim to use, or get a token that carries it.',
    );
  }
  return user;
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="benchling-mcp", charset="UTF-8"' };

/**
 * The caller of a request, or an HttpError. A caller with their own key is known at once and returned as it is;
 * one acting through the service or a vault key needs their JWT verified (and the vault asked): a promise.
 */
export function keyResolver(options: KeyResolverOptions): (req: IncomingMessage) => BenchlingCaller | Promise<BenchlingCaller> {
  assertKeyConfig(options);
  return (req) => {
    const userKey = options.mode === 'service' || options.mode === 'vault' ? undefined : userKeyFrom(req);
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
    return jwtCaller(req, options);
  };
}

/** Service or vault key: only for a caller with a verified JWT, so every action is audited under a real user id. */
async function jwtCaller(req: IncomingMessage, options: KeyResolverOptions): Promise<BenchlingCaller> {
  const token = bearerTokenFrom(req.headers.authorization);
  if (!token || !options.verifier) throw new HttpError(401, 'jwt_missing', JWT_MISSING[options.mode], { 'www-authenticate': 'Bearer realm="benchling-mcp"' });
  let principal: Principal;
  try {
    principal = await options.verifier.verify(token);
  } catch (err) {
    if (err instanceof AuthError) throw new HttpError(err.status, err.reason, err.message, { 'www-authenticate': err.wwwAuthenticate() });
    throw err;
  }
  if ((options.mode === 'vault' || options.mode === 'user-or-vault') && options.vault) {
    const { keys, userClaim } = options.vault;
    const user = vaultUserOf(principal, userClaim);
    const apiKey = await keys.keyFor(user);
    return { userId: principal.userId, apiKey, keySource: 'vault', refreshKey: (refused) => keys.refresh(user, refused) };
  }
  const serviceKey = options.serviceKey as ServiceKey;
  return {
    userId: principal.userId,
    apiKey: serviceKey.current() as string,
    keySource: 'service',
    refreshKey: async (refused) => serviceKey.refresh(refused),
  };
}

const JWT_MISSING: Record<KeyMode, string> = {
  user: '',
  service: 'This server acts through a shared service key: send a JWT (Authorization: Bearer <token>) so your actions are audited under your user id.',
  either: 'Send your Benchling API key in X-Benchling-API-Key, or a JWT (Authorization: Bearer) to act through the service key.',
  vault: 'This server looks up your own Benchling key in its key vault: send your JWT (Authorization: Bearer <token>), which names you.',
  'user-or-vault': 'Send your JWT (Authorization: Bearer <token>) to use the Benchling key stored for you, or your own key in X-Benchling-API-Key.',
};
