/** API-key auth over HTTP Basic, and per-user visibility (projects a key's user is a member of). */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS } from '../src/index.js';
import { basic, type Reply, startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;
const ids = (r: Reply, envelope: string): string[] => (r.body[envelope] as { id: string }[]).map((x) => x.id);

t.test('authentication', async (t) => {
  const h = await startSandbox(t, { extraKeys: { 'ci-key-for-alice': 'alice', 'ci-key-for-bob': 'ent_B0bMarq7' } });

  const none = await h.as(null).get('/projects');
  t.equal(none.status, 401, 'no Authorization header');
  t.equal(none.body.error.type, 'invalid_request_error');
  t.match(none.body.error.message, /Basic/);
  t.match(none.headers.get('www-authenticate') ?? '', /^Basic /);

  const wrong = await h.as('sandbox-key-mallory').get('/projects');
  t.equal(wrong.status, 401, 'unknown key');
  t.match(wrong.body.error.message, /Invalid API key/);

  t.equal((await h.withAuthorization('Bearer some-oauth-token').get('/projects')).status, 401, 'OAuth bearer tokens are not issued by the sandbox');
  t.equal((await h.withAuthorization('Basic !!!').get('/projects')).status, 401, 'malformed Basic');
  t.equal(
    (await h.withAuthorization(`Basic ${Buffer.from(`:${DEMO_KEYS.alice}`).toString('base64')}`).get('/projects')).status,
    401,
    'key in the password slot',
  );
  t.equal((await h.withAuthorization(`Basic ${Buffer.from(DEMO_KEYS.alice).toString('base64')}`).get('/projects')).status, 200, 'no colon at all');
  t.equal(
    (await h.withAuthorization(`basic ${Buffer.from(`${DEMO_KEYS.alice}:`).toString('base64')}`).get('/projects')).status,
    200,
    'scheme is case-insensitive',
  );

  const ok = await h.as(DEMO_KEYS.alice).get('/projects');
  t.equal(ok.status, 200);
  t.equal(ok.body.projects.length, 3);

  const extra = await h.as('ci-key-for-alice').get('/projects');
  t.equal(extra.body.projects.length, 3, 'configured extra keys act as their user');
  t.equal((await h.as('ci-key-for-bob').get('/projects')).body.projects.length, 1);

  t.equal((await h.as(null).get('/nope')).status, 401, 'unauthenticated callers learn nothing about routes');
  t.equal((await h.as(null).request('GET', '//health')).status, 200, '/health needs no key');
});

t.test('extra keys must name an existing user', async (t) => {
  const { createSandboxServer } = await import('../src/index.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/sandbox-keys-`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await t.rejects(createSandboxServer({ dataDir: dir, extraKeys: { k: 'mallory' } }), /unknown user "mallory"/);
  // The failed start released the data file: a correct start works.
  const ok = await createSandboxServer({ dataDir: dir });
  await ok.close();
});

t.test('visibility: bob sees only Protein Expression', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);

  t.strictSame(ids(await bob.get('/projects'), 'projects'), [D.projects.proteinExpression]);
  const folders = ids(await bob.get('/folders', { pageSize: 100 }), 'folders');
  t.strictSame([...folders].sort(), [D.folders.expressionRuns, D.folders.peConstructs, D.folders.peNotebook, D.folders.purification].sort());
  const entries = await bob.get('/entries', { pageSize: 100 });
  t.equal(entries.body.entries.length, 14);
  t.ok(entries.body.entries.every((e: { folderId: string }) => folders.includes(e.folderId)));
  t.strictSame(ids(await bob.get('/dna-sequences', { sort: 'name' }), 'dnaSequences'), [
    D.dnaSequences.egfpOrf,
    D.dnaSequences.petBackbone,
    D.dnaSequences.petEgfp,
  ]);
  t.strictSame(ids(await bob.get('/aa-sequences', { sort: 'name' }), 'aaSequences'), [D.aaSequences.his6Egfp, D.aaSequences.egfp]);
  t.strictSame(ids(await bob.get('/custom-entities', { sort: 'name' }), 'customEntities'), [D.customEntities.bl21, D.customEntities.rosetta2]);
  t.strictSame(ids(await bob.get('/entries', { projectId: D.projects.antibodyDiscovery }), 'entries'), [], 'filtering by an invisible project finds nothing');
  t.strictSame(ids(await bob.get('/folders', { projectId: D.projects.crisprScreens }), 'folders'), []);

  // By id, alice-only objects answer exactly like missing ones.
  const hiddenObjects: [string, string][] = [
    ['/projects', D.projects.antibodyDiscovery],
    ['/projects', D.projects.crisprScreens],
    ['/folders', D.folders.abClones],
    ['/entries', D.entries.antibodyCampaign1],
    ['/entries', D.entries.crisprScreen1],
    ['/dna-sequences', D.dnaSequences.trastuzumabHcCds],
    ['/aa-sequences', D.aaSequences.trastuzumabVh],
    ['/custom-entities', D.customEntities.hybridoma],
  ];
  for (const [collection, id] of hiddenObjects) {
    const hidden = await bob.get(`${collection}/${id}`);
    t.equal(hidden.status, 404, `bob: ${collection}/${id}`);
    t.equal(hidden.body.error.invalidId, id);
    const missing = await bob.get(`${collection}/${id.replace(/_.*/, '_Missing0')}`);
    t.strictSame(Object.keys(hidden.body.error).sort(), Object.keys(missing.body.error).sort(), 'same shape as a missing object');
    t.equal(hidden.body.error.message.replace(id, '<id>'), missing.body.error.message.replace(/\S+_Missing0/, '<id>'));
    t.equal((await h.as(DEMO_KEYS.alice).get(`${collection}/${id}`)).status, 200, `alice: ${collection}/${id}`);
  }

  const viaIds = await bob.get('/entries', { ids: `${D.entries.firstRun},${D.entries.antibodyCampaign1}` });
  t.equal(viaIds.status, 400, 'invisible ids are invalid ids');
  t.strictSame(viaIds.body.invalidIds, [D.entries.antibodyCampaign1]);
});

t.test('visibility: carol sees Protein Expression and CRISPR Screens', async (t) => {
  const h = await startSandbox(t);
  const carol = h.as(DEMO_KEYS.carol);
  t.strictSame(ids(await carol.get('/projects', { sort: 'name' }), 'projects'), [D.projects.crisprScreens, D.projects.proteinExpression]);
  t.equal((await carol.get(`/entries/${D.entries.crisprScreen1}`)).status, 200);
  t.equal((await carol.get(`/entries/${D.entries.firstRun}`)).status, 200);
  t.equal((await carol.get(`/entries/${D.entries.antibodyCampaign1}`)).status, 404);
  t.equal((await carol.get('/entries', { pageSize: 100 })).body.entries.length, 17);
});

t.test('what one user creates, another sees only through project membership', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const secret = await alice.post('/entries', { name: 'Unpublished antibody data', folderId: D.folders.abNotebook });
  t.equal(secret.status, 201);
  const shared = await alice.post('/entries', { name: 'Shared protocol', folderId: D.folders.purification });
  t.equal((await h.as(DEMO_KEYS.bob).get(`/entries/${secret.body.id}`)).status, 404);
  t.equal((await h.as(DEMO_KEYS.bob).get(`/entries/${shared.body.id}`)).status, 200);
  t.equal((await h.withAuthorization(basic(DEMO_KEYS.carol)).get(`/entries/${shared.body.id}`)).status, 200);
});
