/** The Benchling client against the sandbox, in-process: paging, retries, back-off, errors, timeouts, pacing, bounds. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_KEYS } from '@labmcp/benchling-sandbox';
import { fingerprint } from '@labmcp/service-kit';
import t from 'tap';
import type { AttemptReport } from '../src/benchling/client.js';
import { BenchlingError } from '../src/benchling/errors.js';
import { tenantPacer } from '../src/benchling/pacer.js';
import { toToolError } from '../src/tool-errors.js';
import { captureLogger, makeClient, startSandbox } from './helpers.js';

const ALICE = DEMO_KEYS.alice;
const BOB = DEMO_KEYS.bob;

function recorder() {
  const attempts: AttemptReport[] = [];
  return { attempts, onAttempt: (r: AttemptReport) => void attempts.push(r), statuses: () => attempts.map((a) => a.status ?? a.error) };
}

async function failure(promise: Promise<unknown>): Promise<BenchlingError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof BenchlingError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

/** ms left in the sandbox's current epoch-aligned window of `windowMs`. */
const leftInWindow = (windowMs: number) => windowMs - (Date.now() % windowMs);

t.test('paging: pageSize and nextToken walk a list to its end, no item twice', async (t) => {
  const { url } = await startSandbox(t);
  const session = makeClient(url).session(ALICE);
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await session.list<{ id: string }>('/entries', 'entries', { projectId: 'src_ProtExp1', pageSize: 5, nextToken: token });
    t.ok(page.items.length <= 5, 'a page holds at most pageSize items');
    seen.push(...page.items.map((e) => e.id));
    token = page.nextToken ?? undefined;
    pages++;
  } while (token && pages < 10);
  t.equal(pages, 3, '14 live entries at pageSize=5: three pages');
  t.equal(seen.length, 14);
  t.equal(new Set(seen).size, 14, 'no duplicates');
});

t.test('429: waits for the window to reset (x-rate-limit-reset), once, then succeeds', async (t) => {
  const windowMs = 2000;
  const { url, sandbox } = await startSandbox(t, { rateLimit: { limit: 1000, windowSeconds: windowMs / 1000 } });
  const rec = recorder();
  // Exponential back-off alone (20 ms, 40 ms...) would burn every try inside the window: only honouring the header works.
  const client = makeClient(url, { onAttempt: rec.onAttempt, maxAttempts: 3, maxWaitMs: 10_000 });
  if (leftInWindow(windowMs) < 300) await new Promise((r) => setTimeout(r, leftInWindow(windowMs) + 20));
  sandbox.rateLimiter.exhaust();
  const resetsIn = leftInWindow(windowMs);
  const started = Date.now();
  const page = await client.session(ALICE).list('/projects', 'projects', {});
  const elapsed = Date.now() - started;
  t.equal(page.items.length, 3);
  t.same(rec.statuses(), [429, 200], 'one 429, then the retry after the reset succeeds');
  t.ok(elapsed >= resetsIn - 50, `waited for the window to reset (${elapsed} ms >= ${resetsIn} ms)`);
  // The header is in whole seconds (rounded up), plus up to 0.5 s of jitter.
  t.ok(elapsed < resetsIn + 3000, `and not much longer (${elapsed} ms)`);
});

t.test('429 from throttleNext: every key of the tenant waits, not just the one that hit it', async (t) => {
  const windowMs = 2000;
  const { url, sandbox } = await startSandbox(t, { rateLimit: { limit: 1000, windowSeconds: windowMs / 1000 } });
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt, maxWaitMs: 10_000 });
  if (leftInWindow(windowMs) < 500) await new Promise((r) => setTimeout(r, leftInWindow(windowMs) + 20));
  sandbox.faults.throttleNext(1);
  const resetsIn = leftInWindow(windowMs);
  const started = Date.now();
  await client.session(ALICE).get('/projects');
  // Bob's request starts after Alice's 429: the pacer holds it until the window resets too.
  await client.session(BOB).get('/projects');
  t.same(rec.statuses(), [429, 200, 200]);
  t.ok(Date.now() - started >= resetsIn - 50, 'waited for the reset');
});

t.test('Retry-After is honoured when Benchling sends it', async (t) => {
  const { url, sandbox } = await startSandbox(t, { rateLimit: { limit: 1000, windowSeconds: 1, retryAfterHeader: true } });
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt, maxAttempts: 2 });
  sandbox.rateLimiter.exhaust();
  await client.session(ALICE).get('/projects');
  t.same(rec.statuses(), [429, 200]);
});

