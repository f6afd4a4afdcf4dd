import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { AwsCredentials } from './principal.js';

export const DEMO_ISSUER = 'labmcp-demo';
export const DEMO_AUDIENCE = 'labmcp';
export const DEMO_ALGORITHM = 'ES256';

export interface DemoKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  file: string;
}

export function demoKeyFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'auth', 'demo-signing-key.json');
}

/**
 * Reads the demo signing key, creating it on first use. Several processes (PM2 starts the services together) may
 * race here; each writes a complete key to its own temp file and `link()`s it into place, which fails instead of
 * overwriting when another process won. Everyone then re-reads the file, so all end up with the winner's key and
 * no reader ever sees a half-written file.
 */
export async function loadOrCreateDemoKey(dataDir: string): Promise<DemoKey> {
  const file = demoKeyFile(dataDir);
  const existing = await readDemoKey(file);
  if (existing) return existing;

  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(DEMO_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const content = JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: DEMO_ALGORITHM, use: 'sig' }, null, 2);
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code ?? '')) throw err;
        // No hard links on this filesystem: exclusive create still picks one winner; readers retry (below) until
        // the winner's write is complete.
        await writeExclusive(file, content);
      }
    }
  } finally {
    await rm(tmp, { force: true });
  }
  const key = await readDemoKey(file);
  if (!key) throw new Error(`Demo signing key ${file} disappeared right after it was created`);
  return key;
}

async function writeExclusive(file: string, content: string): Promise<void> {
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

async function readDemoKey(file: string): Promise<DemoKey | undefined> {
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) throw new Error('not a private P-256 JWK');
    } catch (err) {
      // Only the no-hard-link fallback can expose a partly written file, and only for a moment.
      if (attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      throw new Error(`Demo signing key ${file} is unreadable (${(err as Error).message}); delete it to create a new one`);
    }
    // The file is a private key: keep it private even if someone loosened its mode.
    await chmod(file, 0o600).catch(() => undefined);
    const { d: _d, ...publicJwk } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
    return {
      kid,
      file,
      privateKey: (await importJWK({ ...jwk, alg: DEMO_ALGORITHM }, DEMO_ALGORITHM)) as CryptoKey,
      publicKey: (await importJWK({ ...publicJwk, alg: DEMO_ALGORITHM }, DEMO_ALGORITHM)) as CryptoKey,
    };
  }
}

export interface MintDemoTokenOptions {
  dataDir: string;
  subject: string;
  /** Omit to issue a token without a scope claim, which then gets the verifier's default scopes. */
  scopes?: string[];
  /** Seconds, or a jose duration such as `'2h'`; default one hour. */
  expiresIn?: number | string;
  awsCredentials?: AwsCredentials;
  catalogUrl?: string;
}

/** Signs a token the demo-mode verifier accepts (creating the demo key if needed). For `npm run token` and tests. */
export async function mintDemoToken(options: MintDemoTokenOptions): Promise<string> {
  if (!options.subject) throw new Error('mintDemoToken needs a subject (the user id)');
  const key = await loadOrCreateDemoKey(options.dataDir);
  const claims: Record<string, unknown> = {};
  if (options.scopes) claims.scopes = options.scopes;
  if (options.catalogUrl) claims.catalog_url = options.catalogUrl;
  if (options.awsCredentials) {
    const { accessKeyId, secretAccessKey, sessionToken } = options.awsCredentials;
    claims.aws_credentials = { access_key_id: accessKeyId, secret_access_key: secretAccessKey, ...(sessionToken ? { session_token: sessionToken } : {}) };
  }
  const expiresIn = options.expiresIn ?? '1h';
  return (
    new SignJWT(claims)
      .setProtectedHeader({ alg: DEMO_ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setSubject(options.subject)
      .setIssuer(DEMO_ISSUER)
      .setAudience(DEMO_AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      // jose reads a bare number as an absolute timestamp; ours is a duration.
      .setExpirationTime(typeof expiresIn === 'number' ? `${expiresIn}s` : expiresIn)
      .sign(key.privateKey)
  );
}
