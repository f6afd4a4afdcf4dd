import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@labmcp/service-kit';
import type { Principal } from '@labmcp/service-kit/auth';
import t from 'tap';
import {
  AwsCredentialsError,
  type CredentialSubject,
  createAwsCredentialResolver,
  type QuiltAwsSettings,
  quiltAwsSettingsSchema,
  resolveAwsCredentials,
} from '../../src/auth/index.js';

// The resolver takes service-kit's Principal as it is.
const principalFits: CredentialSubject = {} as Principal;
void principalFits;

const HOUR = 3_600_000;

interface Catalog {
  url: string;
  server: Server;
  requests: Array<{ method: string | undefined; url: string | undefined; authorization: string | undefined }>;
  /** What the next answers look like; the test changes it as it goes. */
  reply: { status: number; body?: unknown; raw?: string; delayMs?: number; hang?: boolean };
  issued: number;
}

/** A stand-in Quilt registry: issues numbered credentials valid for one hour of the test's clock. */
async function catalog(clock: { now: number }): Promise<Catalog> {
  const state: Catalog = { url: '', server: undefined as unknown as Server, requests: [], reply: { status: 200 }, issued: 0 };
  state.server = createServer((req, res) => {
    state.requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const { status, body, raw, delayMs, hang } = state.reply;
    if (hang) return;
    const answer = () => {
      if (req.url !== '/api/auth/get_credentials') {
        res.writeHead(404).end();
        return;
      }
      if (raw !== undefined || status !== 200 || body !== undefined) {
        res.writeHead(status, { 'content-type': 'application/json' }).end(raw ?? JSON.stringify(body ?? { message: 'nope' }));
        return;
      }
      const n = ++state.issued;
      const user = /Bearer token-of-(\w+)/.exec(req.headers.authorization ?? '')?.[1] ?? 'anon';
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          AccessKeyId: `AKIA-${user}-${n}`,
          SecretAccessKey: `secret-${user}-${n}`,
          SessionToken: `session-${user}-${n}`,
          Expiration: new Date(clock.now + HOUR).toISOString(),
        }),
      );
    };
    if (delayMs) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

function settings(env: Record<string, string>): QuiltAwsSettings {
  return quiltAwsSettingsSchema.parse(env);
}

function captureLogger() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('quilt-auth-test', 'debug', stream), text: () => chunks.join('') };
}

const alice: CredentialSubject = { userId: 'alice' };
const bob: CredentialSubject = { userId: 'bob' };

t.test('catalog exchange: answers, caching, refresh before expiry', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  const { logger, text } = captureLogger();
  const resolver = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: `${cat.url}/` }), { now: () => clock.now, logger });

  const first = await resolver.resolve(alice, 'token-of-alice');
  t.match(first, { source: 'catalog', credentials: { accessKeyId: 'AKIA-alice-1', secretAccessKey: 'secret-alice-1', sessionToken: 'session-alice-1' } });
  t.equal(first.source === 'catalog' && first.expiresAt.getTime(), clock.now + HOUR);
  t.equal(cat.requests.length, 1);
  t.equal(cat.requests[0]!.authorization, 'Bearer token-of-alice', "the catalog sees the caller's own token");
  t.equal(cat.requests[0]!.method, 'GET');

  clock.now += 30 * 60_000;
  t.match(await resolver.resolve(alice, 'token-of-alice'), { credentials: { accessKeyId: 'AKIA-alice-1' } }, 'cached at 30 min');
  clock.now += 24 * 60_000;
  t.match(await resolver.resolve(alice, 'token-of-alice'), { credentials: { accessKeyId: 'AKIA-alice-1' } }, 'still cached at 54 min');
  t.equal(cat.requests.length, 1);
  clock.now += 2 * 60_000; // 56 min: inside the 5-minute refresh margin
  t.match(await resolver.resolve(alice, 'token-of-alice'), { credentials: { accessKeyId: 'AKIA-alice-2' } }, 'refreshed before expiry');
  t.equal(cat.requests.length, 2);

  // Another user, and the same user with a new token, get their own exchange.
  t.match(await resolver.resolve(bob, 'token-of-bob'), { credentials: { accessKeyId: 'AKIA-bob-3' } });
  t.match(await resolver.resolve(alice, 'token-of-alice-v2'), { credentials: { accessKeyId: 'AKIA-alice-4' } });
  t.equal(resolver.size, 3);

  const logged = text();
  t.match(logged, /AWS credentials from the Quilt catalog/);
  t.notMatch(logged, /token-of-|secret-alice|session-alice/, 'neither tokens nor secrets are logged');
});