t.test('502/503/504 and connection failures are retried with back-off', async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt });
  sandbox.faults.failNext(2, 503);
  sandbox.faults.failNext(1, 502, { body: 'html' });
  sandbox.faults.failNext(1, 504, { body: 'empty' });
  const body = await client.session(ALICE).get<{ projects: unknown[] }>('/projects');
  t.equal(body.projects.length, 3);
  t.same(rec.statuses(), [503, 503, 502, 504, 200]);

  // A port nobody listens on: refused, retried, then a clear error.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const rec2 = recorder();
  const err = await failure(makeClient(`http://127.0.0.1:${port}`, { onAttempt: rec2.onAttempt, maxAttempts: 3 }).session(ALICE).get('/projects'));
  t.equal(err.kind, 'network');
  t.match(err.message, /Could not reach Benchling .*ECONNREFUSED.*3 tries/);
  t.equal(rec2.attempts.length, 3);
});

t.test('writes are retried only where Benchling certainly did nothing (429, 503), never after a 502', async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt });
  const body = { name: 'retry-test', folderId: 'lib_PeCon003', schemaId: 'ts_Strain01' };
  sandbox.faults.failNext(1, 503, { pathPrefix: '/api/v2/custom-entities' });
  const created = await client.session(ALICE).post<{ id: string }>('/custom-entities', body);
  t.match(created.id, /^bfi_/);
  t.same(rec.statuses(), [503, 201]);

  sandbox.faults.failNext(1, 502, { pathPrefix: '/api/v2/custom-entities' });
  const err = await failure(client.session(ALICE).post('/custom-entities', body));
  t.equal(err.kind, 'unavailable');
  t.same(rec.statuses().slice(2), [502], 'one try: a 502 may come after the create happened');
});

t.test('gives up after the bounded number of tries, with a clear error', async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt, maxAttempts: 3 });
  sandbox.faults.failNext(10, 503);
  const err = await failure(client.session(ALICE).get('/projects'));
  t.equal(err.kind, 'unavailable');
  t.equal(err.status, 503);
  t.match(err.message, /Benchling failed or is unavailable: HTTP 503.*Injected fault.*3 tries/);
  t.equal(rec.attempts.length, 3, 'exactly maxAttempts tries');
  t.equal(sandbox.faults.pending()[0]?.remaining, 7, 'no further requests were sent');
  sandbox.faults.clear();
});

t.test('gives up when the wait budget would be exceeded, saying when to try again', async (t) => {
  const { url, sandbox } = await startSandbox(t, { rateLimit: { limit: 1000, windowSeconds: 30 } });
  const rec = recorder();
  // Back-off budget: a 503 needing a 1-2 s wait does not fit into 100 ms.
  const client = makeClient(url, { onAttempt: rec.onAttempt, baseDelayMs: 2000, maxDelayMs: 2000, maxWaitMs: 100 });
  sandbox.faults.failNext(1, 503);
  const started = Date.now();
  const err = await failure(client.session(ALICE).get('/projects'));
  t.equal(err.kind, 'unavailable');
  t.ok(Date.now() - started < 1000, 'did not sleep past the budget');

  // Rate limit budget: a 30 s window cannot be waited out in 100 ms.
  if (leftInWindow(30_000) < 3000) await new Promise((r) => setTimeout(r, leftInWindow(30_000) + 20));
  sandbox.rateLimiter.exhaust();
  const err2 = await failure(client.session(ALICE).get('/projects'));
  t.equal(err2.kind, 'rate_limited');
  t.match(err2.message, /rate limit for this tenant .*used up.*Try again in \d+/);
  t.ok((err2.details.retryInMs ?? 0) > 1000, 'knows when the window resets');
  // The tenant is now known to be exhausted: the next request is refused at once, without another 429.
  const before = rec.attempts.length;
  const err3 = await failure(client.session(BOB).get('/projects'));
  t.equal(err3.kind, 'rate_limited');
  t.equal(rec.attempts.length, before, 'nothing was sent');
});

