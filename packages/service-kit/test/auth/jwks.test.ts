import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import t from 'tap';
import { AuthError, AuthUnavailableError, createJwtVerifier } from '../../src/auth/index.js';
import { captureLogger, settings, sign, tempDir } from './helpers.js';

const ISSUER = 'https://issuer.example.test';
const AUDIENCE = 'labmcp';

/** A JWKS endpoint whose key set and status the test changes at will; counts fetches. */
async function jwksServer(): Promise<{ url: string; keys: JWK[]; status: number; fetches: number; server: Server }> {
  const state = { url: '', keys: [] as JWK[], status: 200, fetches: 0, server: undefined as unknown as Server };
  state.server = createServer((req, res) => {
    state.fetches++;
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, alg, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

t.test('an unknown kid triggers a re-fetch, so keys rotate without a restart', async (t) => {
  const jwks = await jwksServer();
  t.teardown(() => {
    jwks.server.closeAllConnections();
    jwks.server.close();
  });
  const a = await keyPair('RS256', 'key-a');
  const b = await keyPair('ES256', 'key-b');
  jwks.keys = [a.jwk];

  let clock = Date.now();
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_JWKS_URL: jwks.url, QUILT_JWT_ISSUER: ISSUER, QUILT_JWT_AUDIENCE: AUDIENCE }), {
    dataDir: await tempDir(t),
    logger: captureLogger().logger,
    jwks: { cooldownMs: 0 },
    now: () => clock,
  });
  t.equal(verifier.mode, 'jwks');
  const claims = { iss: ISSUER, aud: AUDIENCE };

  const tokenA = await sign({ ...claims, sub: 'alice' }, a.privateKey, { alg: a.alg, kid: a.kid });
  t.equal((await verifier.verify(tokenA)).userId, 'alice');
  t.equal(jwks.fetches, 1);
  t.equal((await verifier.verify(tokenA)).userId, 'alice', 'served from the cached key set');
  t.equal(jwks.fetches, 1);

  // The issuer rotates: key A is gone, key B (another algorithm, even) takes its place.
  jwks.keys = [b.jwk];
  const tokenB = await sign({ ...claims, sub: 'bob' }, b.privateKey, { alg: b.alg, kid: b.kid });
  t.equal((await verifier.verify(tokenB)).userId, 'bob', 'unknown kid → key set re-fetched → accepted');
  t.equal(jwks.fetches, 2);

  // A token verified before the rotation is remembered for QUILT_JWT_VERIFY_CACHE_SECONDS (60 s by default)...
  t.equal((await verifier.verify(tokenA)).userId, 'alice', "within the verification cache time, the retired key's token still passes");
  // ...after which tokens signed with the retired key are refused.
  clock += 60_001;
  await t.rejects(verifier.verify(tokenA), { name: 'AuthError', reason: 'unknown_key' });
});

t.test('the re-fetch cooldown stops junk kids from hammering the issuer', async (t) => {
  const jwks = await jwksServer();
  t.teardown(() => {
    jwks.server.closeAllConnections();
    jwks.server.close();
  });
  const a = await keyPair('RS256', 'key-a');
  const stranger = await keyPair('RS256', 'key-stranger');
  jwks.keys = [a.jwk];
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_JWKS_URL: jwks.url, QUILT_JWT_AUDIENCE: AUDIENCE }), {
    dataDir: await tempDir(t),
    logger: captureLogger().logger,
  });
  t.equal((await verifier.verify(await sign({ sub: 'alice', aud: AUDIENCE }, a.privateKey, { alg: 'RS256', kid: 'key-a' }))).userId, 'alice');
  const junk = await sign({ sub: 'mallory', aud: AUDIENCE }, stranger.privateKey, { alg: 'RS256', kid: 'key-stranger' });
  for (let i = 0; i < 5; i++) {
    const err = await verifier.verify(junk).catch((e: unknown) => e);
    t.type(err, AuthError);
    t.equal((err as AuthError).reason, 'unknown_key');
  }
  t.equal(jwks.fetches, 1, 'no re-fetch within the default 30 s cooldown');
});

t.test('a failing JWKS endpoint is a 503, not a refused token', async (t) => {
  const jwks = await jwksServer();
  t.teardown(() => {
    jwks.server.closeAllConnections();
    jwks.server.close();
  });
  const a = await keyPair('RS256', 'key-a');
  jwks.status = 500;
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_JWKS_URL: jwks.url, QUILT_JWT_AUDIENCE: AUDIENCE }), {
    dataDir: await tempDir(t),
    logger: captureLogger().logger,
  });
  const token = await sign({ sub: 'alice', aud: AUDIENCE }, a.privateKey, { alg: 'RS256', kid: 'key-a' });
  const err = await verifier.verify(token).catch((e: unknown) => e);
  t.type(err, AuthUnavailableError);
  t.equal((err as AuthUnavailableError).status, 503);
  t.equal((err as AuthUnavailableError).reason, 'auth_unavailable');
  t.notMatch((err as Error).message, token.split('.')[1]!);

  jwks.status = 200;
  jwks.keys = [a.jwk];
  t.equal((await verifier.verify(token)).userId, 'alice', 'recovers once the endpoint answers');
});
