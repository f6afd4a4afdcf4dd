/**
 * Inventory (locations, boxes, plates, containers) over HTTP, every answer validated against the spec by the
 * harness: the seeded freezer, grid positions, plate wells, contents with concentrations, what each user may
 * see (and what shows as an InaccessibleResource), and the list filters.
 */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS } from '../src/index.js';
import { startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;

t.test('every inventory operation answers as the spec says, for every demo user', async (t) => {
  const h = await startSandbox(t, { rateLimit: { limit: 10_000 } });
  for (const key of Object.values(DEMO_KEYS)) {
    const c = h.as(key);
    for (const path of ['/locations', '/boxes', '/plates', '/containers']) {
      t.equal((await c.get(path, { pageSize: 100 })).status, 200, `${key} ${path}`);
      t.equal((await c.get(path, { sort: 'barcode:asc' })).status, 200, `${key} ${path} by barcode`);
    }
    t.equal((await c.get(`/boxes/${D.boxes.plasmidStocks}/contents`)).status, 200);
    t.equal((await c.get(`/plates/${D.plates.imacFractions}`)).status, 200);
    t.equal((await c.get(`/containers/${D.containers.abCdsMiniprep}/contents`)).status, 200);
  }
  const alice = h.as(DEMO_KEYS.alice);
  for (const [path, id] of [
    ['/locations', D.locations.freezer],
    ['/boxes', D.boxes.hybridomaVials],
    ['/plates', D.plates.imacFractions],
    ['/containers', D.containers.sgEmx1Rna],
  ] as const) {
    t.equal((await alice.get(`${path}/${id}`)).status, 200);
    t.equal((await alice.get(`${path}/xyz_missing`)).status, 404);
  }
  t.equal((await alice.get(`/containers/${D.containers.sgEmx1Rna}/contents/${D.rnaSequences.sgEmx1Synthetic}`)).status, 200);
  t.equal((await alice.get(`/containers/${D.containers.sgEmx1Rna}/contents/bfi_notthere`)).status, 404);
});

t.test('the freezer: locations, boxes with grid positions, capacities', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);
  const freezer = (await bob.get(`/locations/${D.locations.freezer}`)).body;
  t.match(freezer, { name: '-80 °C Freezer A', parentStorageId: null, totalCapacity: null, availableCapacity: null, occupiedCapacity: null });
  const shelf = (await bob.get(`/locations/${D.locations.shelf1}`)).body;
  t.match(shelf, { parentStorageId: D.locations.freezer, totalCapacity: 6, occupiedCapacity: 2, availableCapacity: 4 });
  const inFreezer = (await bob.get('/locations', { ancestorStorageId: D.locations.freezer })).body.locations.map((l: { id: string }) => l.id).sort();
  t.strictSame(inFreezer, [D.locations.shelf1, D.locations.shelf2].sort());

  const box = (await bob.get(`/boxes/${D.boxes.glycerolStocks}`)).body;
  t.match(box, {
    size: 81,
    filledPositions: 3,
    emptyPositions: 78,
    emptyContainers: 1,
    projectId: D.projects.proteinExpression,
    parentStorageId: D.locations.shelf1,
  });
  const contents = (await bob.get(`/boxes/${D.boxes.plasmidStocks}/contents`, { pageSize: 2 })).body;
  t.strictSame(
    contents.containers.map((c: { gridPosition: string; gridNumber: number }) => [c.gridPosition, c.gridNumber]),
    [
      ['A1', 1],
      ['A2', 2],
    ],
    'grid order, A1 = 1',
  );
  const rest = (await bob.get(`/boxes/${D.boxes.plasmidStocks}/contents`, { pageSize: 2, nextToken: contents.nextToken })).body;
  t.strictSame(
    rest.containers.map((c: { gridPosition: string; gridNumber: number }) => [c.gridPosition, c.gridNumber]),
    [
      ['A3', 3],
      ['B1', 10],
    ],
  );
  t.equal(rest.nextToken, '');
  t.match(contents.containers[0], {
    id: D.containers.petEgfpMiniprep,
    parentStorageId: D.boxes.plasmidStocks,
    quantity: { value: 50, units: 'uL' },
    contents: [{ concentration: { value: 250, units: 'ng/uL' }, entity: { id: D.dnaSequences.petEgfp, entityType: 'dna_sequence', name: 'pET-28a-EGFP' } }],
  });
  const hidden = rest.containers.find((c: { id: string }) => c.id === D.containers.abCdsMiniprep);
  t.strictSame(
    hidden.contents[0].entity,
    { inaccessibleId: D.dnaSequences.trastuzumabHcCds, resourceType: 'inaccessible_resource', type: 'dna_sequence' },
    'an entity bob cannot see is an InaccessibleResource',
  );
  const forAlice = (await h.as(DEMO_KEYS.alice).get(`/containers/${D.containers.abCdsMiniprep}/contents`)).body;
  t.match(forAlice.contents[0].entity, { id: D.dnaSequences.trastuzumabHcCds, entityType: 'dna_sequence' });

  t.equal((await bob.get(`/boxes/${D.boxes.hybridomaVials}`)).status, 404, "bob cannot see Antibody Discovery's box");
  t.equal((await bob.get(`/containers/${D.containers.hybridomaVial}`)).status, 404);
  t.notOk(
    (await bob.get('/boxes')).body.boxes.some((b: { id: string }) => b.id === D.boxes.hybridomaVials),
    'nor list it',
  );
});

