/** pageSize bounds and opaque nextToken paging that stays correct while objects are created. */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS, MAX_PAGE_SIZE } from '../src/index.js';
import { type Client, startSandbox } from './helpers/harness.js';

const P1 = DEMO_IDS.projects.proteinExpression;

async function pages(c: Client, path: string, envelope: string, query: Record<string, string | number>): Promise<string[][]> {
  const out: string[][] = [];
  let token: string | undefined;
  for (let i = 0; i < 50; i++) {
    const r = await c.get(path, { ...query, ...(token ? { nextToken: token } : {}) });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
    out.push(r.body[envelope].map((x: { id: string }) => x.id));
    token = r.body.nextToken;
    if (!token) return out;
  }
  throw new Error('paging did not end');
}

t.test('entries of one project across pages of 5', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const whole = (await alice.get('/entries', { projectId: P1, pageSize: 100 })).body.entries.map((e: { id: string }) => e.id);
  t.equal(whole.length, 14);
  const paged = await pages(alice, '/entries', 'entries', { projectId: P1, pageSize: 5 });
  t.strictSame(
    paged.map((p) => p.length),
    [5, 5, 4],
  );
  t.strictSame(paged.flat(), whole, 'pages concatenate to the full list, in order, without repeats');
  for (const sort of ['name', 'name:desc', 'createdAt:asc', 'modifiedAt:asc']) {
    const full = (await alice.get('/entries', { projectId: P1, pageSize: 100, sort })).body.entries.map((e: { id: string }) => e.id);
    t.strictSame((await pages(alice, '/entries', 'entries', { projectId: P1, pageSize: 4, sort })).flat(), full, `sort ${sort}`);
  }
  t.strictSame((await pages(alice, '/folders', 'folders', { pageSize: 2 })).flat().length, 9);
  t.strictSame((await pages(alice, '/dna-sequences', 'dnaSequences', { pageSize: 1 })).length, 6);
  t.strictSame((await pages(alice, '/entity-schemas', 'entitySchemas', { pageSize: 2 })).flat().length, 5);
});

t.test('tokens are stable while objects are created', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const before = (await alice.get('/entries', { projectId: P1, pageSize: 100 })).body.entries.map((e: { id: string }) => e.id);
  const first = await alice.get('/entries', { projectId: P1, pageSize: 5 });
  t.strictSame(
    first.body.entries.map((e: { id: string }) => e.id),
    before.slice(0, 5),
  );

  // New entries are the most recently modified, so they sort ahead of page 1; an offset token would now repeat
  // page 1's tail on page 2. A keyset token continues right after the last item the client saw.
  for (let i = 0; i < 3; i++) {
    t.equal((await alice.post('/entries', { name: `Concurrent ${i}`, folderId: DEMO_IDS.folders.expressionRuns })).status, 201);
  }
  const second = await alice.get('/entries', { projectId: P1, pageSize: 5, nextToken: first.body.nextToken });
  t.strictSame(
    second.body.entries.map((e: { id: string }) => e.id),
    before.slice(5, 10),
  );
  const third = await alice.get('/entries', { projectId: P1, pageSize: 5, nextToken: second.body.nextToken });
  t.strictSame(
    third.body.entries.map((e: { id: string }) => e.id),
    before.slice(10),
  );
  t.equal(third.body.nextToken, '');

  // Alphabetical paging: an insert after the cursor shows up later, one before it does not repeat anything.
  const byName = await alice.get('/entries', { projectId: P1, pageSize: 5, sort: 'name' });
  await alice.post('/entries', { name: '000 sorts first', folderId: DEMO_IDS.folders.purification });
  const late = await alice.post('/entries', { name: 'zzz sorts last', folderId: DEMO_IDS.folders.purification });
  const rest = (await pages(alice, '/entries', 'entries', { projectId: P1, pageSize: 5, sort: 'name', nextToken: byName.body.nextToken })).flat();
  const seen = [...byName.body.entries.map((e: { id: string }) => e.id), ...rest];
  t.equal(new Set(seen).size, seen.length, 'no duplicates');
  t.equal(seen.at(-1), late.body.id, 'the later insert is on a later page');
});

t.test('tokens are bound to their query and survive a restart', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const first = await alice.get('/entries', { projectId: P1, pageSize: 5 });
  const token = first.body.nextToken as string;
  t.ok(token.length > 0);

  const otherQuery = await alice.get('/entries', { projectId: DEMO_IDS.projects.crisprScreens, pageSize: 5, nextToken: token });
  t.equal(otherQuery.status, 400, 'a token from another query is refused');
  t.match(otherQuery.body.error.message, /different query/);
  t.equal((await alice.get('/entries', { projectId: P1, pageSize: 5, sort: 'name', nextToken: token })).status, 400, 'or another sort');
  t.equal((await alice.get('/folders', { pageSize: 5, nextToken: token })).status, 400, 'or another list');
  const [payload, sig] = token.split('.');
  const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), i: 'etr_ExpRn001' })).toString('base64url')}.${sig}`;
  t.equal((await alice.get('/entries', { projectId: P1, pageSize: 5, nextToken: forged })).status, 400, 'an edited token is refused');
  t.equal((await alice.get('/entries', { projectId: P1, pageSize: 5, nextToken: 'garbage' })).status, 400);

  const expected = (await alice.get('/entries', { projectId: P1, pageSize: 5, nextToken: token })).body.entries;
  t.equal((await alice.get('/entries', { projectId: P1, pageSize: 7, nextToken: token })).status, 200, 'pageSize may change between pages');
  await h.restart();
  const afterRestart = await h.as(DEMO_KEYS.alice).get('/entries', { projectId: P1, pageSize: 5, nextToken: token });
  t.equal(afterRestart.status, 200, 'tokens survive a restart');
  t.strictSame(
    afterRestart.body.entries.map((e: { id: string }) => e.id),
    expected.map((e: { id: string }) => e.id),
  );
});

t.test('pageSize bounds', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  t.equal((await alice.get('/entries')).body.entries.length, 19, 'default page (50) holds all 19 live seeded entries');
  const dflt = await alice.get('/folders');
  t.equal(dflt.body.nextToken, '');
  t.equal((await alice.get('/entries', { pageSize: MAX_PAGE_SIZE })).status, 200);
  const over = await alice.get('/entries', { pageSize: 101 });
  t.equal(over.status, 400);
  t.match(over.body.error.message, /maximum is 100/);
  for (const bad of ['-1', '1.5', 'ten', '']) t.equal((await alice.get('/entries', { pageSize: bad })).status, 400, `pageSize=${JSON.stringify(bad)}`);
  const zero = await alice.get('/entries', { pageSize: 0 });
  t.equal(zero.status, 200);
  t.strictSame(zero.body.entries, []);
  t.ok(zero.body.nextToken.length > 0, 'an empty page still points at the rest');
  t.equal((await alice.get('/entries', { pageSize: 100, nextToken: zero.body.nextToken })).body.entries.length, 19);
});
