import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import t from 'tap';
import {
  type CredentialSubject,
  createAwsCredentialResolver,
  quiltAwsSettingsSchema,
  type ResolvedAwsCredentials,
  S3ClientPool,
} from '../../src/auth/index.js';

const HOUR = 3_600_000;
const baseSettings = quiltAwsSettingsSchema.parse({});

function watchDestroy(client: S3Client): { destroyed: boolean } {
  const seen = { destroyed: false };
  const original = client.destroy.bind(client);
  client.destroy = () => {
    seen.destroyed = true;
    original();
  };
  return seen;
}

function claimed(accessKeyId: string, secret: string, expiresAt?: Date): ResolvedAwsCredentials {
  return {
    source: 'token-claim',
    credentials: { accessKeyId, secretAccessKey: secret, sessionToken: `session-${accessKeyId}` },
    ...(expiresAt ? { expiresAt } : {}),
  };
}

t.test('two users in one run get different clients with their own credentials', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  // Both users go through the real resolver and a stand-in catalog, as a request would.
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.headers.authorization ?? '');
    const user = /Bearer token-of-(\w+)/.exec(req.headers.authorization ?? '')?.[1] ?? 'anon';
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        AccessKeyId: `AKIA${user.toUpperCase()}`,
        SecretAccessKey: `secret-${user}`,
        SessionToken: `session-${user}`,
        Expiration: new Date(clock.now + HOUR).toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resolver = createAwsCredentialResolver(quiltAwsSettingsSchema.parse({ QUILT_REGISTRY_URL: registry }), { now: () => clock.now });
  const pool = new S3ClientPool(baseSettings, { now: () => clock.now, destroyGraceMs: 0 });
  t.teardown(() => pool.close());

  const alice: CredentialSubject = { userId: 'alice' };
  const bob: CredentialSubject = { userId: 'bob' };
  const [aliceCreds, bobCreds] = await Promise.all([resolver.resolve(alice, 'token-of-alice'), resolver.resolve(bob, 'token-of-bob')]);
  const aliceClient = await pool.clientFor(aliceCreds);
  const bobClient = await pool.clientFor(bobCreds);
  t.not(aliceClient, bobClient);
  t.match(await aliceClient.config.credentials(), { accessKeyId: 'AKIAALICE', secretAccessKey: 'secret-alice', sessionToken: 'session-alice' });
  t.match(await bobClient.config.credentials(), { accessKeyId: 'AKIABOB', secretAccessKey: 'secret-bob', sessionToken: 'session-bob' });
  t.equal((await aliceClient.config.credentials()).expiration?.getTime(), clock.now + HOUR);

  // Repeat requests reuse each user's client.
  t.equal(await pool.clientFor(await resolver.resolve(alice, 'token-of-alice')), aliceClient);
  t.equal(await pool.clientFor(await resolver.resolve(bob, 'token-of-bob')), bobClient);
  t.equal(pool.size, 2);
  t.equal(requests.length, 2);
});

t.test('clients are told apart by the whole credential', async (t) => {
  const pool = new S3ClientPool(baseSettings, { destroyGraceMs: 0 });
  t.teardown(() => pool.close());
  const a = await pool.clientFor(claimed('AKIASAME', 'secret-1'));
  const b = await pool.clientFor(claimed('AKIASAME', 'secret-2'));
  const c = await pool.clientFor({
    source: 'token-claim',
    credentials: { accessKeyId: 'AKIASAME', secretAccessKey: 'secret-1', sessionToken: 'other-session' },
  });
  t.not(a, b, 'same key id, different secret');
  t.not(a, c, 'same key id and secret, different session');
  t.equal(await pool.clientFor(claimed('AKIASAME', 'secret-1')), a);
});