t.test('plates: wells keyed by position, containers in wells', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);
  const plate = (await bob.get(`/plates/${D.plates.imacFractions}`)).body;
  t.match(plate, { type: 'well_plate', availableCapacity: null, totalCapacity: null, occupiedCapacity: null });
  t.equal(Object.keys(plate.wells).length, 24);
  t.strictSame(Object.keys(plate.wells).slice(0, 7), ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'B1']);
  t.match(plate.wells.A2, {
    resourceType: 'container',
    parentStorageId: `${D.plates.imacFractions}:a2`,
    contents: [{ concentration: { value: 1.87, units: 'mg/mL' }, entity: { id: D.aaSequences.his6Egfp, entityType: 'aa_sequence' } }],
  });
  t.strictSame(plate.wells.D6.contents, []);
  const fractions = (await bob.get('/containers', { ancestorStorageId: D.plates.imacFractions, storageContentsId: D.aaSequences.his6Egfp })).body.containers;
  t.equal(fractions.length, 3, 'ancestorStorageId + storageContentsId');
});

t.test('list filters: contents, ancestors, barcodes, names', async (t) => {
  const h = await startSandbox(t);
  const carol = h.as(DEMO_KEYS.carol);
  const ids = (r: { body: Record<string, { id: string }[]> }, key: string) => r.body[key]!.map((x) => x.id).sort();
  t.strictSame(ids(await carol.get('/boxes', { storageContentsId: D.dnaSequences.lentiGuideEmx1 }), 'boxes'), [D.boxes.guideBox]);
  t.strictSame(ids(await carol.get('/boxes', { storageContentsId: D.entitySchemas.sgRna }), 'boxes'), [D.boxes.guideBox], 'an entity schema id');
  t.strictSame(
    ids(await carol.get('/containers', { storageContentsIds: `${D.customEntities.bl21},${D.customEntities.rosetta2}` }), 'containers'),
    [D.containers.bl21Glycerol, D.containers.rosettaGlycerol].sort(),
  );
  t.strictSame(
    ids(await carol.get('/containers', { ancestorStorageId: D.locations.shelf2 }), 'containers'),
    [D.containers.lentiAavs1, D.containers.lentiEmx1, D.containers.sgEmx1Rna].sort(),
  );
  t.strictSame(
    ids(await carol.get('/containers', { barcodes: 'TB-0001,TB-0008' }), 'containers'),
    [D.containers.lentiEmx1, D.containers.petEgfpMiniprep].sort(),
  );
  t.equal((await carol.get('/containers', { barcodes: 'TB-9999' })).status, 400);
  t.strictSame(ids(await carol.get('/plates', { nameIncludes: 'imac' }), 'plates'), [D.plates.imacFractions]);
  t.equal((await carol.get('/boxes', { emptyPositions: 3 })).status, 400, 'not implemented: said so');
  t.equal((await carol.get('/containers', { checkoutStatus: 'CHECKED_OUT' })).body.containers.length, 0);
});