t.test("Benchling's error body reaches the caller", async (t) => {
  const { url } = await startSandbox(t);
  const client = makeClient(url);
  const notFound = await failure(client.session(ALICE).get('/entries/etr_NoSuch01'));
  t.equal(notFound.kind, 'not_found');
  t.equal(notFound.status, 404);
  t.match(notFound.message, /Could not find entry etr_NoSuch01, or you do not have access to it/);
  t.equal(notFound.details.body?.invalidId, 'etr_NoSuch01');

  const bad = await failure(client.session(ALICE).get('/entries', { folderId: 'lib_abc123' }));
  t.equal(bad.kind, 'bad_request');
  t.match(bad.message, /Benchling refused the request \(HTTP 400.*Unknown query parameter "folderId"/);

  const invalidIds = await failure(client.session(BOB).get('/projects', { ids: 'src_AbDisc03' }));
  t.match(invalidIds.message, /Invalid ids: src_AbDisc03/, "ListingError's invalidIds are named");
});

t.test('401 from Benchling: "Benchling rejected the API key", counted, key never echoed', async (t) => {
  const { url } = await startSandbox(t);
  const rejected: number[] = [];
  const { logger, text } = captureLogger();
  const client = makeClient(url, { onKeyRejected: (s) => void rejected.push(s), logger });
  const badKey = 'sk_bogus_key_0123456789';
  const err = await failure(client.session(badKey).get('/projects'));
  t.equal(err.kind, 'key_rejected');
  t.equal(toToolError(err)?.code, 'key_rejected', 'the tool result carries the kind as its code');
  t.match(err.message, /^Benchling rejected the API key \(HTTP 401.*X-Benchling-API-Key/);
  t.same(rejected, [401]);
  t.notOk(err.message.includes(badKey));
  const service = await failure(client.session(badKey, { keySource: 'service' }).get('/projects'));
  t.match(service.message, /BENCHLING_API_KEY/, 'a rejected service key points at the operator');
  const logs = text();
  t.notOk(logs.includes(badKey), 'not in the log');
  t.notOk(logs.includes(Buffer.from(`${badKey}:`).toString('base64')), 'not even as a Basic credential');
  t.notOk(JSON.stringify(client.session(badKey)).includes(badKey), 'a session serialises without its key');
});

t.test('a request that takes too long times out with a clear error, and is not retried', async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt, timeoutMs: 300 });
  sandbox.faults.delayNext(1, 2000);
  const started = Date.now();
  const err = await failure(client.session(ALICE).get('/projects'));
  t.equal(err.kind, 'timeout');
  t.match(err.message, /did not answer GET \/projects within 0\.3 s/);
  t.ok(Date.now() - started < 1500, 'cut at the timeout');
  t.same(rec.statuses(), ['timeout']);
});

t.test("the caller's cancellation stops waiting at once", async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const client = makeClient(url);
  sandbox.faults.delayNext(1, 2000);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  const err = await failure(client.session(ALICE, { signal: controller.signal }).get('/projects'));
  t.equal(err.kind, 'cancelled');
  t.ok(Date.now() - started < 1000);
});

t.test('pacing: reads x-rate-limit-remaining and spreads requests so the tenant limit is never hit', async (t) => {
  const windowMs = 2000;
  const limit = 6;
  const { url } = await startSandbox(t, { rateLimit: { limit, windowSeconds: windowMs / 1000 } });
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt, slowdownRemaining: 3, maxWaitMs: 10_000 });
  const started = Date.now();
  const firstWindowLeft = leftInWindow(windowMs);
  // Two users (one tenant budget) asking at the same time, 16 requests in all: more than two windows' worth.
  const keys = [ALICE, BOB];
  await Promise.all(
    keys.map(async (key) => {
      for (let i = 0; i < 8; i++) await client.session(key).get('/projects', { pageSize: 1 });
    }),
  );
  const elapsed = Date.now() - started;
  t.equal(rec.attempts.length, 16, 'no retries were needed');
  t.notOk(rec.statuses().includes(429), 'no 429 at all');
  t.ok(elapsed >= firstWindowLeft + windowMs - 100, `the requests were spread over three windows (${elapsed} ms)`);
  const state = client.pacer.state();
  t.equal(state.limit, limit, 'the pacer learnt the limit from the headers');
});

t.test('one pacer per tenant, shared by every client and key', async (t) => {
  const a = tenantPacer('https://tenant.example.com', { slowdownRemaining: 5 });
  const b = tenantPacer('https://tenant.example.com/', { slowdownRemaining: 5 });
  const c = tenantPacer('https://other.example.com', { slowdownRemaining: 5 });
  t.equal(a, b);
  t.not(a, c);
});

