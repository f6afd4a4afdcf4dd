import t, { type Test } from 'tap';
import { createJwtVerifier } from '../../src/auth/index.js';
import { captureLogger, nowSeconds, rsaKey, settings, sign, tempDir } from './helpers.js';

// The verification cache: a token verified once is not checked again (the same frozen principal comes back) until
// the cache time is up or the token expires, whichever comes first; refusals are never remembered; the number of
// tokens remembered is bounded. The cache's clock is injected, so expiry is tested without waiting.

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

async function verifierWith(t: Test, env: Record<string, string>, now: () => number) {
  return createJwtVerifier(settings({ QUILT_JWT_SECRET: SECRET, ...env }), { dataDir: await tempDir(t), logger: captureLogger().logger, now });
}

const key = new TextEncoder().encode(SECRET);
const hs = { alg: 'HS256' };

t.test('a verified token is served from the cache until the cache time is up', async (t) => {
  let clock = Date.now();
  const verifier = await verifierWith(t, { QUILT_JWT_VERIFY_CACHE_SECONDS: '30' }, () => clock);
  const token = await sign({ sub: 'alice', exp: nowSeconds() + 3600 }, key, hs);
  const first = await verifier.verify(token);
  const second = await verifier.verify(token);
  t.equal(second, first, 'the same principal: no second verification');
  t.ok(Object.isFrozen(first), 'a shared principal cannot be changed by one request for the others');
  t.throws(() => first.scopes.add('write:packages'), TypeError, 'nor can its scopes');
  clock += 30_001;
  const third = await verifier.verify(token);
  t.not(third, first, 'verified again once the cache time is up');
  t.equal(third.userId, 'alice');
});

t.test("never past the token's exp, even within the cache time", async (t) => {
  let clock = Date.now();
  const verifier = await verifierWith(t, { QUILT_JWT_VERIFY_CACHE_SECONDS: '600', QUILT_JWT_CLOCK_TOLERANCE_SECONDS: '0' }, () => clock);
  const exp = nowSeconds() + 5;
  const token = await sign({ sub: 'alice', exp }, key, hs);
  const first = await verifier.verify(token);
  t.equal(await verifier.verify(token), first, 'cached while valid');
  clock = exp * 1000; // the cache's clock says the token has expired; jose's real clock does not yet
  const again = await verifier.verify(token);
  t.not(again, first, 'at exp the cached entry is not used: the token is verified afresh (and jose judges exp by the real clock)');
});

t.test('refusals are not cached; a token refused once and fixed upstream is not remembered as bad', async (t) => {
  const verifier = await verifierWith(t, {}, Date.now);
  const other = new TextEncoder().encode('another-secret-that-is-also-long-enough-x');
  const forged = await sign({ sub: 'mallory' }, other, hs);
  await t.rejects(verifier.verify(forged), { name: 'AuthError', reason: 'invalid_signature' });
  await t.rejects(verifier.verify(forged), { name: 'AuthError', reason: 'invalid_signature' }, 'refused again, by the signature check');
  const expired = await sign({ sub: 'alice', exp: nowSeconds() - 3600 }, key, hs);
  await t.rejects(verifier.verify(expired), { name: 'AuthError', reason: 'expired' });
  // A well-formed token whose signature bytes are changed never reaches a cache hit: the key is the whole token.
  const good = await sign({ sub: 'alice' }, key, hs);
  t.equal((await verifier.verify(good)).userId, 'alice');
  const tampered = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
  await t.rejects(verifier.verify(tampered), { name: 'AuthError' });
});

t.test('the cache is bounded: the least recently used token is verified afresh', async (t) => {
  const verifier = await verifierWith(t, { QUILT_JWT_VERIFY_CACHE_SIZE: '2' }, Date.now);
  const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => sign({ sub }, key, hs)));
  const a1 = await verifier.verify(tokens[0]!);
  const b1 = await verifier.verify(tokens[1]!);
  t.equal(await verifier.verify(tokens[0]!), a1, 'a cached');
  await verifier.verify(tokens[2]!); // evicts b, the least recently used
  t.equal(await verifier.verify(tokens[0]!), a1, 'a still cached');
  t.not(await verifier.verify(tokens[1]!), b1, 'b was evicted and verified again');
});

t.test('QUILT_JWT_VERIFY_CACHE_SECONDS=0 turns the cache off', async (t) => {
  const verifier = await verifierWith(t, { QUILT_JWT_VERIFY_CACHE_SECONDS: '0' }, Date.now);
  const token = await sign({ sub: 'alice' }, key, hs);
  t.not(await verifier.verify(token), await verifier.verify(token));
  t.equal(settings({}).QUILT_JWT_VERIFY_CACHE_SECONDS, 60, 'default 60 s');
  t.equal(settings({}).QUILT_JWT_VERIFY_CACHE_SIZE, 10_000, 'default 10,000 tokens');
  t.throws(() => settings({ QUILT_JWT_VERIFY_CACHE_SECONDS: '7200' }), /at most 3600/);
});

t.test('a rotated public key: a cached token keeps working at most for the cache time', async (t) => {
  // Two verifiers stand for "before" and "after" a key change; the point here is the documented bound, and the
  // JWKS rotation test (jwks.test.ts) covers the same with a live key set.
  let clock = Date.now();
  const k = await rsaKey();
  const verifier = await createJwtVerifier(settings({ QUILT_JWT_PUBLIC_KEY: k.pem }), {
    dataDir: await tempDir(t),
    logger: captureLogger().logger,
    now: () => clock,
  });
  const token = await sign({ sub: 'alice' }, k.privateKey);
  const p = await verifier.verify(token);
  clock += 59_000;
  t.equal(await verifier.verify(token), p);
  clock += 2_000;
  t.not(await verifier.verify(token), p);
});
