import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { AUTH_ERROR_REASONS, AuthError, createJwtVerifier, type JwtVerifier, jwtSettingsSchema, requireScope } from '../../src/auth/index.js';
import { ConfigError } from '../../src/config.js';
import { b64url, captureLogger, nowSeconds, rsaKey, settings, sign, type TestKey, tempDir, tokenPieces } from './helpers.js';

const ISSUER = 'https://issuer.example.test';
const QUILT_SECRET = 'quilt-catalog-shared-secret-0123456789abcdef';

let rsa: TestKey;
let verifier: JwtVerifier;
let dataDir: string;
const refusals: Array<{ token: string; err: AuthError }> = [];

t.before(async () => {
  rsa = await rsaKey();
  dataDir = await tempDir(t);
  verifier = await createJwtVerifier(settings({ QUILT_JWT_PUBLIC_KEY: rsa.pem, QUILT_JWT_ISSUER: ISSUER, QUILT_JWT_AUDIENCE: 'labmcp, other-app' }), {
    dataDir,
    logger: captureLogger().logger,
  });
});

/** Verifies and expects a refusal with `reason`; keeps the pair to check later that no message echoes a token. */
async function refused(t: Test, v: JwtVerifier, token: string, reason: AuthError['reason']): Promise<AuthError> {
  try {
    await v.verify(token);
  } catch (err) {
    t.type(err, AuthError);
    const authErr = err as AuthError;
    t.equal(authErr.reason, reason, authErr.message);
    refusals.push({ token, err: authErr });
    return authErr;
  }
  t.fail(`expected the token to be refused with ${reason}`);
  throw new Error('unreachable');
}

t.test('a valid token gives a principal', async (t) => {
  const exp = nowSeconds() + 600;
  const token = await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp', exp, scopes: ['read:packages', 'write:packages'] }, rsa.privateKey);
  const principal = await verifier.verify(token);
  t.equal(verifier.mode, 'public-key');
  t.equal(principal.userId, 'alice');
  t.same([...principal.scopes].sort(), ['read:packages', 'write:packages']);
  t.equal(principal.tokenExpiresAt?.getTime(), exp * 1000);
  t.equal(principal.rawClaims.sub, 'alice');
  t.equal(principal.awsCredentials, undefined);
});

t.test('any configured audience is accepted', async (t) => {
  const token = await sign({ sub: 'alice', iss: ISSUER, aud: ['someone-else', 'other-app'] }, rsa.privateKey);
  t.equal((await verifier.verify(token)).userId, 'alice');
});

t.test('expired', async (t) => {
  const token = await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp', exp: nowSeconds() - 3600 }, rsa.privateKey);
  const err = await refused(t, verifier, token, 'expired');
  t.match(err.message, /expired at \d{4}-/);
  t.equal(err.status, 401);
});

t.test('clock tolerance lets a just-expired token through', async (t) => {
  const token = await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp', exp: nowSeconds() - 10 }, rsa.privateKey);
  t.equal((await verifier.verify(token)).userId, 'alice');
});

t.test('not yet valid (nbf)', async (t) => {
  const token = await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp', nbf: nowSeconds() + 3600 }, rsa.privateKey);
  await refused(t, verifier, token, 'not_yet_valid');
});

t.test('wrong or missing issuer', async (t) => {
  await refused(t, verifier, await sign({ sub: 'alice', iss: 'https://evil.example', aud: 'labmcp' }, rsa.privateKey), 'wrong_issuer');
  await refused(t, verifier, await sign({ sub: 'alice', aud: 'labmcp' }, rsa.privateKey), 'wrong_issuer');
});

t.test('wrong or missing audience', async (t) => {
  await refused(t, verifier, await sign({ sub: 'alice', iss: ISSUER, aud: 'another-service' }, rsa.privateKey), 'wrong_audience');
  await refused(t, verifier, await sign({ sub: 'alice', iss: ISSUER }, rsa.privateKey), 'wrong_audience');
});

