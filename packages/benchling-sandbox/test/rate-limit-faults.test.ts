/** Benchling's tenant-wide rate limit, and the fault injection client retry logic is tested with. */
import http from 'node:http';
import t from 'tap';
import { DEMO_KEYS } from '../src/index.js';
import { startSandbox } from './helpers/harness.js';

/** A clock the test moves by hand. Starts 5 s into a 30 s window (windows are aligned to the epoch). */
function fakeClock() {
  let now = Date.UTC(2025, 5, 1, 12, 0, 5);
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('fixed window shared by every key of the tenant', async (t) => {
  const clock = fakeClock();
  const h = await startSandbox(t, { rateLimit: { limit: 3, windowSeconds: 30 }, clock: clock.now });
  const alice = h.as(DEMO_KEYS.alice);
  const bob = h.as(DEMO_KEYS.bob);

  const first = await alice.get('/projects');
  t.equal(first.headers.get('x-rate-limit-limit'), '3');
  t.equal(first.headers.get('x-rate-limit-remaining'), '2');
  t.equal(first.headers.get('x-rate-limit-reset'), '25', 'seconds left in the window');
  clock.advance(10_000);
  const second = await bob.get('/projects');
  t.equal(second.headers.get('x-rate-limit-remaining'), '1', 'bob uses the same budget');
  t.equal(second.headers.get('x-rate-limit-reset'), '15');
  t.equal((await h.as(null).get('/projects')).status, 401, 'unauthenticated requests count too');

  const limited = await h.as(DEMO_KEYS.carol).get('/projects');
  t.equal(limited.status, 429);
  t.equal(limited.body.error.type, 'invalid_request_error');
  t.match(limited.body.error.message, /Rate limit/);
  t.equal(limited.headers.get('x-rate-limit-remaining'), '0');
  t.equal(limited.headers.get('x-rate-limit-reset'), '15');
  t.equal(limited.headers.get('retry-after'), null, 'Benchling documents no Retry-After, so none by default');

  clock.advance(14_000);
  t.equal((await alice.get('/projects')).status, 429, 'still the same window');
  clock.advance(1_000);
  const fresh = await alice.get('/projects');
  t.equal(fresh.status, 200, 'a new window');
  t.equal(fresh.headers.get('x-rate-limit-remaining'), '2');
  t.equal(fresh.headers.get('x-rate-limit-reset'), '30');
  t.equal((await alice.request('GET', '//health')).status, 200, '/health is not rate limited');
});

t.test('defaults: 60 per 30 s; Retry-After on request', async (t) => {
  const h = await startSandbox(t);
  const r = await h.as(DEMO_KEYS.alice).get('/projects');
  t.equal(r.headers.get('x-rate-limit-limit'), '60');
  t.ok(Number(r.headers.get('x-rate-limit-reset')) <= 30);

  const clock = fakeClock();
  const h2 = await startSandbox(t, { rateLimit: { limit: 1, windowSeconds: 30, retryAfterHeader: true }, clock: clock.now });
  await h2.as(DEMO_KEYS.alice).get('/projects');
  const limited = await h2.as(DEMO_KEYS.alice).get('/projects');
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('retry-after'), '25');
});

t.test('injected 503/502 answers, then normal service', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  h.sandbox.faults.failNext(2, 503);
  const a = await alice.get('/projects');
  t.equal(a.status, 503);
  t.equal(a.body.error.type, 'server_error');
  t.equal((await alice.get('/projects')).status, 503);
  t.equal((await alice.get('/projects')).status, 200, 'the third request is served');

  h.sandbox.faults.failNext(1, 502, { body: 'html' });
  const proxy = await alice.get('/entries');
  t.equal(proxy.status, 502);
  t.match(proxy.headers.get('content-type') ?? '', /text\/html/);
  t.match(proxy.text, /<html>/);
  h.sandbox.faults.failNext(1, 504, { body: 'empty' });
  const empty = await alice.get('/entries');
  t.equal(empty.status, 504);
  t.equal(empty.text, '');

  h.sandbox.faults.failNext(1, 503, { pathPrefix: '/api/v2/entries' });
  t.equal((await alice.get('/projects')).status, 200, 'other paths are unaffected');
  t.equal((await alice.get('/entries', { pageSize: 1 })).status, 503);
  t.strictSame(h.sandbox.faults.pending(), []);

  const before = Number((await alice.get('/projects')).headers.get('x-rate-limit-remaining'));
  h.sandbox.faults.failNext(3, 503);
  for (let i = 0; i < 3; i++) await alice.get('/projects');
  const after = Number((await alice.get('/projects')).headers.get('x-rate-limit-remaining'));
  t.equal(after, before - 1, 'injected faults do not use the rate limit');

  h.sandbox.faults.failNext(5, 500);
  h.sandbox.faults.clear();
  t.equal((await alice.get('/projects')).status, 200, 'clear() drops queued faults');
  t.throws(() => h.sandbox.faults.failNext(0, 503), RangeError);
});