t.test('a client lives no longer than its credentials, and is destroyed when dropped', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const pool = new S3ClientPool(baseSettings, { now: () => clock.now, destroyGraceMs: 0, maxClients: 2 });
  t.teardown(() => pool.close());
  const expiring = claimed('AKIAEXP', 'secret', new Date(clock.now + 10 * 60_000));
  const first = await pool.clientFor(expiring);
  const firstSeen = watchDestroy(first);
  clock.now += 9 * 60_000;
  t.equal(await pool.clientFor(expiring), first, 'reused while the credentials live');
  clock.now += 2 * 60_000;
  const second = await pool.clientFor(expiring);
  t.not(second, first, 'a new client after expiry');
  t.ok(firstSeen.destroyed, 'the expired client was destroyed');

  // Bounded: a third distinct credential evicts the least recently used.
  const other = await pool.clientFor(claimed('AKIAOTHER', 'secret'));
  const otherSeen = watchDestroy(other);
  const secondSeen = watchDestroy(second);
  await pool.clientFor(expiring); // touch: `other` is now the oldest
  await pool.clientFor(claimed('AKIATHIRD', 'secret'));
  t.equal(pool.size, 2);
  t.ok(otherSeen.destroyed, 'evicted client destroyed');
  t.notOk(secondSeen.destroyed);
});

t.test('eviction waits out a grace period before closing sockets', async (t) => {
  const pool = new S3ClientPool(baseSettings, { maxClients: 1, destroyGraceMs: 50 });
  const first = await pool.clientFor(claimed('AKIAONE', 'secret'));
  const seen = watchDestroy(first);
  await pool.clientFor(claimed('AKIATWO', 'secret'));
  t.notOk(seen.destroyed, 'not yet: requests in flight may still use it');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.ok(seen.destroyed);

  const third = await pool.clientFor(claimed('AKIATHREE', 'secret'));
  const thirdSeen = watchDestroy(third);
  await pool.clientFor(claimed('AKIAFOUR', 'secret'));
  pool.close();
  t.ok(thirdSeen.destroyed, 'close() does not wait for the grace period');
  t.equal(pool.size, 0);
});

t.test('region, endpoint and path style come from the settings', async (t) => {
  const pool = new S3ClientPool(
    quiltAwsSettingsSchema.parse({ AWS_REGION: 'eu-west-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:4569', QUILT_S3_FORCE_PATH_STYLE: 'true' }),
    { destroyGraceMs: 0 },
  );
  t.teardown(() => pool.close());
  const client = await pool.clientFor(claimed('AKIAX', 'secret'));
  t.equal(await client.config.region(), 'eu-west-2');
  t.equal(client.config.forcePathStyle, true);
  const endpoint = await client.config.endpoint?.();
  t.match(endpoint, { hostname: '127.0.0.1', port: 4569, protocol: 'http:' });

  const plain = new S3ClientPool(baseSettings, { destroyGraceMs: 0 });
  t.teardown(() => plain.close());
  const defaultClient = await plain.clientFor(claimed('AKIAX', 'secret'));
  t.equal(await defaultClient.config.region(), 'us-east-1');
  t.equal(defaultClient.config.forcePathStyle, false);
});

t.test('the service identity uses the default provider chain, one shared client', async (t) => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN };
  process.env.AWS_ACCESS_KEY_ID = 'AKIASERVICE';
  process.env.AWS_SECRET_ACCESS_KEY = 'service-secret';
  delete process.env.AWS_SESSION_TOKEN;
  t.teardown(() => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ['AWS_SESSION_TOKEN', saved.token],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const pool = new S3ClientPool(baseSettings, { destroyGraceMs: 0 });
  t.teardown(() => pool.close());
  const client = await pool.clientFor({ source: 'service-identity' });
  t.equal(await pool.clientFor({ source: 'service-identity' }), client);
  t.match(await client.config.credentials(), { accessKeyId: 'AKIASERVICE', secretAccessKey: 'service-secret' });
  const user = await pool.clientFor(claimed('AKIAUSER', 'user-secret'));
  t.not(user, client);
  t.match(await user.config.credentials(), { accessKeyId: 'AKIAUSER' }, 'a user with credentials never gets the service identity');
});
