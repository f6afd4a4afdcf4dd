import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, list } from '../config.js';
import { httpUrlSetting } from '../url-setting.js';
import { parsePublicKeys, parseSecrets } from './key-ring.js';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
const KNOWN_ALGORITHMS: readonly string[] = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS];

/**
 * RFC 7518 §3.2 wants an HMAC key at least as long as the hash (256 bits for HS256). A shorter shared secret can be
 * brute-forced offline from any single token, after which anyone can mint tokens for any user. We refuse it rather
 * than warn: a warning in a log nobody reads would leave the hole open. 32 characters of random text from
 * `openssl rand -base64 48` is comfortably above the bar.
 */
export const MIN_SECRET_LENGTH = 32;
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;
export const DEFAULT_SCOPES = ['read:packages'];

/** Scopes as a comma- or space-separated list (OAuth writes them space-separated, env files often use commas). */
function scopeList(defaultValue: string[]) {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined ? defaultValue : v.split(/[\s,]+/).filter(Boolean)));
}

/**
 * PEM in an env var often arrives with literal `\n` (docker, systemd, CI secrets); turn those back into newlines
 * so the same value works from a file or a one-line variable.
 */
function pem() {
  return z
    .string()
    .transform((v) => v.replace(/\\n/g, '\n').trim())
    .refine((v) => /-----BEGIN [A-Z ]+-----/.test(v), 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')
    .refine((v) => !/PRIVATE KEY-----/.test(v), 'holds a private key: give this server only the public key')
    .optional();
}

const fields = {
  /** JWKS endpoint of the token issuer; keys are cached and re-fetched when a token names an unknown `kid`. */
  QUILT_JWT_JWKS_URL: httpUrlSetting().optional(),
  /**
   * Least time between two JWKS re-fetches caused by a token with an unknown `kid` (so junk tokens cannot hammer the
   * issuer). A rotation publishes the new key at least this long before signing with it.
   */
  QUILT_JWT_JWKS_COOLDOWN_SECONDS: z.coerce.number().int('must be a whole number of seconds').min(0).max(3600).default(30),
  /** SPKI PEM public key (RSA, EC P-256/384/521 or Ed25519). */
  QUILT_JWT_PUBLIC_KEY: pem(),
  /** Shared HMAC secret, e.g. the Quilt catalog's JWT secret. */
  QUILT_JWT_SECRET: z
    .string()
    .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (a shorter HMAC secret can be brute-forced from one token)`)
    .refine((v) => !v.includes('-----BEGIN'), 'looks like a PEM key: put a public key in QUILT_JWT_PUBLIC_KEY, never in the HMAC secret')
    .optional(),
  /**
   * Key files, for rotation without a restart: read again when they change. The secret file holds one secret per
   * line, the public-key file one or more PEM public keys; every key in the file is accepted.
   */
  QUILT_JWT_SECRET_FILE: z.string().trim().min(1).optional(),
  QUILT_JWT_PUBLIC_KEY_FILE: z.string().trim().min(1).optional(),
  /** How long a key that left a key file is still accepted after the change was seen (tokens signed just before). */
  QUILT_JWT_KEY_OVERLAP_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(7 * 86_400, 'must be at most 604800 (7 days)')
    .default(3600),
  QUILT_JWT_ISSUER: z.string().trim().min(1).optional(),
  /** One audience or a comma-separated list; a token must name at least one of them. */
  QUILT_JWT_AUDIENCE: list(),
  /** Default: every asymmetric algorithm the key can verify (JWKS / PEM), or HS256 (secret). */
  QUILT_JWT_ALGORITHMS: list(),
  QUILT_JWT_CLOCK_TOLERANCE_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(MAX_CLOCK_TOLERANCE_SECONDS, `must be at most ${MAX_CLOCK_TOLERANCE_SECONDS} seconds`)
    .default(30),
  /**
   * How long a successful verification is remembered (by the token's SHA-256), so a client sending the same token
   * again is not signature-checked again; never past the token's `exp`. It is also how long a token keeps working
   * after its signing key is removed from the JWKS (key rotation, revocation of a key). 0 turns the cache off.
   */
  QUILT_JWT_VERIFY_CACHE_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(3600, 'must be at most 3600 seconds')
    .default(60),
  /** Verified tokens remembered at most (least recently used go first). */
  QUILT_JWT_VERIFY_CACHE_SIZE: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .default(10_000),
  /** Scopes for a token that carries no `scope`/`scopes` claim at all (Quilt catalog tokens carry none). */
  QUILT_JWT_DEFAULT_SCOPES: scopeList(DEFAULT_SCOPES),
};

/**
 * The JWT settings. Services merge `jwtSettingsSchema.shape` into their own settings, which drops the cross-field
 * check below; `createJwtVerifier` runs the same check again, so a bad combination is refused either way.
 */
export const jwtSettingsSchema = z.object(fields).superRefine((settings, ctx) => {
  for (const problem of jwtSettingsProblems(settings)) ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.setting] });
});

export type JwtSettings = z.output<typeof jwtSettingsSchema>;

export type KeySource =
  | { mode: 'jwks'; url: URL; algorithms: string[] }
  | { mode: 'public-key'; keys: KeyObject[]; file?: string; algorithms: string[] }
  | { mode: 'secret'; secrets: Uint8Array[]; file?: string; algorithms: string[] }
  | { mode: 'demo' };

interface Problem {
  setting: keyof JwtSettings;
  message: string;
}

/**
 * Turns the settings into one key source, or throws a ConfigError naming every problem. Checked at start so a
 * misconfiguration fails loudly instead of refusing (or worse, accepting) tokens at run time.
 */
export function resolveKeySource(settings: JwtSettings): KeySource {
  const problems = jwtSettingsProblems(settings);
  if (problems.length) throw new ConfigError(problems.map((p) => `${p.setting}: ${p.message}`));
  const configured = settings.QUILT_JWT_ALGORITHMS;
  if (settings.QUILT_JWT_JWKS_URL) {
    return { mode: 'jwks', url: new URL(settings.QUILT_JWT_JWKS_URL), algorithms: configured.length ? configured : [...ASYMMETRIC_ALGORITHMS] };
  }
  if (settings.QUILT_JWT_PUBLIC_KEY) {
    const key = createPublicKey(settings.QUILT_JWT_PUBLIC_KEY);
    return { mode: 'public-key', keys: [key], algorithms: configured.length ? configured : algorithmsForKey(key) };
  }
  if (settings.QUILT_JWT_PUBLIC_KEY_FILE) {
    const file = settings.QUILT_JWT_PUBLIC_KEY_FILE;
    const keys = parsePublicKeys(readFileSync(file, 'utf8'));
    // Every family the file's keys can verify, so a rotation to a key of the same family needs no other change.
    return { mode: 'public-key', keys, file, algorithms: configured.length ? configured : [...new Set(keys.flatMap(algorithmsForKey))] };
  }
  if (settings.QUILT_JWT_SECRET) {
    return { mode: 'secret', secrets: [new TextEncoder().encode(settings.QUILT_JWT_SECRET)], algorithms: configured.length ? configured : ['HS256'] };
  }
  if (settings.QUILT_JWT_SECRET_FILE) {
    const file = settings.QUILT_JWT_SECRET_FILE;
    return {
      mode: 'secret',
      secrets: parseSecrets(readFileSync(file, 'utf8'), MIN_SECRET_LENGTH),
      file,
      algorithms: configured.length ? configured : ['HS256'],
    };
  }
  return { mode: 'demo' };
}

export function jwtSettingsProblems(settings: JwtSettings): Problem[] {
  const problems: Problem[] = [];
  const sources = (['QUILT_JWT_JWKS_URL', 'QUILT_JWT_PUBLIC_KEY', 'QUILT_JWT_PUBLIC_KEY_FILE', 'QUILT_JWT_SECRET', 'QUILT_JWT_SECRET_FILE'] as const).filter(
    (name) => settings[name],
  );
  const algorithms = settings.QUILT_JWT_ALGORITHMS;

  if (sources.length > 1) {
    problems.push({ setting: sources[1]!, message: `set only one verification key source, not ${sources.join(' and ')}` });
    return problems;
  }
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none') {
      problems.push({ setting: 'QUILT_JWT_ALGORITHMS', message: '"none" (unsigned tokens) is never accepted' });
    } else if (!KNOWN_ALGORITHMS.includes(alg)) {
      problems.push({ setting: 'QUILT_JWT_ALGORITHMS', message: `unknown algorithm "${alg}" (known: ${KNOWN_ALGORITHMS.join(', ')})` });
    }
  }
  const source = sources[0];
  if (source === undefined) {
    // Without a key we run in demo mode. If the operator set issuer/audience/algorithms they meant to configure real
    // verification and the key variable is missing or misspelt: falling back to demo keys would be a silent hole.
    for (const name of ['QUILT_JWT_ISSUER', 'QUILT_JWT_AUDIENCE', 'QUILT_JWT_ALGORITHMS'] as const) {
      const value = settings[name];
      if (Array.isArray(value) ? value.length : value) {
        problems.push({
          setting: name,
          message:
            'is set but no verification key is: set QUILT_JWT_JWKS_URL, QUILT_JWT_PUBLIC_KEY(_FILE) or QUILT_JWT_SECRET(_FILE) (or unset it to run with demo auth)',
        });
      }
    }
    return problems;
  }
  if (source === 'QUILT_JWT_SECRET_FILE' || source === 'QUILT_JWT_PUBLIC_KEY_FILE') {
    const file = settings[source] as string;
    try {
      const text = readFileSync(file, 'utf8');
      const count = source === 'QUILT_JWT_SECRET_FILE' ? parseSecrets(text, MIN_SECRET_LENGTH).length : parsePublicKeys(text).length;
      if (count === 0) problems.push({ setting: source, message: `${file} holds no key` });
    } catch (err) {
      problems.push({ setting: source, message: `${file} cannot be used: ${(err as Error).message}` });
    }
    if (problems.length) return problems;
  }
  if (source === 'QUILT_JWT_SECRET' || source === 'QUILT_JWT_SECRET_FILE') {
    const asymmetric = algorithms.filter((a) => (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a));
    if (asymmetric.length) {
      problems.push({
        setting: 'QUILT_JWT_ALGORITHMS',
        message: `${asymmetric.join(', ')} cannot be verified with QUILT_JWT_SECRET (an HMAC secret): use HS256/HS384/HS512, or configure QUILT_JWT_JWKS_URL or QUILT_JWT_PUBLIC_KEY`,
      });
    }
    return problems;
  }
  // Public key sources: an HMAC algorithm here would let anyone who has the (public) key mint tokens by using it
  // as the HMAC secret — the classic RS256/HS256 confusion. Refuse the combination outright.
  const hmac = algorithms.filter((a) => (HMAC_ALGORITHMS as readonly string[]).includes(a));
  if (hmac.length) {
    problems.push({
      setting: 'QUILT_JWT_ALGORITHMS',
      message: `${hmac.join(', ')} ${hmac.length > 1 ? 'are HMAC algorithms' : 'is an HMAC algorithm'} and cannot be used with a public key (${source}); use an asymmetric algorithm, or QUILT_JWT_SECRET for HMAC`,
    });
  }
  if (source === 'QUILT_JWT_PUBLIC_KEY' && settings.QUILT_JWT_PUBLIC_KEY) {
    let key: KeyObject;
    try {
      key = createPublicKey(settings.QUILT_JWT_PUBLIC_KEY);
    } catch {
      problems.push({ setting: 'QUILT_JWT_PUBLIC_KEY', message: 'is not a readable PEM public key' });
      return problems;
    }
    const usable = algorithmsForKey(key);
    if (!usable.length) {
      problems.push({
        setting: 'QUILT_JWT_PUBLIC_KEY',
        message: `key type ${describeKey(key)} is not supported (use RSA ≥ 2048 bits, EC P-256/384/521 or Ed25519)`,
      });
    } else {
      const mismatched = algorithms.filter((a) => !hmac.includes(a) && KNOWN_ALGORITHMS.includes(a) && !usable.includes(a));
      if (mismatched.length) {
        problems.push({
          setting: 'QUILT_JWT_ALGORITHMS',
          message: `${mismatched.join(', ')} cannot be verified with this ${describeKey(key)} key (it can verify ${usable.join(', ')})`,
        });
      }
    }
  }
  return problems;
}

/** The algorithms a public key can verify; a key is bound to its family so a token cannot pick another one. */
export function algorithmsForKey(key: KeyObject): string[] {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (details.modulusLength ?? 0) >= 2048 ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] : [];
    case 'rsa-pss':
      return (details.modulusLength ?? 0) >= 2048 ? ['PS256', 'PS384', 'PS512'] : [];
    case 'ec':
      return ({ prime256v1: ['ES256'], secp384r1: ['ES384'], secp521r1: ['ES512'] } as Record<string, string[]>)[details.namedCurve ?? ''] ?? [];
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  return [key.asymmetricKeyType ?? 'unknown', d.namedCurve, d.modulusLength ? `${d.modulusLength}-bit` : undefined].filter(Boolean).join(' ');
}

/** Only names we know are echoed back to a caller; anything else in a token header is attacker-chosen text. */
export function isKnownAlgorithm(alg: string): boolean {
  return KNOWN_ALGORITHMS.includes(alg) || alg.toLowerCase() === 'none';
}
