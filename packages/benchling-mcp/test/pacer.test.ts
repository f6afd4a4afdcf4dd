/** The per-tenant pacer's arithmetic, on a hand-moved clock. */
import t from 'tap';
import { TenantPacer } from '../src/benchling/pacer.js';

function setup(slowdownRemaining: number) {
  let now = 1_000_000;
  const pacer = new TenantPacer({ slowdownRemaining, now: () => now, random: () => 0 });
  const headers = (remaining: number, resetSeconds: number, limit = 60) =>
    new Headers({ 'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': String(remaining), 'x-rate-limit-reset': String(resetSeconds) });
  /** reserve + settle with an answer, as one request does */
  const request = (remaining: number, resetSeconds: number) => {
    const r = pacer.reserve(Infinity);
    pacer.settle(headers(remaining, resetSeconds));
    return r;
  };
  return { pacer, headers, request, advance: (ms: number) => (now += ms), now: () => now };
}

t.test('nothing known: requests go at once', async (t) => {
  const { pacer } = setup(5);
  for (let i = 0; i < 10; i++) t.same(pacer.reserve(0), { ok: true, waitMs: 0 });
});

t.test('plenty left: no waiting; low: the rest is spread over the window; none: wait for the reset', async (t) => {
  const { pacer, headers, request } = setup(3);
  t.equal(request(10, 10).waitMs, 0, 'first answer: 10 left, window ends in 10 s');
  for (let i = 0; i < 6; i++) t.equal(pacer.reserve(Infinity).waitMs, 0, 'above the slowdown mark: at once');
  t.equal(pacer.state().remaining, 4);
  t.equal(pacer.reserve(Infinity).waitMs, 0, '4 left (> 3): still at once');
  // 3 left over 10 s: one every 3.33 s
  t.equal(pacer.reserve(Infinity).waitMs, 0, 'the first spread request goes now');
  t.equal(pacer.reserve(Infinity).waitMs, 3334, 'the next a third of the window later');
  t.equal(pacer.reserve(Infinity).waitMs, 6667, 'the last one another third later');
  t.equal(pacer.state().remaining, 0);
  t.equal(pacer.reserve(Infinity).waitMs, 10_000, 'none left: wait for the window to reset');
  pacer.settle(headers(0, 10));
});

t.test('a reservation that would wait too long is refused and reserves nothing', async (t) => {
  const { pacer, request } = setup(0);
  request(0, 20);
  const r = pacer.reserve(5000);
  t.same(r, { ok: false, waitMs: 20_000 });
  t.equal(pacer.state().inFlight, 0, 'nothing reserved');
});

t.test("requests in flight are not yet in Benchling's count", async (t) => {
  const { pacer, headers } = setup(0);
  pacer.reserve(Infinity);
  pacer.reserve(Infinity);
  pacer.reserve(Infinity);
  // The first answer says 5 left; the two others in flight will each take one more.
  pacer.settle(headers(5, 10));
  t.equal(pacer.state().remaining, 3);
});

t.test('a new window is recognised; estimates of the same window are merged', async (t) => {
  const { pacer, request, advance } = setup(0);
  request(10, 10);
  advance(500);
  request(12, 10); // same window (its reset within a second of the first estimate): the lower count wins
  t.equal(pacer.state().remaining, 9, 'ours: 10 minus this request');
  advance(10_000);
  request(59, 30);
  t.equal(pacer.state().remaining, 59, 'past the reset: a fresh window');
});

t.test('429: everyone waits until the block ends', async (t) => {
  const { pacer, now } = setup(0);
  pacer.blockUntil(now() + 4000);
  t.equal(pacer.reserve(Infinity).waitMs, 4000);
});

t.test('keys Benchling has not accepted get only spare turns: never past half the window, never waiting', async (t) => {
  const { pacer, headers, advance } = setup(5);
  t.same(pacer.reserveSpare(), { ok: true, waitMs: 0 }, 'budget unknown: at once');
  pacer.settle(headers(32, 30, 60));
  t.same(pacer.reserveSpare(), { ok: true, waitMs: 0 }, '32 of 60 left: a spare turn');
  pacer.settle(headers(31, 30, 60));
  t.same(pacer.reserveSpare(), { ok: true, waitMs: 0 }, '31 left: one more');
  pacer.settle(headers(30, 30, 60));
  t.same(pacer.reserveSpare(), { ok: false, waitMs: 30_000 }, '30 left, half the limit: no more spare turns');
  t.equal(pacer.state().remaining, 30, 'and the refusal reserved nothing');
  t.same(pacer.reserve(Infinity), { ok: true, waitMs: 0 }, 'a key that works still goes at once');
  pacer.settle(headers(29, 30, 60));
  pacer.blockUntil(pacer.state().resetAt);
  advance(31_000);
  pacer.blockUntil(Date.now() + 10_000_000);
  t.equal(pacer.reserveSpare().ok, false, 'nor while the tenant is blocked (a 429)');
});
