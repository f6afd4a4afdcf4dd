import { hash, type KeyObject as NodeKeyObject } from 'node:crypto';
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
  type KeyObject,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import { DEMO_ALGORITHM, DEMO_AUDIENCE, DEMO_ISSUER, loadOrCreateDemoKey } from './demo-key.js';
import { AuthError, AuthUnavailableError } from './errors.js';
import { idOfPublicKey, idOfSecret, KeyRing, parsePublicKeys, parseSecrets } from './key-ring.js';
import { type Principal, principalFromClaims } from './principal.js';
import { algorithmsForKey, isKnownAlgorithm, type JwtSettings, MIN_SECRET_LENGTH, resolveKeySource } from './settings.js';

export type JwtVerifierMode = 'jwks' | 'public-key' | 'secret' | 'demo';

export interface JwtVerifier {
  readonly mode: JwtVerifierMode;
  /** Resolves the caller, or throws AuthError (token refused) or AuthUnavailableError (keys could not be fetched). */
  verify(token: string): Promise<Principal>;
}

export interface JwtVerifierOptions {
  dataDir: string;
  logger: Pick<Logger, 'warn'> & Partial<Pick<Logger, 'info'>>;
  /** The clock for the verification cache's expiry (tests); Date.now by default. */
  now?: () => number;
  /** JWKS fetching; the defaults suit production, tests shorten the cooldown to exercise key rotation. */
  jwks?: {
    /** Minimum time between two re-fetches triggered by an unknown `kid`, so junk tokens cannot hammer the issuer. */
    cooldownMs?: number;
    /** How long a fetched key set is used before it is fetched again regardless. */
    cacheMaxAgeMs?: number;
    timeoutMs?: number;
  };
}

/** Far above any real JWT (a few KB at most); bounds the work a junk header can cause. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Builds the verifier described by the settings (see settings.ts). Throws ConfigError at start for a bad
 * combination, so nothing half-configured ever serves requests.
 */