t.test('concurrent requests share one exchange', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  cat.reply = { status: 200, delayMs: 100 };
  const resolver = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: cat.url }), { now: () => clock.now });
  const results = await Promise.all(Array.from({ length: 8 }, () => resolver.resolve(alice, 'token-of-alice')));
  t.equal(cat.requests.length, 1);
  t.equal(new Set(results.map((r) => (r.source === 'catalog' ? r.credentials.accessKeyId : ''))).size, 1);
});

t.test('catalog errors are clear, not cached, and never echo the token', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  const resolver = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: cat.url, QUILT_CREDENTIALS_TIMEOUT_MS: '300' }), { now: () => clock.now });
  const token = 'token-of-alice';
  const cases: Array<[Catalog['reply'], string, number, RegExp]> = [
    [{ status: 401 }, 'catalog_refused', 401, /refused to issue AWS credentials for your token \(HTTP 401\)/],
    [{ status: 403 }, 'catalog_refused', 401, /HTTP 403/],
    [{ status: 500 }, 'catalog_error', 502, /failed to issue AWS credentials \(HTTP 500\)/],
    [{ status: 200, raw: '<html>oops</html>' }, 'catalog_bad_response', 502, /not JSON/],
    [{ status: 200, body: { AccessKeyId: 'AKIA', Expiration: '2031-01-01T00:00:00Z' } }, 'catalog_bad_response', 502, /\(SecretAccessKey\)/],
    [{ status: 200, body: { AccessKeyId: 'A', SecretAccessKey: 'S', Expiration: 'someday' } }, 'catalog_bad_response', 502, /unreadable credential Expiration/],
    [{ status: 200, body: { AccessKeyId: 'A', SecretAccessKey: 'S', Expiration: '2001-01-01T00:00:00Z' } }, 'catalog_bad_response', 502, /already expired/],
    [{ status: 200, hang: true }, 'catalog_timeout', 504, /did not answer .* within 300 ms/],
  ];
  for (const [reply, code, status, message] of cases) {
    cat.reply = reply;
    const err = await resolver.resolve(alice, token).catch((e: unknown) => e);
    t.type(err, AwsCredentialsError, code);
    t.equal((err as AwsCredentialsError).code, code);
    t.equal((err as AwsCredentialsError).httpStatus, status);
    t.match((err as Error).message, message);
    t.notMatch((err as Error).message, token);
  }
  t.equal(resolver.size, 0, 'failures are not cached');
  cat.reply = { status: 200 };
  t.match(await resolver.resolve(alice, token), { source: 'catalog' }, 'recovers on the next request');

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const unreachable = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: `http://127.0.0.1:${closedPort}` }), { now: () => clock.now });
  const err = await unreachable.resolve(alice, token).catch((e: unknown) => e);
  t.match(err, { name: 'AwsCredentialsError', code: 'catalog_unreachable', message: /could not be reached .*ECONNREFUSED/ });
});

t.test('a failed refresh keeps serving credentials that are still valid', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  const { logger, text } = captureLogger();
  const resolver = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: cat.url }), { now: () => clock.now, logger });
  await resolver.resolve(alice, 'token-of-alice');
  cat.reply = { status: 503 };
  clock.now += 57 * 60_000;
  t.match(await resolver.resolve(alice, 'token-of-alice'), { credentials: { accessKeyId: 'AKIA-alice-1' } });
  t.match(text(), /refresh failed; using the current credentials/);
  clock.now += 2 * 60_000 + 45_000; // 15 s before expiry: too close to hand out
  await t.rejects(resolver.resolve(alice, 'token-of-alice'), { code: 'catalog_error' });
});