t.test('at most maxConcurrencyPerKey requests of one key in flight; other keys are not held up', async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const client = makeClient(url, { maxConcurrencyPerKey: 2 });
  const aliceId = fingerprint(ALICE);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, client.activeFor(aliceId))), 5);
  t.teardown(() => clearInterval(sampler));
  sandbox.faults.delayNext(6, 300);
  const started = Date.now();
  await Promise.all(Array.from({ length: 6 }, () => client.session(ALICE).get('/projects')));
  const elapsed = Date.now() - started;
  clearInterval(sampler);
  t.equal(peak, 2, 'never more than 2 at once');
  t.ok(elapsed >= 850, `6 slow requests, 2 at a time: three rounds (${elapsed} ms)`);
  t.equal(client.activeFor(aliceId), 0, 'all slots released');

  sandbox.faults.delayNext(2, 1500);
  let aliceDone = false;
  const slow = Promise.all([client.session(ALICE).get('/projects'), client.session(ALICE).get('/projects')]).then(() => (aliceDone = true));
  await new Promise((r) => setTimeout(r, 50));
  await client.session(BOB).get('/projects');
  t.notOk(aliceDone, "bob's request, with alice's key at its limit, did not wait for alice's");
  await slow;
});

t.test('answers larger than the bound are refused, not read into memory', async (t) => {
  const { url } = await startSandbox(t);
  const client = makeClient(url, { maxResponseBytes: 2000 });
  const err = await failure(client.session(ALICE).get('/dna-sequences', { pageSize: 10 }));
  t.equal(err.kind, 'too_large');
  t.match(err.message, /larger than this server reads \(2000 bytes\).*smaller page_size/);
  t.ok(await client.session(ALICE).get('/projects', { pageSize: 1 }), 'small answers still fine');
});

t.test('the key goes to Benchling only: a redirect elsewhere is reported, not followed', async (t) => {
  let elsewhere = 0;
  const other = createServer((_req, res) => {
    elsewhere++;
    res.end('{}');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherPort = (other.address() as AddressInfo).port;
  const redirecting = createServer((req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${otherPort}${req.url ?? '/'}` });
    res.end();
  });
  await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    other.close();
    redirecting.close();
  });
  const client = makeClient(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`);
  const err = await failure(client.session(ALICE).get('/projects'));
  t.equal(err.kind, 'bad_response');
  t.match(err.message, /redirect/);
  t.equal(elsewhere, 0, 'the other server never saw the request (nor the key)');
});

t.test('retries and give-ups are logged without the key', async (t) => {
  const { url, sandbox } = await startSandbox(t);
  const { logger, text } = captureLogger();
  const client = makeClient(url, { logger, maxAttempts: 2 });
  sandbox.faults.failNext(5, 503);
  await failure(client.session(ALICE).get('/projects'));
  sandbox.faults.clear();
  const logs = text();
  t.match(logs, /Benchling request failed; retrying/);
  t.match(logs, /"kind":"unavailable"/);
  t.notOk(logs.includes(ALICE));
  t.notOk(logs.includes(Buffer.from(`${ALICE}:`).toString('base64')));
});

t.test('a key Benchling refused is refused here for a while without asking Benchling again; a working key is unaffected', async (t) => {
  const { url } = await startSandbox(t);
  const rec = recorder();
  const client = makeClient(url, { onAttempt: rec.onAttempt, rejectedKeyTtlMs: 60_000 });
  const first = await failure(client.session('sk_made_up_key_1').get('/projects'));
  t.equal(first.kind, 'key_rejected');
  t.equal(rec.attempts.length, 1, 'asked Benchling once');
  t.ok(client.keyRejectedRecently('sk_made_up_key_1'));
  const again = await failure(client.session('sk_made_up_key_1').get('/projects'));
  t.equal(again.kind, 'key_rejected');
  t.match(again.message, /not sent again/);
  t.equal(rec.attempts.length, 1, 'and not again');
  t.notOk(client.keyRejectedRecently(ALICE));
  await client.session(ALICE).get('/projects');
  t.equal(rec.attempts.length, 2);
  const off = makeClient(url, { onAttempt: rec.onAttempt, rejectedKeyTtlMs: 0 });
  await failure(off.session('sk_made_up_key_2').get('/projects'));
  await failure(off.session('sk_made_up_key_2').get('/projects'));
  t.equal(rec.attempts.length, 4, 'with BENCHLING_REJECTED_KEY_TTL_MS=0 nothing is remembered');
});