t.test('bad signature', async (t) => {
  const other = await rsaKey();
  await refused(t, verifier, await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp' }, other.privateKey), 'invalid_signature');

  // Same signature, edited payload: promote alice to admin.
  const good = await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp' }, rsa.privateKey);
  const [h, p, s] = good.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const forged = `${h}.${b64url({ ...claims, sub: 'admin' })}.${s}`;
  await refused(t, verifier, forged, 'invalid_signature');
});

t.test('alg none is refused', async (t) => {
  const payload = b64url({ sub: 'admin', iss: ISSUER, aud: 'labmcp', exp: nowSeconds() + 600 });
  for (const alg of ['none', 'None', 'NONE']) {
    await refused(t, verifier, `${b64url({ alg, typ: 'JWT' })}.${payload}.`, 'algorithm_not_allowed');
  }
  // Even a secret-mode verifier (no asymmetric key at all) refuses it.
  const secretVerifier = await createJwtVerifier(settings({ QUILT_JWT_SECRET: QUILT_SECRET }), { dataDir, logger: captureLogger().logger });
  await refused(t, secretVerifier, `${b64url({ alg: 'none' })}.${payload}.`, 'algorithm_not_allowed');
});

t.test('HS256 signed with the public key PEM as HMAC secret (key confusion) is refused', async (t) => {
  const claims = { sub: 'admin', iss: ISSUER, aud: 'labmcp', scopes: ['admin'] };
  for (const secret of [rsa.pem, `${rsa.pem}\n`]) {
    const token = await sign(claims, new TextEncoder().encode(secret), { alg: 'HS256' });
    await refused(t, verifier, token, 'algorithm_not_allowed');
  }
  // Nor can the operator open that door by configuration.
  const loose = z.object(jwtSettingsSchema.shape).parse({ QUILT_JWT_PUBLIC_KEY: rsa.pem, QUILT_JWT_ALGORITHMS: 'RS256,HS256' });
  await t.rejects(createJwtVerifier(loose, { dataDir, logger: captureLogger().logger }), { name: 'ConfigError', message: /HS256 is an HMAC algorithm/ });
});

t.test('an RS256 token against an ES256-only verifier is refused by the allow-list', async (t) => {
  const ec = await generateKeyPair('ES256', { extractable: true });
  const { exportSPKI } = await import('jose');
  const ecVerifier = await createJwtVerifier(settings({ QUILT_JWT_PUBLIC_KEY: await exportSPKI(ec.publicKey) }), { dataDir, logger: captureLogger().logger });
  await refused(t, ecVerifier, await sign({ sub: 'alice' }, rsa.privateKey), 'algorithm_not_allowed');
  t.equal((await ecVerifier.verify(await sign({ sub: 'alice' }, ec.privateKey, { alg: 'ES256' }))).userId, 'alice');
});

t.test('Quilt catalog tokens (HS256, id/uuid/exp only) verify as they are', async (t) => {
  const quilt = await createJwtVerifier(settings({ QUILT_JWT_SECRET: QUILT_SECRET }), { dataDir, logger: captureLogger().logger });
  t.equal(quilt.mode, 'secret');
  const exp = nowSeconds() + 3600;
  const token = await sign({ id: 'quilt-user-42', uuid: randomUUID(), exp }, new TextEncoder().encode(QUILT_SECRET), { alg: 'HS256' });
  const principal = await quilt.verify(token);
  t.equal(principal.userId, 'quilt-user-42');
  t.same([...principal.scopes], ['read:packages'], 'no scope claim → default scopes');
  t.equal(principal.tokenExpiresAt?.getTime(), exp * 1000);

  await refused(
    t,
    quilt,
    await sign({ id: 'u', uuid: randomUUID() }, new TextEncoder().encode('a-different-secret-that-is-long-enough!!'), { alg: 'HS256' }),
    'invalid_signature',
  );
  await refused(t, quilt, await sign({ id: 'u' }, rsa.privateKey), 'algorithm_not_allowed');

  // Once an issuer is required, catalog tokens (which carry none) no longer pass.
  const pinned = await createJwtVerifier(settings({ QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_ISSUER: ISSUER }), { dataDir, logger: captureLogger().logger });
  await refused(t, pinned, token, 'wrong_issuer');
});

t.test('scope claims', async (t) => {
  const v = await createJwtVerifier(settings({ QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_DEFAULT_SCOPES: 'read:packages read:registries' }), {
    dataDir,
    logger: captureLogger().logger,
  });
  const key = new TextEncoder().encode(QUILT_SECRET);
  const scopes = async (claims: Record<string, unknown>) => [...(await v.verify(await sign({ sub: 'u', ...claims }, key, { alg: 'HS256' }))).scopes].sort();
  t.same(await scopes({ scopes: ['write:packages', 'read:packages'] }), ['read:packages', 'write:packages'], 'array');
  t.same(await scopes({ scope: 'read:packages  write:packages ' }), ['read:packages', 'write:packages'], 'space-separated string');
  t.same(await scopes({}), ['read:packages', 'read:registries'], 'absent → default scopes');
  t.same(await scopes({ scopes: [] }), [], 'present but empty → none, not the defaults');
  t.same(await scopes({ scopes: ['a'], scope: 'b' }), ['a'], '`scopes` wins over `scope`');
  await refused(t, v, await sign({ sub: 'u', scopes: [1, 2] }, key, { alg: 'HS256' }), 'malformed');
});

t.test('requireScope', async (t) => {
  const token = await sign({ sub: 'reader', iss: ISSUER, aud: 'labmcp', scope: 'read:packages' }, rsa.privateKey);
  const principal = await verifier.verify(token);
  t.doesNotThrow(() => requireScope(principal, 'read:packages'));
  const err = (() => {
    try {
      requireScope(principal, 'write:packages');
    } catch (e) {
      return e as AuthError;
    }
    return undefined;
  })();
  t.type(err, AuthError);
  t.equal(err?.reason, 'insufficient_scope');
  t.equal(err?.status, 403);
  t.equal(
    err?.wwwAuthenticate(),
    'Bearer error="insufficient_scope", error_description="This needs the \'write:packages\' scope, which your token does not grant.", scope="write:packages"',
  );
});

t.test('claim mapping: user id, aws credentials, catalog url', async (t) => {
  const claims = { iss: ISSUER, aud: 'labmcp' };
  t.equal((await verifier.verify(await sign({ ...claims, user_id: 'by-user-id', id: 'ignored' }, rsa.privateKey))).userId, 'by-user-id');
  t.equal((await verifier.verify(await sign({ ...claims, id: 'by-id' }, rsa.privateKey))).userId, 'by-id');
  await refused(t, verifier, await sign({ ...claims }, rsa.privateKey), 'malformed');

  const principal = await verifier.verify(
    await sign(
      {
        ...claims,
        sub: 'carol',
        catalog_url: 'https://catalog.example.test',
        aws_credentials: { access_key_id: 'AKIACAROL', secret_access_key: 'carol-secret-value', session_token: 'carol-session-value' },
      },
      rsa.privateKey,
    ),
  );
  t.same({ ...principal.awsCredentials }, { accessKeyId: 'AKIACAROL', secretAccessKey: 'carol-secret-value', sessionToken: 'carol-session-value' });
  t.equal(principal.catalogUrl, 'https://catalog.example.test');
  const serialised = JSON.stringify(principal) + (await import('node:util')).inspect(principal, { depth: 10 });
  t.notMatch(serialised, /carol-secret-value|carol-session-value/, 'secrets do not serialise, not even via rawClaims');
  t.match(serialised, /AKIACAROL/);

  const bad = await sign(
    { ...claims, sub: 'dave', aws_credentials: { access_key_id: 'AKIADAVE', secret_access_key: 42, session_token: 'dave-session' } },
    rsa.privateKey,
  );
  const err = await refused(t, verifier, bad, 'malformed');
  t.match(err.message, /secret_access_key/);
  t.notMatch(err.message, /dave-session|AKIADAVE/);
  await refused(t, verifier, await sign({ ...claims, sub: 'x', catalog_url: 'javascript:alert(1)' }, rsa.privateKey), 'malformed');
});

t.test('malformed and missing tokens', async (t) => {
  await refused(t, verifier, '', 'missing');
  await refused(t, verifier, 'not-a-jwt', 'malformed');
  await refused(t, verifier, 'aaaaaaaa.bbbbbbbb.cccccccc', 'malformed');
  await refused(t, verifier, 'a.b.c.d.e', 'malformed');
  await refused(t, verifier, 'x'.repeat(20_000), 'malformed');
  await refused(t, verifier, `${b64url({ typ: 'JWT' })}.${b64url({ sub: 'a' })}.sig`, 'malformed');
  const noExp = await sign({ sub: 'alice', iss: ISSUER, aud: 'labmcp' }, rsa.privateKey, { alg: 'RS256' }, { noExp: true });
  const err = await refused(t, verifier, noExp, 'malformed');
  t.match(err.message, /no expiry/);
});

t.test('WWW-Authenticate values', async (t) => {
  t.equal(new AuthError('missing', 'No token.').wwwAuthenticate(), 'Bearer');
  t.equal(new AuthError('missing', 'No token.').wwwAuthenticate('labmcp'), 'Bearer realm="labmcp"');
  t.equal(
    new AuthError('expired', 'The "token" expired\\now.').wwwAuthenticate(),
    'Bearer error="invalid_token", error_description="The \'token\' expired\'now."',
    'quotes and backslashes cannot break out of the quoted string',
  );
});

t.test('no refusal ever echoes the token', async (t) => {
  t.ok(refusals.length >= 20, `${refusals.length} refusals collected`);
  for (const { token, err } of refusals) {
    t.ok(AUTH_ERROR_REASONS.includes(err.reason));
    const shown = `${err.message}\n${err.wwwAuthenticate()}`;
    for (const piece of tokenPieces(token)) {
      if (!shown.includes(piece)) continue;
      t.fail(`a piece of a token appears in the ${err.reason} refusal: ${shown}`);
    }
  }
});

t.test('settings combinations refused at start', async (t) => {
  const loose = (env: Record<string, string>) => z.object(jwtSettingsSchema.shape).parse(env);
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['two key sources', { QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_PUBLIC_KEY: rsa.pem }, /only one verification key source/],
    ['asymmetric alg with secret', { QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_ALGORITHMS: 'RS256' }, /RS256 cannot be verified with QUILT_JWT_SECRET/],
    ['HMAC alg with JWKS', { QUILT_JWT_JWKS_URL: 'https://issuer.example.test/jwks.json', QUILT_JWT_ALGORITHMS: 'HS512' }, /HS512 is an HMAC algorithm/],
    ['none', { QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_ALGORITHMS: 'HS256,none' }, /"none" \(unsigned tokens\) is never accepted/],
    ['unknown alg', { QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_ALGORITHMS: 'HS257' }, /unknown algorithm "HS257"/],
    [
      'alg that does not fit the PEM key',
      { QUILT_JWT_PUBLIC_KEY: rsa.pem, QUILT_JWT_ALGORITHMS: 'ES256' },
      /ES256 cannot be verified with this rsa 2048-bit key/,
    ],
    ['issuer without any key', { QUILT_JWT_ISSUER: ISSUER }, /QUILT_JWT_ISSUER: is set but no verification key is/],
  ];
  for (const [name, env, message] of cases) {
    const err = await createJwtVerifier(loose(env), { dataDir, logger: captureLogger().logger }).catch((e: unknown) => e);
    t.type(err, ConfigError, name);
    t.match((err as Error).message, message, name);
    // The full schema (with its cross-field check) refuses the same thing.
    t.throws(() => jwtSettingsSchema.parse(env), name);
  }
  t.throws(() => settings({ QUILT_JWT_SECRET: 'too-short' }), /at least 32 characters/);
  t.throws(() => settings({ QUILT_JWT_SECRET: `${rsa.pem}padding-padding-padding` }), /looks like a PEM key/);
  t.throws(() => settings({ QUILT_JWT_PUBLIC_KEY: 'not a key' }), /must be a PEM public key/);
  t.throws(() => settings({ QUILT_JWT_JWKS_URL: 'ftp://x/jwks' }), /http\(s\) URL/);
  t.throws(() => settings({ QUILT_JWT_SECRET: QUILT_SECRET, QUILT_JWT_CLOCK_TOLERANCE_SECONDS: '3600' }), /at most 300/);

  const defaults = settings({});
  t.equal(defaults.QUILT_JWT_CLOCK_TOLERANCE_SECONDS, 30);
  t.same(defaults.QUILT_JWT_DEFAULT_SCOPES, ['read:packages']);
  // PEM pasted into a one-line variable with literal \n still works.
  const oneLine = await createJwtVerifier(settings({ QUILT_JWT_PUBLIC_KEY: rsa.pem.replace(/\n/g, '\\n') }), { dataDir, logger: captureLogger().logger });
  t.equal(oneLine.mode, 'public-key');
});

t.test('a public key without an audience is accepted but warned about', async (t) => {
  const { logger, lines } = captureLogger();
  await createJwtVerifier(settings({ QUILT_JWT_PUBLIC_KEY: rsa.pem }), { dataDir, logger });
  t.match(lines().join('\n'), /QUILT_JWT_AUDIENCE is not set/);
});
