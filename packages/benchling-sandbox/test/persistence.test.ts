/** The embedded store: creates survive restarts, writes are atomic, limits hold, the data file is guarded. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { createSandboxServer, DEMO_IDS, DEMO_KEYS, StoreCorruptError, storeFileFor } from '../src/index.js';
import { startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;
/** apiURL/webURL carry the port, which changes across restarts. */
const withoutUrls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'apiURL' && k !== 'webURL'));

t.test('creates persist across a restart', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const file = storeFileFor({ dataDir: h.dataDir });
  t.equal(file, path.join(h.dataDir, 'benchling-sandbox', 'tenant.json'));
  t.ok(h.sandbox.store.seeded, 'first start seeds');

  const entry = (
    await alice.post('/entries', {
      name: 'Persisted entry',
      folderId: D.folders.expressionRuns,
      schemaId: D.entrySchemas.expressionRun,
      fields: { Outcome: { value: 'kept' } },
    })
  ).body;
  const seq = (await alice.post('/dna-sequences', { name: 'Persisted plasmid', bases: 'ATGCATGC', isCircular: true, folderId: D.folders.peConstructs })).body;
  const ent = (await alice.post('/custom-entities', { name: 'Persisted strain', schemaId: D.entitySchemas.bacterialStrain, folderId: D.folders.peConstructs }))
    .body;

  await h.restart();
  t.notOk(h.sandbox.store.seeded, 'a restart reads the file instead of reseeding');
  const c = h.as(DEMO_KEYS.alice);
  t.strictSame(withoutUrls((await c.get(`/entries/${entry.id}`)).body.entry), withoutUrls(entry));
  t.strictSame(withoutUrls((await c.get(`/dna-sequences/${seq.id}`)).body), withoutUrls(seq));
  t.strictSame(withoutUrls((await c.get(`/custom-entities/${ent.id}`)).body), withoutUrls(ent));
  const next = await c.post('/entries', { name: 'After restart', folderId: D.folders.expressionRuns });
  t.equal(next.body.displayId, 'EXP016', 'counters persist too');

  const saved = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(saved.formatVersion, 1);
  t.ok(saved.tenant.entries.some((e: { id: string }) => e.id === entry.id));
  t.strictSame(readdirSync(path.dirname(file)).sort(), ['tenant.json', 'tenant.json.lock'], 'no temp files left behind');
});

t.test('concurrent creates are all kept, each with its own ids', async (t) => {
  const h = await startSandbox(t, { rateLimit: { limit: 1000 } });
  const alice = h.as(DEMO_KEYS.alice);
  const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => alice.post('/entries', { name: `Parallel ${i}`, folderId: D.folders.purification })));
  t.ok(replies.every((r) => r.status === 201));
  const idsCreated = new Set(replies.map((r) => r.body.id));
  const displayIds = new Set(replies.map((r) => r.body.displayId));
  t.equal(idsCreated.size, 25);
  t.equal(displayIds.size, 25);
  await h.restart();
  const listed = await h.as(DEMO_KEYS.alice).get('/entries', { pageSize: 100, projectId: D.projects.proteinExpression });
  const after = new Set(listed.body.entries.map((e: { id: string }) => e.id));
  t.ok(
    [...idsCreated].every((id) => after.has(id)),
    'every acknowledged create is on disk',
  );
});

t.test('a crash between temp write and rename leaves the tenant intact', async (t) => {
  const h = await startSandbox(t);
  const created = (await h.as(DEMO_KEYS.alice).post('/entries', { name: 'Before the crash', folderId: D.folders.purification })).body;
  await h.sandbox.close();
  const file = storeFileFor({ dataDir: h.dataDir });
  // What a crash mid-write leaves: a half-written temp file next to the intact store.
  const stale = path.join(path.dirname(file), `.tenant.json.99999.${Date.now()}.tmp`);
  writeFileSync(stale, '{"formatVersion":1,"tenant":{"entr');
  await h.restart();
  t.notOk(existsSync(stale), 'the torn temp file is cleaned up');
  t.equal((await h.as(DEMO_KEYS.alice).get(`/entries/${created.id}`)).status, 200);
});

t.test('a corrupt store file stops the start instead of being reseeded over', async (t) => {
  const h = await startSandbox(t);
  await h.sandbox.close();
  const file = storeFileFor({ dataDir: h.dataDir });
  writeFileSync(file, '{"formatVersion":1,"tenant":');
  await t.rejects(createSandboxServer({ dataDir: h.dataDir }), StoreCorruptError);
  t.equal(readFileSync(file, 'utf8'), '{"formatVersion":1,"tenant":', 'the file is left for a human to look at');
  writeFileSync(file, JSON.stringify({ formatVersion: 99, tenant: {} }));
  await t.rejects(createSandboxServer({ dataDir: h.dataDir }), /format version 99/);
  writeFileSync(file, JSON.stringify({ formatVersion: 1, tenant: { users: 'nope' } }));
  await t.rejects(createSandboxServer({ dataDir: h.dataDir }), /tenant.users/);
  // Put a good tenant back so the harness teardown can close cleanly.
  const { seedTenant } = await import('../src/index.js');
  writeFileSync(file, JSON.stringify({ formatVersion: 1, tenant: seedTenant() }));
  await h.restart();
});

t.test('only one sandbox per data file', async (t) => {
  const h = await startSandbox(t);
  await t.rejects(createSandboxServer({ dataDir: h.dataDir }), /held by process/);
  t.equal((await h.as(DEMO_KEYS.alice).get('/projects')).status, 200, 'the first one keeps working');
  const file = storeFileFor({ dataDir: h.dataDir });
  await h.sandbox.close();
  writeFileSync(`${file}.lock`, '2147483646'); // a pid that is not running: a stale lock from a crash
  await h.restart();
  t.equal((await h.as(DEMO_KEYS.alice).get('/projects')).status, 200, 'a stale lock is taken over');
});

