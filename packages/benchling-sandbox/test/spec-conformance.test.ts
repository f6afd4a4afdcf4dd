/**
 * The sandbox against Benchling's OpenAPI description: every operation, as every demo user, answers bodies
 * that validate against the spec's response schemas (the harness checks each answer), and each operation takes
 * exactly the spec's query parameters.
 */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS, DEMO_USERS, OPERATIONS } from '../src/index.js';
import { spec, startSandbox } from './helpers/harness.js';

t.test('the sandbox serves exactly the operations of the spec subset, with the spec operation ids', async (t) => {
  const specOps = spec()
    .operations.map((o) => `${o.method} ${o.template} ${o.operationId}`)
    .sort();
  const ours = OPERATIONS.map((o) => `${o.method} ${o.path} ${o.operationId}`).sort();
  t.strictSame(ours, specOps);
});

t.test('query parameters: implemented + declared-unsupported = the spec, nothing invented', async (t) => {
  for (const op of OPERATIONS) {
    const specOp = spec().operations.find((o) => o.operationId === op.operationId);
    if (!specOp) {
      t.fail(`${op.operationId} not in spec`);
      continue;
    }
    const ours = [...op.query.allowed, ...(op.query.unsupported ?? [])];
    // schemaField.<name> is the spec's `schemaFields` object parameter, exploded into one parameter per field.
    const specParams = specOp.queryParameters.filter((p) => p !== 'schemaFields');
    t.strictSame([...new Set(ours)].sort(), [...specParams].sort(), `${op.operationId} query parameters`);
    t.equal(op.query.prefixes?.includes('schemaField.') ?? false, specOp.queryParameters.includes('schemaFields'), `${op.operationId} schemaFields`);
  }
  const listEntries = spec().operations.find((o) => o.operationId === 'listEntries')!;
  t.notOk(listEntries.queryParameters.includes('folderId'), 'GET /entries has no folderId filter in the spec');
});

t.test('every operation validates against the spec, for every demo user', async (t) => {
  const h = await startSandbox(t, { rateLimit: { limit: 10_000 } });
  const D = DEMO_IDS;
  for (const key of Object.values(DEMO_KEYS)) {
    const c = h.as(key);
    for (const path of [
      '/entries',
      '/folders',
      '/projects',
      '/dna-sequences',
      '/rna-sequences',
      '/aa-sequences',
      '/custom-entities',
      '/entity-schemas',
      '/entry-schemas',
    ]) {
      const page = await c.get(path, { pageSize: 100 });
      t.equal(page.status, 200, `${key} ${path}`);
      const archived = await c.get(path, path.includes('schemas') ? { pageSize: 100 } : { pageSize: 100, archiveReason: 'ANY_ARCHIVED_OR_NOT_ARCHIVED' });
      t.equal(archived.status, 200);
    }
  }
  const alice = h.as(DEMO_KEYS.alice);
  const gets: [string, string][] = [
    ['/entries', D.entries.firstRun],
    ['/entries', D.entries.purification1],
    ['/entries', D.entries.crisprScreen1],
    ['/entries', D.entries.pilotRun],
    ['/folders', D.folders.expressionRuns],
    ['/folders', D.folders.abArchive],
    ['/projects', D.projects.antibodyDiscovery],
    ['/dna-sequences', D.dnaSequences.petEgfp],
    ['/dna-sequences', D.dnaSequences.egfpOrf],
    ['/rna-sequences', D.rnaSequences.egfpMrna],
    ['/users', DEMO_USERS.bob.id],
    ['/aa-sequences', D.aaSequences.his6Egfp],
    ['/custom-entities', D.customEntities.sgEmx1],
    ['/entity-schemas', D.entitySchemas.cellLine],
    ['/entry-schemas', D.entrySchemas.crisprScreen],
  ];
  for (const [collection, id] of gets) t.equal((await alice.get(`${collection}/${id}`)).status, 200, `GET ${collection}/${id}`);
  for (const collection of [
    '/entries',
    '/folders',
    '/projects',
    '/dna-sequences',
    '/rna-sequences',
    '/users',
    '/aa-sequences',
    '/custom-entities',
    '/entity-schemas',
    '/entry-schemas',
  ]) {
    t.equal((await alice.get(`${collection}/xyz_missing`)).status, 404, `GET ${collection}/<missing> is 404`);
  }

  const created = [
    await alice.post('/entries', {
      name: 'Spec check entry',
      folderId: D.folders.expressionRuns,
      schemaId: D.entrySchemas.expressionRun,
      fields: { 'Temperature (C)': { value: 20 } },
    }),
    await alice.post('/dna-sequences', {
      name: 'Spec check plasmid',
      bases: 'ATGGCCAAGTAA',
      isCircular: true,
      folderId: D.folders.peConstructs,
      schemaId: D.entitySchemas.plasmid,
      fields: { Resistance: { value: 'Kanamycin' } },
      annotations: [{ start: 0, end: 12, name: 'ORF', type: 'CDS' }],
      translations: [{ start: 0, end: 12 }],
    }),
    await alice.post('/custom-entities', { name: 'Spec check strain', schemaId: D.entitySchemas.bacterialStrain, folderId: D.folders.peConstructs }),
  ];
  for (const r of created) t.equal(r.status, 201);
  t.equal((await alice.post('/entries', { name: 'no folder' })).status, 400, 'create error is a spec BadRequestError');
  t.ok(h.validated > 60, `validated ${h.validated} answers`);
});

t.test('the validator itself rejects what the spec rejects (so passing means something)', async (t) => {
  const s = spec();
  t.strictSame(s.checkComponent('Folder', { id: 'lib_1', name: 'x', parentFolderId: null, projectId: 'src_1', archiveRecord: null }), []);
  t.ok(s.checkComponent('Folder', { id: 'lib_1', name: 7 }).length > 0, 'wrong type');
  t.ok(s.checkComponent('DnaSequence', { id: 'seq_1', isCircular: null }).length > 0, 'null where the spec has no nullable');
  t.ok(s.checkComponent('DnaSequence', { id: 'seq_1', apiURL: 'not a uri' }).length > 0, 'format: uri');
  t.ok(s.checkComponent('Entry', { id: 'etr_1', days: [{ date: '2025-01-01', notes: [{ type: 'no_such_note' }] }] }).length > 0, 'note oneOf');
  t.ok(s.checkComponent('EntryById', { entry: { fields: { x: { displayValue: 'no value' } } } }).length > 0, 'Field.value is required');
  t.ok(s.checkComponent('NotFoundError', { error: { type: 'not_found', message: 'm', userMessage: 'u' } }).length > 0, 'error type enum');
  t.strictSame(s.undeclaredProperties('Folder', { id: 'lib_1', name: 'x', extra: 1 }), ['/extra']);
  t.strictSame(s.undeclaredProperties('EntriesPaginatedList', { entries: [{ id: 'etr_1', folderID: 'lib_1' }], nextToken: '' }), ['/entries/0/folderID']);
});
