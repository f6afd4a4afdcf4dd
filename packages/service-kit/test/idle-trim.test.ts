/**
 * The idle trim (idle-trim.ts): a last-resort collection once the process has gone quiet — soon after start-up, then
 * after each busy spell once it has been quiet for a while — never while requests come or one is in flight, and
 * nothing at all without `gc`. Short ticks and a counting stand-in for `gc`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { processTrim, trimWhenIdle } from '../src/idle-trim.js';

const TICK = 20;

/** Waits for what a trim should bring (a loaded machine may run the ticks late), up to 5 s. */
async function until(check: () => boolean): Promise<boolean> {
  for (let waited = 0; !check() && waited < 5000; waited += TICK) await sleep(TICK);
  return check();
}

function harness(options: { startQuietTicks?: number; quietTicks?: number } = {}) {
  const state = { served: 0, busy: false, trims: 0, gcOptions: [] as unknown[] };
  const trim = trimWhenIdle({
    served: () => state.served,
    busy: () => state.busy,
    tickMs: TICK,
    ...options,
    gc: (gcOptions) => {
      state.trims++;
      state.gcOptions.push(gcOptions);
    },
  });
  return { state, trim };
}

t.test('without gc (no --expose-gc) there is nothing to start', async (t) => {
  t.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runs without --expose-gc');
  t.equal(trimWhenIdle({ served: () => 0, busy: () => false }), undefined);
});

t.test('once soon after start-up, then not again while nothing happens', async (t) => {
  const { state, trim } = harness({ startQuietTicks: 1, quietTicks: 3 });
  t.teardown(() => trim?.stop());
  t.ok(await until(() => state.trims === 1), 'start-up garbage given back after one quiet look');
  t.same(state.gcOptions[0], { type: 'major', execution: 'sync', flavor: 'last-resort' });
  await sleep(TICK * 8);
  t.equal(state.trims, 1, 'a quiet process is not collected again and again');
});

t.test('after a busy spell: only once it has been quiet for quietTicks looks', async (t) => {
  // Ten quiet looks before a trim after activity: fewer than that cannot pass in the 2.5 ticks waited below.
  const { state, trim } = harness({ startQuietTicks: 1, quietTicks: 10 });
  t.teardown(() => trim?.stop());
  t.ok(await until(() => state.trims === 1));
  // Requests keep coming, a new one before each look: no trim however long it lasts.
  for (let i = 0; i < 15; i++) {
    state.served++;
    await sleep(TICK / 2);
  }
  t.equal(state.trims, 1, 'nothing while requests come');
  await sleep(TICK * 2.5);
  t.equal(state.trims, 1, 'not yet: quiet for fewer looks than asked');
  t.ok(await until(() => state.trims === 2), 'then once');
  await sleep(TICK * 12);
  t.equal(state.trims, 2, 'and only once');
});

t.test('never while a request is in flight, even with no new one coming', async (t) => {
  const { state, trim } = harness({ startQuietTicks: 1, quietTicks: 2 });
  t.teardown(() => trim?.stop());
  state.busy = true;
  await sleep(TICK * 6);
  t.equal(state.trims, 0, 'a long request holds it off');
  state.busy = false;
  t.ok(await until(() => state.trims === 1), 'given back once it is done and quiet');
});

t.test('stop() ends it', async (t) => {
  const { state, trim } = harness({ startQuietTicks: 2 });
  trim?.stop();
  await sleep(TICK * 5);
  t.equal(state.trims, 0);
});

t.test('several services in one process (run-together): one trim, only when all of them are quiet, counted by each', async (t) => {
  let trims = 0;
  const trim = processTrim({ tickMs: TICK, startQuietTicks: 1, quietTicks: 2, gc: () => trims++ });
  const a = { served: 0, busy: false, trims: 0 };
  const b = { served: 0, busy: false, trims: 0 };
  const watch = (s: typeof a) => trim.watch({ served: () => s.served, busy: () => s.busy, onTrim: () => s.trims++ });
  const watchA = watch(a);
  const watchB = watch(b);
  t.teardown(() => {
    watchA.stop();
    watchB.stop();
  });
  t.ok(await until(() => trims === 1), 'the start-up trim, once for the process');
  t.same([a.trims, b.trims], [1, 1], 'each service counts it');
  // One service busy, the other quiet: no trim, however long.
  b.busy = true;
  a.served++;
  await sleep(TICK * 8);
  t.equal(trims, 1, 'not while the other service has a request in flight');
  b.busy = false;
  t.ok(await until(() => trims === 2), 'once both are quiet');
  watchB.stop();
  a.served++;
  t.ok(await until(() => trims === 3), 'a service that stopped leaves the others watched');
  t.equal(b.trims, 2, 'and is no longer told');
});
