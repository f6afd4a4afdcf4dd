import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import t from 'tap';
import { AuthError, createJwtVerifier, DEMO_AUDIENCE, DEMO_ISSUER, demoKeyFile, loadOrCreateDemoKey, mintDemoToken } from '../../src/auth/index.js';
import { captureLogger, rsaKey, settings, sign, tempDir } from './helpers.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');

t.test('the demo key is created once, private, in <dataDir>/auth', async (t) => {
  const dataDir = await tempDir(t);
  const first = await loadOrCreateDemoKey(dataDir);
  t.equal(first.file, path.join(dataDir, 'auth', 'demo-signing-key.json'));
  t.equal(demoKeyFile(dataDir), first.file);
  t.equal((await stat(first.file)).mode & 0o777, 0o600, 'file mode 0600');
  t.equal((await stat(path.dirname(first.file))).mode & 0o077, 0, 'directory closed to group and others');
  const jwk = JSON.parse(await readFile(first.file, 'utf8'));
  t.match(jwk, { kty: 'EC', crv: 'P-256', alg: 'ES256', kid: first.kid });
  t.type(jwk.d, 'string', 'holds the private key');
  t.equal((await loadOrCreateDemoKey(dataDir)).kid, first.kid, 'read back, not re-created');
  t.same(await readdir(path.dirname(first.file)), ['demo-signing-key.json'], 'no temp files left behind');
});

t.test('concurrent creation in one process yields one key', async (t) => {
  const dataDir = await tempDir(t);
  const keys = await Promise.all(Array.from({ length: 12 }, () => loadOrCreateDemoKey(dataDir)));
  t.equal(new Set(keys.map((k) => k.kid)).size, 1);
  t.same(await readdir(path.join(dataDir, 'auth')), ['demo-signing-key.json']);
});

t.test('concurrent creation by separate processes yields one key', async (t) => {
  const dataDir = await tempDir(t);
  const script = path.join(here, 'fixtures', 'demo-key-process.ts');
  const startAt = String(Date.now() + 3000);
  const outputs = await Promise.all(
    Array.from({ length: 6 }, () => run(process.execPath, ['--import', 'tsx', script, dataDir, startAt], { cwd: repoRoot, timeout: 60_000 })),
  );
  const kids = outputs.map((o) => o.stdout.trim());
  t.equal(kids.length, 6);
  t.ok(kids.every(Boolean), 'every process printed a kid');
  t.equal(new Set(kids).size, 1, 'all processes ended up with the same key');
  t.equal((await loadOrCreateDemoKey(dataDir)).kid, kids[0]);
  t.same(await readdir(path.join(dataDir, 'auth')), ['demo-signing-key.json']);
});

t.test('demo round trip: mint, verify, warn once', async (t) => {
  const dataDir = await tempDir(t);
  const { logger, lines } = captureLogger();
  const verifier = await createJwtVerifier(settings({}), { dataDir, logger });
  t.equal(verifier.mode, 'demo');
  const warnings = lines().filter((l) => l.includes('Demo auth is on'));
  t.equal(warnings.length, 1, 'one warning at start');

  const token = await mintDemoToken({
    dataDir,
    subject: 'demo-user',
    scopes: ['read:packages', 'write:packages'],
    expiresIn: 600,
    awsCredentials: { accessKeyId: 'AKIADEMO', secretAccessKey: 'demo-secret-key', sessionToken: 'demo-session' },
  });
  const header = decodeProtectedHeader(token);
  t.match(header, { alg: 'ES256', typ: 'JWT' });
  const claims = decodeJwt(token);
  t.match(claims, { iss: DEMO_ISSUER, aud: DEMO_AUDIENCE, sub: 'demo-user' });
  t.ok(claims.exp! - claims.iat! === 600);

  const principal = await verifier.verify(token);
  t.equal(principal.userId, 'demo-user');
  t.same([...principal.scopes].sort(), ['read:packages', 'write:packages']);
  t.same({ ...principal.awsCredentials }, { accessKeyId: 'AKIADEMO', secretAccessKey: 'demo-secret-key', sessionToken: 'demo-session' });

  const noScopes = await verifier.verify(await mintDemoToken({ dataDir, subject: 'reader' }));
  t.same([...noScopes.scopes], ['read:packages'], 'no scopes given → default scopes');

  await verifier.verify(token);
  t.equal(lines().filter((l) => l.includes('Demo auth is on')).length, 1, 'still one warning after more requests');
  t.notMatch(lines().join('\n'), /demo-secret-key|"d":/, 'no key material in the log');
});

t.test('demo verifier refuses tokens it did not mint', async (t) => {
  const dataDir = await tempDir(t);
  const verifier = await createJwtVerifier(settings({}), { dataDir, logger: captureLogger().logger });
  const expired = await mintDemoToken({ dataDir, subject: 'u', expiresIn: -3600 });
  await t.rejects(verifier.verify(expired), { name: 'AuthError', reason: 'expired' });

  const otherDir = await tempDir(t);
  const foreign = await mintDemoToken({ dataDir: otherDir, subject: 'u' });
  const err = await verifier.verify(foreign).catch((e: unknown) => e);
  t.type(err, AuthError);
  t.equal((err as AuthError).reason, 'invalid_signature', "another installation's demo key does not verify");

  const rsa = await rsaKey();
  await t.rejects(verifier.verify(await sign({ sub: 'u', iss: DEMO_ISSUER, aud: DEMO_AUDIENCE }, rsa.privateKey)), {
    name: 'AuthError',
    reason: 'algorithm_not_allowed',
  });
});

t.test('mintDemoToken needs a subject', async (t) => {
  await t.rejects(mintDemoToken({ dataDir: await tempDir(t), subject: '' }), /needs a subject/);
});