export async function createJwtVerifier(settings: JwtSettings, options: JwtVerifierOptions): Promise<JwtVerifier> {
  const source = resolveKeySource(settings);
  const { logger } = options;
  let key: KeyObject | CryptoKey | Uint8Array | JWTVerifyGetKey | KeyRing<KeyObject | Uint8Array>;
  let algorithms: string[];
  let issuer: string | undefined = settings.QUILT_JWT_ISSUER;
  let audience: string[] = settings.QUILT_JWT_AUDIENCE;

  switch (source.mode) {
    case 'jwks': {
      key = jwksKeyGetter(source.url, { cooldownMs: (settings.QUILT_JWT_JWKS_COOLDOWN_SECONDS ?? 30) * 1000, ...options.jwks });
      algorithms = source.algorithms;
      if (source.url.protocol === 'http:' && !isLoopback(source.url.hostname)) {
        logger.warn({ jwksUrl: source.url.origin }, 'QUILT_JWT_JWKS_URL is plain http: anyone on the path could substitute signing keys; use https');
      }
      break;
    }
    case 'public-key':
      key = new KeyRing<KeyObject | Uint8Array>({
        initial: source.keys,
        file: source.file,
        parse: parsePublicKeys,
        idOf: (k) => idOfPublicKey(k as NodeKeyObject),
        overlapMs: overlapMs(settings),
        logger: { warn: logger.warn.bind(logger), info: (logger.info ?? logger.warn).bind(logger) },
        ...(options.now ? { now: options.now } : {}),
      });
      algorithms = source.algorithms;
      break;
    case 'secret':
      key = new KeyRing<KeyObject | Uint8Array>({
        initial: source.secrets,
        file: source.file,
        parse: (text) => parseSecrets(text, MIN_SECRET_LENGTH),
        idOf: (k) => idOfSecret(k as Uint8Array),
        overlapMs: overlapMs(settings),
        logger: { warn: logger.warn.bind(logger), info: (logger.info ?? logger.warn).bind(logger) },
        ...(options.now ? { now: options.now } : {}),
      });
      algorithms = source.algorithms;
      break;
    case 'demo': {
      const demoKey = await loadOrCreateDemoKey(options.dataDir);
      key = demoKey.publicKey;
      algorithms = [DEMO_ALGORITHM];
      issuer = DEMO_ISSUER;
      audience = [DEMO_AUDIENCE];
      logger.warn(
        { keyFile: demoKey.file, issuer, audience: DEMO_AUDIENCE },
        'Demo auth is on: no QUILT_JWT_JWKS_URL, QUILT_JWT_PUBLIC_KEY or QUILT_JWT_SECRET is set, so tokens are checked against a local demo key (mint them with `npm run token`). Do not expose this to real users.',
      );
      break;
    }
  }
  if ((source.mode === 'jwks' || source.mode === 'public-key') && audience.length === 0) {
    logger.warn({ mode: source.mode }, 'QUILT_JWT_AUDIENCE is not set: any token this issuer signs, for any application, will be accepted here');
  }

  // When QUILT_JWT_ISSUER / QUILT_JWT_AUDIENCE are not set, `iss` and `aud` are not looked at: trust then rests on
  // the key alone (signature), the algorithm allow-list, a mandatory `exp`, `nbf` and the claim shapes. That is
  // right for a key only one issuer holds (a Quilt catalog's HMAC secret, whose tokens carry neither claim), and
  // why a shared issuer (JWKS of a company IdP) should always be pinned with an audience.
  const verifyOptions: JWTVerifyOptions = {
    algorithms,
    clockTolerance: settings.QUILT_JWT_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp'],
    ...(issuer ? { issuer } : {}),
    ...(audience.length ? { audience } : {}),
  };
  const defaultScopes = settings.QUILT_JWT_DEFAULT_SCOPES;
  const cacheMs = (settings.QUILT_JWT_VERIFY_CACHE_SECONDS ?? 60) * 1000;
  const now = options.now ?? Date.now;
  // Successful verifications only: a refused token is checked again each time (its failure may be transient, as
  // with JWKS that could not be fetched, and caching refusals would let junk tokens fill the cache). Keyed by the
  // token's hash, so the cache holds no usable credential.
  const verified =
    cacheMs > 0 ? new LRUCache<string, { principal: Principal; until: number }>({ max: settings.QUILT_JWT_VERIFY_CACHE_SIZE ?? 10_000 }) : undefined;

  return {
    mode: source.mode,
    async verify(token: string): Promise<Principal> {
      const cacheKey = verified && typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? hash('sha256', token, 'base64') : undefined;
      if (cacheKey !== undefined) {
        const hit = verified!.get(cacheKey);
        if (hit) {
          if (now() < hit.until) return hit.principal;
          verified!.delete(cacheKey);
        }
      }
      checkShape(token, algorithms);
      let payload: JWTPayload;
      try {
        payload = await verifyWithCandidates(token, key, verifyOptions);
      } catch (err) {
        throw translateError(err, logger);
      }
      const principal = principalFromClaims(payload, defaultScopes);
      // Until the cache time is up or the token expires, whichever is first (the clock tolerance that jose allows
      // past `exp` is not extended to cached tokens).
      if (cacheKey !== undefined && typeof payload.exp === 'number') {
        const until = Math.min(now() + cacheMs, payload.exp * 1000);
        if (until > now()) verified!.set(cacheKey, { principal: freezePrincipal(principal), until });
      }
      return principal;
    },
  };
}

/** A cached principal is handed to every request with the same token: none of them may change it for the others. */
function freezePrincipal(principal: Principal): Principal {
  Object.freeze(principal.rawClaims);
  if (principal.awsCredentials) Object.freeze(principal.awsCredentials);
  // A Set cannot be frozen; one that refuses changes stands in for it.
  const scopes = principal.scopes;
  for (const method of ['add', 'delete', 'clear'] as const) {
    Object.defineProperty(scopes, method, {
      value: () => {
        throw new TypeError('the scopes of a verified token cannot be changed');
      },
    });
  }
  return Object.freeze(principal);
}

/** Cheap checks before any crypto, so the common junk gets a precise reason and a fixed cost. */
function checkShape(token: string, algorithms: string[]): void {
  if (typeof token !== 'string' || token.trim() === '') {
    throw new AuthError('missing', 'No token: send Authorization: Bearer <token>.');
  }
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('malformed', 'The token is too long to be a JWT.');
  const parts = token.split('.');
  if (parts.length === 5) throw new AuthError('malformed', 'Encrypted tokens (JWE) are not accepted: send a signed JWT.');
  if (parts.length !== 3) throw new AuthError('malformed', 'The token is not a JWT (expected three dot-separated parts).');
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new AuthError('malformed', 'The token header is not valid base64url JSON.');
  }
  if (typeof alg !== 'string' || alg === '') throw new AuthError('malformed', 'The token header names no signing algorithm (alg).');
  if (!algorithms.includes(alg)) {
    const named = isKnownAlgorithm(alg) ? `"${alg}"` : 'an algorithm';
    throw new AuthError('algorithm_not_allowed', `The token is signed with ${named}, which this server does not accept (it accepts ${algorithms.join(', ')}).`);
  }
}

