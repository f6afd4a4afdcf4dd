/**
 * Registration over HTTP, validated against the spec by the harness: the registry, registering entities as an
 * asynchronous task (RUNNING, then SUCCEEDED or FAILED with every problem and nothing changed), naming
 * strategies, and looking entities up by registry id.
 */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID } from '../src/index.js';
import { TASK_RUNNING_MS } from '../src/resources/registries.js';
import { spec, startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;

t.test('registries, registration tasks and lookups by registry id', async (t) => {
  let now = Date.parse('2026-11-01T10:00:00Z');
  const h = await startSandbox(t, { clock: () => now });
  const carol = h.as(DEMO_KEYS.carol);
  const alice = h.as(DEMO_KEYS.alice);

  const list = (await carol.get('/registries')).body;
  t.match(list, { registries: [{ id: DEMO_REGISTRY_ID, name: 'Lab Registry' }] });
  t.equal((await carol.get(`/registries/${DEMO_REGISTRY_ID}`)).status, 200);
  t.equal((await carol.get('/registries/src_nothere1')).status, 404);

  const body = { entityIds: [D.customEntities.sgVegfa], namingStrategy: 'NEW_IDS' };
  t.strictSame(spec().checkRequestBody('registerEntities', body), []);
  const started = await carol.post(`/registries/${DEMO_REGISTRY_ID}:bulk-register-entities`, body);
  t.equal(started.status, 202);
  const task = `/tasks/${started.body.taskId}`;
  t.strictSame((await carol.get(task)).body, { status: 'RUNNING' }, 'a task runs for a moment');
  t.equal((await alice.get(task)).status, 404, "another user's task is not visible");
  now += TASK_RUNNING_MS;
  t.strictSame((await carol.get(task)).body, { status: 'SUCCEEDED', response: {} });
  const sg = (await carol.get(`/custom-entities/${D.customEntities.sgVegfa}`)).body;
  t.match(sg, { registryId: DEMO_REGISTRY_ID, entityRegistryId: 'SG003', name: 'VEGFA-site3' });
  const found = (await carol.get(`/registries/${DEMO_REGISTRY_ID}/registered-entities:bulk-get`, { entityRegistryIds: 'SG003,PLS003' })).body;
  t.match(found.entities, [
    { id: D.customEntities.sgVegfa, entityType: 'custom_entity' },
    { id: D.dnaSequences.lentiGuideEmx1, entityType: 'dna_sequence' },
  ]);
  t.equal(
    (await carol.get(`/registries/${DEMO_REGISTRY_ID}/registered-entities:bulk-get`, { entityRegistryIds: 'CL003' })).status,
    404,
    'alice-only hybridoma',
  );

  // Any invalid entity fails the whole task, and nothing moves.
  const bad = await carol.post(`/registries/${DEMO_REGISTRY_ID}:bulk-register-entities`, {
    entityIds: [D.customEntities.sgVegfa, D.dnaSequences.egfpOrf, D.customEntities.a549Cas9],
    namingStrategy: 'NEW_IDS',
  });
  now += TASK_RUNNING_MS;
  const failed = (await carol.get(`/tasks/${bad.body.taskId}`)).body;
  t.equal(failed.status, 'FAILED');
  t.equal(failed.errors.length, 2);
  t.match(failed.errors, [
    { entityId: D.customEntities.sgVegfa, message: /already registered as SG003/ },
    { entityId: D.dnaSequences.egfpOrf, message: /no schema of this registry/ },
  ]);
  t.equal((await carol.get(`/custom-entities/${D.customEntities.a549Cas9}`)).body.registryId, null, 'the valid one was not registered either');

  // DELETE_NAMES: the registry id becomes the name.
  const renamed = await alice.post(`/registries/${DEMO_REGISTRY_ID}:bulk-register-entities`, {
    entityIds: [D.aaSequences.trastuzumabVh],
    namingStrategy: 'DELETE_NAMES',
  });
  now += TASK_RUNNING_MS;
  t.equal((await alice.get(`/tasks/${renamed.body.taskId}`)).body.status, 'SUCCEEDED');
  t.match((await alice.get(`/aa-sequences/${D.aaSequences.trastuzumabVh}`)).body, { name: 'PRT003', entityRegistryId: 'PRT003' });

  const template = await alice.post(`/registries/${DEMO_REGISTRY_ID}:bulk-register-entities`, {
    entityIds: [D.aaSequences.trastuzumabVl],
    namingStrategy: 'SET_FROM_NAME_PARTS',
  });
  t.equal(template.status, 400, 'name-template strategies: not modelled, said so');
  t.match(template.body.error.message, /name templates/);
  t.equal((await alice.post(`/registries/${DEMO_REGISTRY_ID}:bulk-register-entities`, { entityIds: [], namingStrategy: 'NEW_IDS' })).status, 400);
  t.equal((await alice.post('/registries/src_nothere1:bulk-register-entities', body)).status, 404);
});