t.test('the cache is bounded', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  const resolver = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: cat.url }), { now: () => clock.now, maxEntries: 2 });
  for (const user of ['a', 'b', 'c']) await resolver.resolve({ userId: user }, `token-of-${user}`);
  t.equal(resolver.size, 2);
  await resolver.resolve({ userId: 'a' }, 'token-of-a');
  t.equal(cat.requests.length, 4, 'the oldest entry was dropped and fetched again');
});

t.test('the token claim comes first', async (t) => {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  const resolver = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: cat.url, QUILT_ALLOW_SERVICE_AWS_IDENTITY: 'true' }));
  const expires = new Date(Date.UTC(2030, 0, 1, 1));
  const carol: CredentialSubject = {
    userId: 'carol',
    awsCredentials: { accessKeyId: 'AKIACAROL', secretAccessKey: 'carol-secret', sessionToken: 'carol-session' },
    tokenExpiresAt: expires,
  };
  t.same(await resolver.resolve(carol, 'token-of-carol'), {
    source: 'token-claim',
    credentials: { accessKeyId: 'AKIACAROL', secretAccessKey: 'carol-secret', sessionToken: 'carol-session' },
    expiresAt: expires,
  });
  t.equal(cat.requests.length, 0, 'the catalog is not asked');
});

t.test('the service identity only when allowed, and only as the last source', async (t) => {
  const none = createAwsCredentialResolver(settings({}));
  const err = await none.resolve(alice, 'token-of-alice').catch((e: unknown) => e);
  t.type(err, AwsCredentialsError);
  t.equal((err as AwsCredentialsError).code, 'no_credentials');
  t.equal((err as AwsCredentialsError).httpStatus, 403);
  t.match((err as Error).message, /No AWS credentials are available for user alice/);

  const allowed = createAwsCredentialResolver(settings({ QUILT_ALLOW_SERVICE_AWS_IDENTITY: 'true' }));
  t.same(await allowed.resolve(alice, 'token-of-alice'), { source: 'service-identity' });
  t.same(await allowed.resolve(alice, undefined), { source: 'service-identity' });

  // A failing exchange never falls back to the service's own identity.
  const clock = { now: Date.UTC(2030, 0, 1) };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  cat.reply = { status: 401 };
  const both = createAwsCredentialResolver(settings({ QUILT_REGISTRY_URL: cat.url, QUILT_ALLOW_SERVICE_AWS_IDENTITY: 'true' }), { now: () => clock.now });
  await t.rejects(both.resolve(alice, 'token-of-alice'), { code: 'catalog_refused' });
  await t.rejects(both.resolve(alice, undefined), { code: 'no_credentials' });
});

t.test('resolveAwsCredentials shares one cache per settings object', async (t) => {
  const clock = { now: Date.now() };
  const cat = await catalog(clock);
  t.teardown(() => {
    cat.server.closeAllConnections();
    cat.server.close();
  });
  const config = settings({ QUILT_REGISTRY_URL: cat.url });
  const a = await resolveAwsCredentials(alice, 'token-of-alice', config);
  const b = await resolveAwsCredentials(alice, 'token-of-alice', config);
  t.same(a, b);
  t.equal(cat.requests.length, 1);
});

t.test('settings defaults and checks', async (t) => {
  const defaults = settings({});
  t.same(defaults, {
    QUILT_ALLOW_SERVICE_AWS_IDENTITY: false,
    QUILT_CREDENTIALS_TIMEOUT_MS: 10_000,
    AWS_REGION: 'us-east-1',
    QUILT_S3_FORCE_PATH_STYLE: false,
  });
  t.throws(() => settings({ QUILT_REGISTRY_URL: 'registry.example.com' }), /http\(s\) URL/);
  t.throws(() => settings({ QUILT_ALLOW_SERVICE_AWS_IDENTITY: 'maybe' }), /true or false/);
  t.equal(settings({ QUILT_REGISTRY_URL: 'https://registry.example.com///' }).QUILT_REGISTRY_URL, 'https://registry.example.com');
});