t.test('forced 429s look like real throttling', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  h.sandbox.faults.throttleNext(2);
  for (let i = 0; i < 2; i++) {
    const r = await alice.get('/entries');
    t.equal(r.status, 429);
    t.equal(r.headers.get('x-rate-limit-remaining'), '0');
    t.match(r.body.error.message, /Rate limit/);
  }
  t.equal((await alice.get('/entries')).status, 200);

  h.sandbox.rateLimiter.exhaust();
  t.equal((await alice.get('/entries')).status, 429, 'exhaust() uses up the real window');
  h.sandbox.rateLimiter.reset();
  t.equal((await alice.get('/entries')).status, 200);
});

t.test('injected delays', async (t) => {
  const h = await startSandbox(t);
  h.sandbox.faults.delayNext(1, 300);
  const started = Date.now();
  const r = await h.as(DEMO_KEYS.alice).get('/projects');
  t.equal(r.status, 200);
  t.ok(Date.now() - started >= 280, 'served late');
});

t.test('admin endpoints exist only when enabled', async (t) => {
  const off = await startSandbox(t);
  t.equal((await off.as(null).request('GET', '//_sandbox/faults')).status, 404);
  t.equal((await off.as(null).request('POST', '//_sandbox/faults', { body: { kind: 'throttle', count: 1 } })).status, 404);

  const h = await startSandbox(t, { adminEndpoints: true });
  const admin = h.as(null);
  const alice = h.as(DEMO_KEYS.alice);
  // A page that rebinds its DNS name to 127.0.0.1 reaches the port from a browser, naming its own host.
  const rebound = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
    const body = JSON.stringify({ kind: 'status', status: 503, count: 2 });
    const req = http.request(
      `${h.url}/_sandbox/faults`,
      { method: 'POST', headers: { host: 'rebound.example', 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  t.equal(rebound.status, 403, 'an admin request for another host is refused');
  t.match(rebound.body, /only requests for localhost or an IP address/);
  t.same((await admin.request('GET', '//_sandbox/faults')).body.faults, [], '… and queued nothing');
  const queued = await admin.request('POST', '//_sandbox/faults', { body: { kind: 'status', status: 503, count: 2 } });
  t.equal(queued.status, 201);
  t.equal(queued.body.faults[0].remaining, 2);
  t.equal((await alice.get('/projects')).status, 503);
  t.equal((await admin.request('GET', '//_sandbox/faults')).body.faults[0].remaining, 1);
  t.equal((await admin.request('DELETE', '//_sandbox/faults')).status, 200);
  t.equal((await alice.get('/projects')).status, 200);

  await admin.request('POST', '//_sandbox/faults', { body: { kind: 'throttle', count: 1 } });
  t.equal((await alice.get('/projects')).status, 429);
  await admin.request('POST', '//_sandbox/faults', { body: { kind: 'status', status: 502, count: 1, body: 'html', pathPrefix: '/api/v2/folders' } });
  t.equal((await alice.get('/folders')).status, 502);
  await admin.request('POST', '//_sandbox/faults', { body: { kind: 'delay', ms: 50, count: 1 } });
  t.equal((await alice.get('/folders')).status, 200);

  t.equal((await admin.request('POST', '//_sandbox/rate-limit/exhaust')).status, 200);
  t.equal((await alice.get('/projects')).status, 429);
  t.equal((await admin.request('DELETE', '//_sandbox/rate-limit')).status, 200);
  t.equal((await alice.get('/projects')).status, 200);

  t.equal((await admin.request('POST', '//_sandbox/faults', { body: { kind: 'status', status: 418, count: 1 } })).status, 400);
  t.equal((await admin.request('POST', '//_sandbox/faults', { body: { kind: 'delay', ms: 10_000_000, count: 1 } })).status, 400);
  t.equal((await admin.request('GET', '//_sandbox/nothing')).status, 404);
});