/** A sandbox's data file, closed and then held by another live process (in the bundle: the one a PM2 reload replaces). */
async function heldByAnotherProcess(t: Test) {
  const h = await startSandbox(t);
  const file = storeFileFor({ dataDir: h.dataDir });
  await h.sandbox.close();
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  writeFileSync(`${file}.lock`, String(holder.pid));
  return { h, file, holder };
}

t.test('told to wait (BENCHLING_SANDBOX_LOCK_WAIT_MS), a sandbox takes the data file once its live holder lets go', async (t) => {
  const { h, file, holder } = await heldByAnotherProcess(t);
  const told: number[] = [];
  const began = Date.now();
  const opening = createSandboxServer({ dataDir: h.dataDir, lockWait: { waitMs: 10_000, pollMs: 20, onHeld: (pid) => told.push(pid) } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(told, [holder.pid], 'told once who holds it');
  unlinkSync(`${file}.lock`);
  const sandbox = await opening;
  t.teardown(() => sandbox.close());
  t.ok(Date.now() - began >= 300, 'it waited');
  t.equal(readFileSync(`${file}.lock`, 'utf8'), String(process.pid), 'and holds the file now');
  t.ok(sandbox.store.stats().records.users > 0, 'with the tenant in it');
  t.notOk(sandbox.store.seeded, 'the one the holder left, not a new one');
});

t.test('a holder that does not let go in time: refused, saying how long it waited', async (t) => {
  const { h, file, holder } = await heldByAnotherProcess(t);
  await t.rejects(
    createSandboxServer({ dataDir: h.dataDir, lockWait: { waitMs: 200, pollMs: 20 } }),
    new RegExp(`held by process ${holder.pid}; .*\\(waited 200 ms for it\\)`),
  );
  unlinkSync(`${file}.lock`);
  await h.restart();
});

t.test('a file held by this very process is refused at once, wait or not (it would never be let go)', async (t) => {
  const h = await startSandbox(t);
  const began = Date.now();
  await t.rejects(createSandboxServer({ dataDir: h.dataDir, lockWait: { waitMs: 10_000 } }), /held by process \d+ \(this process/);
  t.ok(Date.now() - began < 5000, 'without waiting');
});

t.test('store and body limits', async (t) => {
  const h = await startSandbox(t, { storeLimits: { maxRecordsPerCollection: 21 }, maxBodyBytes: 64 * 1024 });
  const alice = h.as(DEMO_KEYS.alice);
  t.equal((await alice.post('/entries', { name: 'the 21st', folderId: D.folders.purification })).status, 201);
  const full = await alice.post('/entries', { name: 'the 22nd', folderId: D.folders.purification });
  t.equal(full.status, 400);
  t.match(full.body.error.message, /at most 21 entries/);
  t.equal(
    (await alice.post('/dna-sequences', { name: 'other collections still fine', bases: 'ACGT', isCircular: false, folderId: D.folders.peConstructs })).status,
    201,
  );

  const big = await alice.post('/dna-sequences', { name: 'too big', bases: 'A'.repeat(70 * 1024), isCircular: false, folderId: D.folders.peConstructs });
  t.equal(big.status, 413, 'bodies over the limit are refused');
  const chunked = await alice.request('POST', '/dna-sequences', {
    rawBody: JSON.stringify({ name: 'too big', bases: 'A'.repeat(70 * 1024), isCircular: false, folderId: D.folders.peConstructs }),
    headers: { 'content-type': 'application/json' },
    chunked: true,
  });
  t.equal(chunked.status, 413, 'also without a Content-Length');
  t.equal((await alice.get('/projects')).status, 200, 'and the server carries on');

  const tiny = await startSandbox(t, { storeLimits: { maxFileBytes: 1024 } });
  const refused = await tiny.as(DEMO_KEYS.alice).post('/entries', { name: 'x', folderId: D.folders.purification });
  t.equal(refused.status, 400);
  t.match(refused.body.error.message, /bytes/);
});

t.test('the default body limit is 1 MiB', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const justUnder = await alice.post('/dna-sequences', {
    name: 'big but fine',
    bases: 'ACGT'.repeat(200_000),
    isCircular: false,
    folderId: D.folders.peConstructs,
  });
  t.equal(justUnder.status, 201);
  const over = await alice.post('/dna-sequences', { name: 'over', bases: 'ACGT'.repeat(270_000), isCircular: false, folderId: D.folders.peConstructs });
  t.equal(over.status, 413);
});

t.test('a bounded write queue: overflow answers 503, nothing acknowledged is lost', async (t) => {
  const h = await startSandbox(t, { storeLimits: { maxPendingWrites: 2 }, rateLimit: { limit: 1000 } });
  const alice = h.as(DEMO_KEYS.alice);
  const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => alice.post('/entries', { name: `Burst ${i}`, folderId: D.folders.purification })));
  const statuses = replies.map((r) => r.status);
  t.ok(
    statuses.every((s) => s === 201 || s === 503),
    `only 201 or 503 (${statuses.join(' ')})`,
  );
  t.ok(statuses.includes(201));
  for (const r of replies.filter((x) => x.status === 503)) t.match(r.body.error.message, /queued/);
  await h.restart();
  for (const r of replies.filter((x) => x.status === 201)) t.equal((await h.as(DEMO_KEYS.alice).get(`/entries/${r.body.id}`)).status, 200);
});