function overlapMs(settings: JwtSettings): number {
  return (settings.QUILT_JWT_KEY_OVERLAP_SECONDS ?? 3600) * 1000;
}

/**
 * Every key of a key ring in turn (several during a rotation); a signature that matches none makes the ring look
 * at its file again at once, so a key added there a moment ago is not refused until the next periodic check.
 */
async function verifyWithRing(token: string, ring: KeyRing<KeyObject | Uint8Array>, options: JWTVerifyOptions): Promise<JWTPayload> {
  const alg = String(decodeProtectedHeader(token).alg);
  for (const recheck of [false, true]) {
    // A public key is only tried with the algorithms of its family (no RS256/HS256-style confusion).
    const keys = ring.keys(recheck).filter((k) => k instanceof Uint8Array || algorithmsForKey(k as NodeKeyObject).includes(alg));
    for (const candidate of keys) {
      try {
        return (await jwtVerify(token, candidate, options)).payload;
      } catch (err) {
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
      }
    }
  }
  throw new errors.JWSSignatureVerificationFailed();
}

async function verifyWithCandidates(
  token: string,
  key: KeyObject | CryptoKey | Uint8Array | JWTVerifyGetKey | KeyRing<KeyObject | Uint8Array>,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  if (key instanceof KeyRing) return verifyWithRing(token, key, options);
  try {
    return (await jwtVerify(token, key, options)).payload;
  } catch (err) {
    // A key set may hold several keys matching the header (no `kid`, or a reused one); jose hands them over as an
    // async iterable and leaves the choice to us: the first that verifies wins.
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const candidate of err as unknown as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, candidate, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

function jwksKeyGetter(url: URL, options: JwtVerifierOptions['jwks'] = {}): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw new AuthUnavailableError('The signing keys needed to check your token could not be fetched; try again shortly.', { cause: err });
    }
  };
}

/** jose's errors → our closed set of reasons, with messages written for the caller (jose's are for developers). */
function translateError(err: unknown, logger: Pick<Logger, 'warn'>): Error {
  if (err instanceof AuthError || err instanceof AuthUnavailableError) return err;
  if (err instanceof errors.JWTExpired) {
    return new AuthError('expired', `The token expired${dateOf(err.payload.exp)}; get a new one.`);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return err.reason === 'check_failed'
          ? new AuthError('not_yet_valid', `The token is not valid yet${dateOf(err.payload.nbf, 'before')}; check the clocks.`)
          : new AuthError('malformed', 'The token\'s "nbf" claim is not a number.');
      case 'exp':
        return new AuthError(
          'malformed',
          err.reason === 'missing' ? 'The token has no expiry ("exp" claim); only expiring tokens are accepted.' : 'The token\'s "exp" claim is not a number.',
        );
      case 'iss':
        return new AuthError('wrong_issuer', 'The token was not issued by the issuer this server trusts.');
      case 'aud':
        return new AuthError('wrong_audience', 'The token was issued for another audience, not this server.');
      default:
        return new AuthError('malformed', "The token's claims are not valid.");
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new AuthError('algorithm_not_allowed', 'The token is signed with an algorithm this server does not accept.');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new AuthError('invalid_signature', "The token's signature does not verify with this server's key.");
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('unknown_key', 'The token is signed with a key this server does not know (no matching "kid" in the issuer\'s key set).');
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return new AuthError('malformed', 'The token is not a well-formed signed JWT.');
  }
  // A key that cannot do what the header asks (e.g. an RSA key under 2048 bits in the JWKS) ends up here as a
  // TypeError. The token is refused; the detail, which is about our keys, goes to the log rather than the caller.
  logger.warn({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'token verification failed unexpectedly');
  return new AuthError('invalid_signature', "The token could not be verified with this server's keys.");
}

function dateOf(seconds: unknown, word = 'at'): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? ` ${word} ${new Date(seconds * 1000).toISOString()}` : '';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}
