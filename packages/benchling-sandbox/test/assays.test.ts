/**
 * Assay results and runs over HTTP, validated against the spec by the harness, with the conventions the spec
 * states in descriptions: result fields keyed by system name, results oldest first by default, at most 20
 * related ids per filter, at most one of assayRunIds / automationOutputProcessorId, unix-second created-time
 * bounds, a required schemaId for runs.
 */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS } from '../src/index.js';
import { startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;
const S = D.assaySchemas;
const result = (n: number) => `${D.assayResults.runPrefix}${String(n).padStart(2, '0')}`;

t.test('assay schemas, results and runs answer as the spec says, for every demo user', async (t) => {
  const h = await startSandbox(t, { rateLimit: { limit: 10_000 } });
  for (const key of Object.values(DEMO_KEYS)) {
    const c = h.as(key);
    t.equal((await c.get('/assay-result-schemas')).status, 200);
    t.equal((await c.get('/assay-run-schemas')).status, 200);
    t.equal((await c.get('/assay-results', { schemaId: S.proteinYield })).status, 200);
    t.equal((await c.get('/assay-runs', { schemaId: S.plateReader })).status, 200);
  }
  const alice = h.as(DEMO_KEYS.alice);
  t.equal((await alice.get(`/assay-result-schemas/${S.proteinYield}`)).status, 200);
  t.equal((await alice.get(`/assay-run-schemas/${S.plateReader}`)).status, 200);
  t.equal((await alice.get(`/assay-result-schemas/${S.plateReader}`)).status, 404, 'a run schema is not a result schema');
  t.equal((await alice.get(`/assay-results/${result(1)}`)).status, 200);
  t.equal((await alice.get(`/assay-runs/${D.assayRuns.plateReader1}`)).status, 200);
  t.equal((await alice.get('/assay-results/00000000-0000-0000-0000-000000000000')).status, 404);
});

t.test('results: fields by system name, rendered like entity fields; filters by entity, storage and run', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);
  const schema = (await bob.get(`/assay-result-schemas/${S.proteinYield}`)).body;
  t.match(schema, { type: 'assay_result', name: 'Protein Yield', systemName: 'protein_yield' });
  const names = schema.fieldDefinitions.map((f: { name: string }) => f.name);
  const r1 = (await bob.get(`/assay-results/${result(1)}`)).body;
  t.strictSame(Object.keys(r1.fields).sort(), [...names].sort(), 'result fields are keyed by the system names of the schema fields');
  t.match(r1.fields.construct, { type: 'dna_sequence_link', value: D.dnaSequences.petEgfp, displayValue: 'pET-28a-EGFP' });
  t.match(r1.fields.yield_mg_per_l, { type: 'float', value: 18.5 });
  t.match(r1, { entryId: 'etr_ExpRn001', projectId: D.projects.proteinExpression, schema: { id: S.proteinYield, name: 'Protein Yield' } });

  const all = (await bob.get('/assay-results', { schemaId: S.proteinYield })).body.assayResults;
  t.strictSame(
    all.map((r: { id: string }) => r.id),
    [1, 2, 3, 4, 5, 6].map(result),
    'oldest first by default (createdAt:asc)',
  );
  const newest = (await bob.get('/assay-results', { schemaId: S.proteinYield, sort: 'createdAt:desc', pageSize: 1 })).body.assayResults;
  t.equal(newest[0].id, result(6));
  const ids = async (query: Record<string, string | number>) => (await bob.get('/assay-results', query)).body.assayResults.map((r: { id: string }) => r.id);
  t.strictSame(await ids({ entityIds: D.customEntities.rosetta2 }), [result(5)], 'by entity');
  t.strictSame(await ids({ entityIds: `${D.dnaSequences.petBackbone},${D.customEntities.rosetta2}` }), [result(5), result(6)]);
  t.strictSame(await ids({ storageIds: 'con_ImacWA2' }), [result(2)], 'by inventory');
  t.strictSame(await ids({ assayRunIds: D.assayRuns.plateReader1 }), [1, 2, 3].map(result), 'by run');
  const created3 = Date.parse(r1.createdAt) / 1000 + 2 * 2 * 86_400;
  t.strictSame(await ids({ minCreatedTime: Math.floor(created3) }), [4, 5, 6].map(result), 'minCreatedTime: unix seconds, after');
  t.strictSame(await ids({ 'createdAt.lt': (await bob.get(`/assay-results/${result(3)}`)).body.createdAt }), [1, 2].map(result), 'createdAt.lt');

  const tooMany = await bob.get('/assay-results', { entityIds: Array.from({ length: 21 }, (_, i) => `bfi_x${i}`).join(',') });
  t.equal(tooMany.status, 400, 'entityIds: at most 20');
  t.equal((await bob.get('/assay-results', { automationOutputProcessorId: 'aop_1' })).status, 400, 'not implemented: said so');
  t.equal((await bob.get('/assay-results', { minCreatedTime: '2025-01-01' })).status, 400, 'unix seconds only');
});

t.test('runs: schemaId required, fields rendered like entity fields', async (t) => {
  const h = await startSandbox(t);
  const carol = h.as(DEMO_KEYS.carol);
  t.equal((await carol.get('/assay-runs')).status, 400, 'schemaId is required');
  const runs = (await carol.get('/assay-runs', { schemaId: S.plateReader })).body.assayRuns;
  t.match(runs, [
    { id: D.assayRuns.plateReader1, validationStatus: 'VALID', fields: { instrument: { value: 'SpectraMax M5' }, wavelength_nm: { value: 280 } } },
  ]);
});
