import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type CryptoKey, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { type JwtSettings, jwtSettingsSchema } from '../../src/auth/index.js';
import { createLogger, type Logger } from '../../src/logger.js';

/** A logger whose output the test can read, to check what was (and was not) logged. */
export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('auth-test', 'debug', stream), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** Settings as loadConfig would produce them (empty variables count as unset). */
export function settings(env: Record<string, string | undefined>): JwtSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return jwtSettingsSchema.parse(cleaned);
}

export interface TestKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  pem: string;
}

export async function rsaKey(): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, publicKey, pem: await exportSPKI(publicKey) };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export async function sign(
  claims: JWTPayload,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string } = { alg: 'RS256' },
  options: { noExp?: boolean } = {},
): Promise<string> {
  const body: JWTPayload = { ...claims };
  if (!options.noExp && body.exp === undefined) body.exp = nowSeconds() + 600;
  return new SignJWT(body).setProtectedHeader({ typ: 'JWT', ...header }).sign(key);
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Every piece of a token that must never show up in a message, header or log line. */
export function tokenPieces(token: string): string[] {
  return [token, ...token.split('.')].filter((p) => p.length >= 8);
}

/** A fresh data directory, removed when the test ends. */
export async function tempDir(t: { teardown: (fn: () => unknown) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'labmcp-auth-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
