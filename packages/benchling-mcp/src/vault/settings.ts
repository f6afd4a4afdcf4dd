import path from 'node:path';
import { positiveInt } from '@labmcp/service-kit';
import { z } from 'zod';
import { FileKeyStore, parseFileKey } from './file-store.js';
import { templateProblem } from './names.js';
import { KEY_STORE_KINDS, type KeyStore } from './store.js';

/** Settings of key mode `vault` (and `user-or-vault`); read by the server and by `npm run benchling-keys`. */
export const vaultSettings = {
  BENCHLING_VAULT_STORE: z.enum(KEY_STORE_KINDS, { error: 'must be file or secrets-manager' }).default('file'),
  /** The verified JWT claim that names the user in the secret names. */
  BENCHLING_VAULT_USER_CLAIM: z.string().trim().min(1).default('sub'),
  BENCHLING_VAULT_NAME_TEMPLATE: z
    .string()
    .trim()
    .default('benchling/user/{user_email}/api_key')
    .superRefine((v, ctx) => {
      const problem = templateProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** How long a fetched key is used before the store is asked again; 0: every request asks. */
  BENCHLING_VAULT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(900_000, 'must be at most 900000 (15 minutes)').default(60_000),
  BENCHLING_VAULT_CACHE_SIZE: positiveInt(1000, 100_000),
  /** One store lookup's time limit; past it the request is answered 503. */
  BENCHLING_VAULT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  /** Secrets Manager: region (default: the SDK's chain, e.g. AWS_REGION) and endpoint (VPC endpoints, test servers). */
  BENCHLING_VAULT_AWS_REGION: z.string().trim().min(1).optional(),
  BENCHLING_VAULT_AWS_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** The encrypted key file; default `<LABMCP_DATA_DIR>/benchling-keys.enc`. */
  BENCHLING_VAULT_FILE: z.string().trim().min(1).optional(),
  /** The key file's encryption key: 32 random bytes, base64 (`openssl rand -base64 32`) or hex. */
  BENCHLING_VAULT_FILE_KEY: z
    .string()
    .refine((v) => parseFileKey(v) !== undefined, 'must be 32 random bytes as base64 (openssl rand -base64 32) or 64 hex digits')
    .optional(),
};

type Settings = z.infer<z.ZodObject<typeof vaultSettings>> & { dataDir: string };

/** The configured store; throws an Error naming the setting to fix. The AWS SDK is loaded only when it is used. */
export async function createKeyStore(config: Settings): Promise<KeyStore> {
  if (config.BENCHLING_VAULT_STORE === 'secrets-manager') {
    const { SecretsManagerKeyStore } = await import('./secrets-manager-store.js');
    const store = new SecretsManagerKeyStore({
      region: config.BENCHLING_VAULT_AWS_REGION,
      endpoint: config.BENCHLING_VAULT_AWS_ENDPOINT,
      timeoutMs: config.BENCHLING_VAULT_TIMEOUT_MS,
    });
    await store.region().catch(() => {
      store.close();
      throw new Error('BENCHLING_VAULT_STORE=secrets-manager: no AWS region (set BENCHLING_VAULT_AWS_REGION or AWS_REGION)');
    });
    return store;
  }
  const key = config.BENCHLING_VAULT_FILE_KEY ? parseFileKey(config.BENCHLING_VAULT_FILE_KEY) : undefined;
  if (!key) throw new Error('BENCHLING_VAULT_STORE=file needs BENCHLING_VAULT_FILE_KEY (32 random bytes: openssl rand -base64 32)');
  return new FileKeyStore(path.resolve(config.BENCHLING_VAULT_FILE ?? path.join(config.dataDir, 'benchling-keys.enc')), key);
}

/** How an operator puts a user's key into this store, for error messages. */
export function setHintFor(store: KeyStore): (user: string, name: string) => string {
  return store.kind === 'file'
    ? (user) => `npm run benchling-keys -- set ${user}`
    : (user, name) => `store it in AWS Secrets Manager as ${name} (or npm run benchling-keys -- set ${user})`;
}
