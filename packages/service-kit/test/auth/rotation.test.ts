/**
 * Key rotation without downtime (issue 22, item 4), at the verifier: each key source is rotated while tokens are
 * verified without pause, and not one verification may fail. The verification cache is off, so every token is
 * checked against the keys of the moment. HMAC secrets and public keys rotate through their key files (re-read on
 * change, the old key accepted for QUILT_JWT_KEY_OVERLAP_SECONDS); a JWKS rotates the way issuers do it: publish
 * the new key, start signing with it, retire the old one.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import t from 'tap';
import { createJwtVerifier, type JwtVerifier } from '../../src/auth/index.js';
import { captureLogger, settings, sign, tempDir } from './helpers.js';

/** Writes a file the way the README says to: another file, renamed over (never a half-written key file). */
function replaceFile(file: string, text: string): void {
  writeFileSync(`${file}.new`, text, { mode: 0o600 });
  renameSync(`${file}.new`, file);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Verifies tokens from `mint` in `workers` loops until `stop()`; returns the counts. `mint` is called per token,
 * so a rotation of the signing key shows up in the very next token.
 */
function load(verifier: JwtVerifier, mint: () => Promise<string>, workers = 8) {
  const stats = { ok: 0, failed: [] as string[] };
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const token = await mint();
      try {
        await verifier.verify(token);
        stats.ok++;
      } catch (err) {
        stats.failed.push((err as Error).message);
      }
    }
  });
  return {
    stats,
    /** Waits until `count` more tokens were verified (a phase is counted in tokens, not time: the machine may be busy). */
    more: async (count: number) => {
      const target = stats.ok + count;
      const deadline = Date.now() + 30_000;
      while (stats.ok < target && stats.failed.length === 0 && Date.now() < deadline) await pause(10);
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return stats;
    },
  };
}

t.test('HMAC secret file: rotated under load, old and new accepted through the overlap, then the old refused', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'jwt-secret');
  const oldSecret = randomBytes(32).toString('base64');
  const newSecret = randomBytes(32).toString('base64');
  replaceFile(file, `# the Quilt catalog's secret\n${oldSecret}\n`);
  let clock = Date.now();
  const { logger, lines } = captureLogger();
  const verifier = await createJwtVerifier(
    settings({ QUILT_JWT_SECRET_FILE: file, QUILT_JWT_VERIFY_CACHE_SECONDS: '0', QUILT_JWT_KEY_OVERLAP_SECONDS: '600' }),
    { dataDir: dir, logger, now: () => clock },
  );
  let signing = oldSecret;
  const mint = () => sign({ sub: 'alice' }, new TextEncoder().encode(signing), { alg: 'HS256' });
  const tokenOld = await mint();
  const run = load(verifier, mint);
  await run.more(30);
  // The rotation: the file holds only the new secret, and the issuer signs with it from this moment on.
  replaceFile(file, `${newSecret}\n`);
  signing = newSecret;
  await run.more(30);
  const stats = await run.stop();
  t.same(stats.failed, [], 'no verification failed');
  t.ok(stats.ok >= 50, `${stats.ok} tokens verified`);
  t.equal((await verifier.verify(tokenOld)).userId, 'alice', 'a token signed with the old secret is accepted during the overlap');
  clock += 601_000;
  await t.rejects(verifier.verify(tokenOld), { name: 'AuthError', reason: 'invalid_signature' }, 'and refused after it');
  t.equal((await verifier.verify(await mint())).userId, 'alice', 'the new secret keeps working');
  t.ok(
    lines().some((l) => l.includes('JWT keys reloaded')),
    'the reload is logged',
  );
  const logged = lines().join('\n');
  t.notOk(logged.includes(oldSecret) || logged.includes(newSecret), 'no secret in the log');
});

t.test('HMAC secret file: a file that cannot be used keeps the keys in use', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'jwt-secret');
  const secret = randomBytes(32).toString('base64');
  replaceFile(file, `${secret}\n`);
  const { logger, lines } = captureLogger();
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_SECRET_FILE: file, QUILT_JWT_VERIFY_CACHE_SECONDS: '0' }), { dataDir: dir, logger });
  replaceFile(file, 'too-short\n');
  await pause(1100);
  const token = await sign({ sub: 'alice' }, new TextEncoder().encode(secret), { alg: 'HS256' });
  t.equal((await verifier.verify(token)).userId, 'alice');
  t.ok(lines().some((l) => l.includes('cannot be used; keeping the keys in use')));
  t.notOk(lines().join('\n').includes(secret));
});

t.test('public key file: rotated under load with zero failures; several keys in one file', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'jwt-public.pem');
  const oldPair = await generateKeyPair('ES256', { extractable: true });
  const newPair = await generateKeyPair('ES256', { extractable: true });
  replaceFile(file, await exportSPKI(oldPair.publicKey));
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_PUBLIC_KEY_FILE: file, QUILT_JWT_VERIFY_CACHE_SECONDS: '0' }), {
    dataDir: dir,
    logger: captureLogger().logger,
  });
  let signing: CryptoKey = oldPair.privateKey;
  const run = load(verifier, () => sign({ sub: 'bob' }, signing, { alg: 'ES256' }));
  await run.more(30);
  // Publish both first (the usual order), then sign with the new one, then drop the old one.
  replaceFile(file, `${await exportSPKI(newPair.publicKey)}\n${await exportSPKI(oldPair.publicKey)}`);
  await run.more(20);
  signing = newPair.privateKey;
  await run.more(20);
  replaceFile(file, await exportSPKI(newPair.publicKey));
  await run.more(30);
  const stats = await run.stop();
  t.same(stats.failed, [], 'no verification failed');
  t.ok(stats.ok >= 50, `${stats.ok} tokens verified`);
});

t.test('JWKS: publish, sign with the new key, retire the old one, under load with zero failures', async (t) => {
  const published: JWK[] = [];
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  const pair = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    return { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  };
  const a = await pair('2026-11');
  const b = await pair('2026-12');
  published.push(a.jwk);
  const cooldownMs = 200;
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_JWKS_URL: url, QUILT_JWT_AUDIENCE: 'labmcp', QUILT_JWT_VERIFY_CACHE_SECONDS: '0' }), {
    dataDir: await tempDir(t),
    logger: captureLogger().logger,
    jwks: { cooldownMs, cacheMaxAgeMs: 1000 },
  });
  let signing = a;
  const run = load(verifier, () => sign({ sub: 'carol', aud: 'labmcp' }, signing.privateKey, { alg: 'RS256', kid: signing.kid }));
  await run.more(30);
  published.push(b.jwk); // 1. publish the new key beside the old one
  await pause(cooldownMs + 100); // 2. wait at least the re-fetch cooldown (QUILT_JWT_JWKS_COOLDOWN_SECONDS)
  signing = b; // 3. sign with the new key: its first token finds an unknown kid and the set is fetched again
  await run.more(30);
  published.splice(0, 1); // 4. retire the old key once no token signed with it is in use
  await pause(1200);
  const stats = await run.stop();
  t.same(stats.failed, [], 'no verification failed');
  t.ok(stats.ok >= 50, `${stats.ok} tokens verified`);
});
