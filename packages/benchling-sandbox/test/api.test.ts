/** Each operation's behaviour: gets, list filters and creates. Every answer is also checked against the spec. */
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID } from '../src/index.js';
import { type Reply, startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;
const ids = (r: Reply, envelope: string): string[] => (r.body[envelope] as { id: string }[]).map((x) => x.id);

t.test('projects', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const all = await alice.get('/projects', { sort: 'name' });
  t.strictSame(
    all.body.projects.map((p: { name: string }) => p.name),
    ['Antibody Discovery', 'CRISPR Screens', 'Protein Expression'],
  );
  t.equal(all.body.nextToken, '', 'last page has an empty nextToken');
  t.strictSame(ids(await alice.get('/projects', { name: 'CRISPR Screens' }), 'projects'), [D.projects.crisprScreens]);
  t.strictSame(ids(await alice.get('/projects', { ids: `${D.projects.proteinExpression},${D.projects.antibodyDiscovery}`, sort: 'name:desc' }), 'projects'), [
    D.projects.proteinExpression,
    D.projects.antibodyDiscovery,
  ]);
  const one = await alice.get(`/projects/${D.projects.crisprScreens}`);
  t.strictSame(one.body, {
    archiveRecord: null,
    id: D.projects.crisprScreens,
    name: 'CRISPR Screens',
    owner: { handle: 'carol', id: 'ent_Car0lNg5', name: 'Carol Ng' },
  });
  t.equal((await alice.get('/projects', { sort: 'size' })).status, 400, 'sort outside the spec enum');
});

t.test('folders', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const runs = await alice.get(`/folders/${D.folders.expressionRuns}`);
  t.strictSame(runs.body, {
    archiveRecord: null,
    id: 'lib_abc123',
    name: 'Expression Runs',
    parentFolderId: D.folders.peNotebook,
    projectId: D.projects.proteinExpression,
  });
  t.strictSame(
    ids(await alice.get('/folders', { parentFolderId: D.folders.peNotebook }), 'folders'),
    [D.folders.expressionRuns, D.folders.purification],
    'children, by name',
  );
  const roots = await alice.get('/folders', { parentFolderId: 'NO_PARENT', projectId: D.projects.proteinExpression });
  t.strictSame(ids(roots, 'folders'), [D.folders.peConstructs, D.folders.peNotebook]);
  t.strictSame(ids(await alice.get('/folders', { nameIncludes: 'RUN' }), 'folders'), [D.folders.expressionRuns], 'nameIncludes is case-insensitive');
  t.strictSame(ids(await alice.get('/folders', { name: 'Notebook', projectId: D.projects.crisprScreens }), 'folders'), [D.folders.crNotebook]);
  t.notOk(ids(await alice.get('/folders', { pageSize: 100 }), 'folders').includes(D.folders.abArchive), 'archived folders are hidden by default');
  t.strictSame(ids(await alice.get('/folders', { archiveReason: 'ANY_ARCHIVED' }), 'folders'), [D.folders.abArchive]);
  t.strictSame(ids(await alice.get('/folders', { archiveReason: 'Retired' }), 'folders'), [D.folders.abArchive]);
  t.equal((await alice.get('/folders', { archiveReason: 'Bored' })).status, 400);
  t.equal((await alice.get('/folders', { section: 'NOTEBOOK', pageSize: 1 })).status, 200, 'deprecated section is accepted');
  t.equal((await alice.get('/folders', { section: 'LAB' })).status, 400);
  t.equal((await alice.get('/folders', { parentFolderId: 'nope' })).status, 400);
  const sorted = await alice.get('/folders', { sort: 'createdAt:asc', pageSize: 3 });
  t.strictSame(ids(sorted, 'folders').length, 3);
});

t.test('entries: get and list filters', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);

  const got = await alice.get(`/entries/${D.entries.firstRun}`);
  t.strictSame(Object.keys(got.body), ['entry'], 'GET /entries/{id} wraps the entry');
  const entry = got.body.entry;
  t.equal(entry.id, D.entries.firstRun);
  t.equal(entry.folderId, D.folders.expressionRuns);
  t.equal(entry.displayId, 'EXP001');
  t.equal(entry.schema.id, D.entrySchemas.expressionRun);
  t.equal(entry.fields.Construct.value, D.dnaSequences.petEgfp);
  t.equal(entry.fields.Construct.displayValue, 'pET-28a-EGFP', 'link fields display the linked name');
  t.equal(entry.fields['IPTG (mM)'].value, 1);
  t.ok(entry.days.length >= 2 && entry.days[0].notes.some((n: { text?: string }) => n.text?.includes('pET-28a-EGFP')), 'days with notes');
  t.equal(entry.reviewRecord.status, 'ACCEPTED');
  t.match(entry.apiURL, new RegExp(`^${h.url}/api/v2/entries/${D.entries.firstRun}$`));

  const p1 = await alice.get('/entries', { projectId: D.projects.proteinExpression, pageSize: 100 });
  t.equal(p1.body.entries.length, 14, '12 runs + 2 purification entries; the archived pilot is hidden');
  t.notOk(ids(p1, 'entries').includes(D.entries.pilotRun));
  const modified = p1.body.entries.map((e: { modifiedAt: string }) => e.modifiedAt);
  t.strictSame(modified, [...modified].sort().reverse(), 'default sort is modifiedAt:desc');

  t.strictSame(ids(await alice.get('/entries', { archiveReason: 'Retired' }), 'entries'), [D.entries.pilotRun]);
  t.equal(
    (await alice.get('/entries', { archiveReason: 'ANY_ARCHIVED_OR_NOT_ARCHIVED', projectId: D.projects.proteinExpression, pageSize: 100 })).body.entries
      .length,
    15,
  );
  t.equal((await alice.get('/entries', { schemaId: D.entrySchemas.crisprScreen })).body.entries.length, 3);
  const byName = await alice.get('/entries', { name: 'Thrombin cleavage of 6xHis-EGFP' });
  t.strictSame(ids(byName, 'entries'), [D.entries.purification2]);
  t.strictSame(ids(await alice.get('/entries', { name: 'thrombin cleavage of 6xhis-egfp' }), 'entries'), [], 'name is exact');
  t.strictSame(
    ids(await alice.get('/entries', { 'names.anyOf': 'thrombin cleavage of 6xhis-egfp,nothing' }), 'entries'),
    [D.entries.purification2],
    'names.anyOf ignores case',
  );
  t.strictSame(ids(await alice.get('/entries', { 'names.anyOf.caseSensitive': 'thrombin cleavage of 6xhis-egfp' }), 'entries'), []);
  t.strictSame(ids(await alice.get('/entries', { displayIds: 'EXP003,ABD001', sort: 'name' }), 'entries'), ['etr_ExpRn003', D.entries.antibodyCampaign1]);
  t.strictSame(ids(await alice.get('/entries', { reviewStatus: 'NEEDS_REVIEW', sort: 'createdAt:asc' }), 'entries'), [
    'etr_ExpRn007',
    'etr_ExpRn008',
    'etr_AbCmp002',
  ]);
  t.equal((await alice.get('/entries', { reviewStatus: 'DONE' })).status, 400);
  t.equal((await alice.get('/entries', { 'assignedReviewerIds.anyOf': 'ent_Al1ceCh3' })).body.entries.length, 3);
  t.equal((await alice.get('/entries', { creatorIds: 'ent_Car0lNg5' })).body.entries.length, 3);
  t.strictSame(
    ids(await alice.get('/entries', { 'authorIds.anyOf': 'ent_B0bMarq7', projectId: D.projects.proteinExpression, pageSize: 100 }), 'entries').length,
    10,
  );

  const window = await alice.get('/entries', { modifiedAt: '> 2025-03-28 AND < 2025-04-02', sort: 'modifiedAt:asc' });
  t.ok(window.body.entries.length > 0);
  for (const e of window.body.entries) t.ok(e.modifiedAt > '2025-03-28' && e.modifiedAt < '2025-04-02', `${e.id} in range`);
  t.strictSame(ids(await alice.get('/entries', { modifiedAt: '2025-03-17' }), 'entries'), [D.entries.firstRun], 'a bare date is that whole day');
  t.equal((await alice.get('/entries', { modifiedAt: 'yesterday' })).status, 400);
  t.equal((await alice.get('/entries', { modifiedAt: '>= 2025-01-01' })).status, 400, 'only > and < are documented');

  const byIds = await alice.get('/entries', { ids: `${D.entries.firstRun},${D.entries.crisprScreen1}`, sort: 'name:asc' });
  t.strictSame(ids(byIds, 'entries'), [D.entries.firstRun, D.entries.crisprScreen1]);
  const badIds = await alice.get('/entries', { ids: `${D.entries.firstRun},etr_nope0000` });
  t.equal(badIds.status, 400);
  t.strictSame(badIds.body.invalidIds, ['etr_nope0000'], 'ListingError lists the invalid ids');
});

t.test('entries: parameters Benchling does not have are refused, not ignored', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const folder = await alice.get('/entries', { folderId: D.folders.expressionRuns });
  t.equal(folder.status, 400);
  t.match(folder.body.error.message, /Unknown query parameter "folderId".*projectId/);
  const mentions = await alice.get('/entries', { mentionedIn: D.entries.firstRun });
  t.equal(mentions.status, 400);
  t.match(mentions.body.error.message, /not implemented by this sandbox/);
  t.equal((await alice.get('/entries?name=a&name=b')).status, 400, 'a repeated parameter');
  t.equal((await alice.get(`/entries/${D.entries.firstRun}`, { returning: 'id' })).status, 400);
  t.equal((await alice.get('/entries', { 'names.anyOf': Array.from({ length: 101 }, (_, i) => `n${i}`).join(',') })).status, 400, 'at most 100 names');
});

t.test('entries: update (PATCH /entries/{entry_id}, EntryUpdate)', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const before = (await alice.get(`/entries/${D.entries.firstRun}`)).body.entry;
  const patched = await alice.request('PATCH', `/entries/${D.entries.firstRun}`, {
    body: { name: 'ER-01 (renamed)', fields: { 'Quilt Package': { value: 'quilt+s3://bucket#package=lab/run@abc' } } },
  });
  t.equal(patched.status, 200);
  t.notOk('entry' in patched.body, 'PATCH answers the Entry itself');
  t.equal(patched.body.name, 'ER-01 (renamed)');
  t.equal(patched.body.fields['Quilt Package'].value, 'quilt+s3://bucket#package=lab/run@abc');
  for (const [name, field] of Object.entries(before.fields as Record<string, { value: unknown }>)) {
    if (name !== 'Quilt Package') t.strictSame(patched.body.fields[name].value, field.value, `${name} is kept`);
  }
  t.ok(Date.parse(patched.body.modifiedAt) > Date.parse(before.modifiedAt), 'modifiedAt moves forward');
  t.strictSame((await alice.get(`/entries/${D.entries.firstRun}`)).body.entry, patched.body, 'GET returns what PATCH returned');

  const bad = await alice.request('PATCH', `/entries/${D.entries.firstRun}`, { body: { fields: { 'Temperature (C)': { value: 99 } } } });
  t.equal(bad.status, 400, 'fields are checked against the schema');
  const extra = await alice.request('PATCH', `/entries/${D.entries.firstRun}`, { body: { customFields: { Batch: { value: 'x' } } } });
  t.equal(extra.status, 400, 'EntryUpdate has no customFields');
  t.equal((await alice.request('PATCH', '/entries/etr_missing1', { body: { name: 'x' } })).status, 404);
  const carol = h.as(DEMO_KEYS.carol);
  const hidden = await carol.request('PATCH', `/entries/${D.entries.antibodyCampaign1}`, { body: { name: 'x' } });
  t.equal(hidden.status, 404, 'an entry the user cannot see cannot be changed');
});

t.test('entries: create', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);
  const created = await bob.post('/entries', {
    name: 'ER-13: EGFP in Rosetta 2(DE3), 0.05 mM IPTG, 16 C (repeat)',
    folderId: D.folders.expressionRuns,
    schemaId: D.entrySchemas.expressionRun,
    fields: {
      Construct: { value: D.dnaSequences.petEgfp },
      'Host Strain': { value: D.customEntities.rosetta2 },
      'IPTG (mM)': { value: 0.05 },
      'Temperature (C)': { value: 16 },
    },
    customFields: { Batch: { value: 'B-13' } },
  });
  t.equal(created.status, 201);
  const e = created.body;
  t.notOk('entry' in e, 'POST /entries answers the Entry itself');
  t.match(e.id, /^etr_[A-Za-z0-9]{8}$/);
  t.equal(e.displayId, 'EXP015', 'display ids continue after the seed');
  t.equal(e.creator.id, 'ent_B0bMarq7');
  t.strictSame(
    e.authors.map((a: { id: string }) => a.id),
    ['ent_B0bMarq7'],
  );
  t.equal(e.fields['Host Strain'].displayValue, 'Rosetta 2(DE3)');
  t.equal(e.fields['Yield (mg/L)'].value, null, 'unset fields are present with null values');
  t.strictSame(e.customFields, { Batch: { value: 'B-13' } });
  t.equal(e.days.length, 1);
  t.strictSame(e.days[0].notes, []);
  t.equal(e.createdAt, e.modifiedAt);

  const again = await bob.get(`/entries/${e.id}`);
  t.strictSame(again.body.entry, e, 'GET returns what POST returned');
  t.equal(ids(await bob.get('/entries', { pageSize: 1 }), 'entries')[0], e.id, 'newest first');

  const plain = await bob.post('/entries', { name: 'Plain notes', folderId: D.folders.purification, authorIds: ['ent_Al1ceCh3', 'ent_B0bMarq7'] });
  t.equal(plain.status, 201);
  t.strictSame(plain.body.fields, {});
  t.equal(plain.body.schema, null);
  t.equal(plain.body.authors.length, 2);

  const bad = async (body: unknown, pattern: RegExp, what: string) => {
    const r = await bob.post('/entries', body);
    t.equal(r.status, 400, what);
    t.match(r.body?.error?.message, pattern, what);
  };
  await bad({ folderId: D.folders.expressionRuns }, /"name" is required/, 'name required');
  await bad({ name: 'x' }, /"folderId" is required/, 'folderId required');
  await bad(
    { name: 'x', folderId: D.folders.expressionRuns, projectId: D.projects.proteinExpression },
    /unknown property "projectId"/,
    'additionalProperties: false',
  );
  await bad({ name: 'x', folderId: 'lib_nothere1' }, /folder lib_nothere1 not found/, 'unknown folder');
  await bad({ name: 'x', folderId: D.folders.abNotebook }, /not found/, 'a folder bob cannot see');
  await bad({ name: 'x', folderId: D.folders.expressionRuns, schemaId: D.entitySchemas.plasmid }, /entry schema .* not found/, 'not an entry schema');
  await bad(
    { name: 'x', folderId: D.folders.expressionRuns, schemaId: D.entrySchemas.expressionRun, fields: { Colour: { value: 'green' } } },
    /no field named "Colour"/,
    'unknown field',
  );
  await bad(
    { name: 'x', folderId: D.folders.expressionRuns, schemaId: D.entrySchemas.expressionRun, fields: { 'Temperature (C)': { value: 16.5 } } },
    /whole number/,
    'integer field',
  );
  await bad(
    { name: 'x', folderId: D.folders.expressionRuns, schemaId: D.entrySchemas.expressionRun, fields: { 'Temperature (C)': { value: 99 } } },
    /<= 42/,
    'numericMax',
  );
  await bad(
    { name: 'x', folderId: D.folders.expressionRuns, schemaId: D.entrySchemas.expressionRun, fields: { Construct: { value: D.customEntities.bl21 } } },
    /DNA sequence/,
    'link of the wrong kind',
  );
  await bad(
    {
      name: 'x',
      folderId: D.folders.expressionRuns,
      schemaId: D.entrySchemas.expressionRun,
      fields: { Construct: { value: D.dnaSequences.trastuzumabHcCds } },
    },
    /not found/,
    'link to something bob cannot see',
  );
  await bad({ name: 'x', folderId: D.folders.expressionRuns, fields: { Construct: { value: D.dnaSequences.petEgfp } } }, /schemaId/, 'fields without a schema');
  await bad({ name: 'x', folderId: D.folders.crNotebook }, /not found/, 'bob is not in CRISPR Screens');
  await bad({ name: 'x', folderId: D.folders.expressionRuns, entryTemplateId: 'tmpl_nope0000' }, /template/, 'no templates');
  await bad({ name: '   ', folderId: D.folders.expressionRuns }, /name/, 'blank name');
  const carol = h.as(DEMO_KEYS.carol);
  const screen = await carol.post('/entries', { name: 'Screen without a cell line', folderId: D.folders.crNotebook, schemaId: D.entrySchemas.crisprScreen });
  t.equal(screen.status, 400, 'required schema fields');
  t.match(screen.body.error.message, /"Cell Line" is required/);
  const multi = await carol.post('/entries', {
    name: 'Pooled screen',
    folderId: D.folders.crNotebook,
    schemaId: D.entrySchemas.crisprScreen,
    fields: {
      'Cell Line': { value: D.customEntities.k562Cas9 },
      Guides: { value: [D.customEntities.sgEmx1, D.customEntities.sgVegfa] },
      'Start Date': { value: '2025-06-01' },
    },
  });
  t.equal(multi.status, 201);
  t.equal(multi.body.fields.Guides.displayValue, 'EMX1-sg1, VEGFA-site3');
  t.equal(multi.body.fields.Guides.isMulti, true);
  const notJson = await bob.request('POST', '/entries', { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(notJson.status, 400);
  const broken = await bob.request('POST', '/entries', { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
  t.equal(broken.status, 400);
  t.match(broken.body.error.message, /not valid JSON/);
  t.equal((await bob.post('/entries', ['a list'])).status, 400);
});

t.test('DNA sequences', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const got = await alice.get(`/dna-sequences/${D.dnaSequences.petEgfp}`);
  const seq = got.body;
  t.equal(seq.id, D.dnaSequences.petEgfp, 'GET answers the sequence itself');
  t.equal(seq.length, seq.bases.length);
  t.equal(seq.isCircular, true);
  t.equal(seq.entityRegistryId, 'PLS001');
  t.equal(seq.registryId, DEMO_REGISTRY_ID);
  t.strictSame(seq.schema, { id: D.entitySchemas.plasmid, name: 'Plasmid' });
  t.equal(seq.fields.Resistance.value, 'Kanamycin');
  const egfp = seq.annotations.find((a: { name: string }) => a.name === 'EGFP');
  t.equal(seq.bases.slice(egfp.start, egfp.start + 3), 'ATG', 'annotations are 0-based');
  t.match(seq.translations[0].aminoAcids, /^MGSSHHHHHHSSGLVPRGSHMVSKGEELFTG/, 'the fusion ORF translates');

  const list = await alice.get('/dna-sequences', { pageSize: 2 });
  t.equal(list.headers.get('result-count'), '6', 'Result-Count counts every match');
  t.equal(list.body.dnaSequences.length, 2);
  t.strictSame(ids(await alice.get('/dna-sequences', { name: 'pPE-001' }), 'dnaSequences'), [D.dnaSequences.petEgfp], 'name matches aliases');
  t.strictSame(ids(await alice.get('/dna-sequences', { name: 'PLS002' }), 'dnaSequences'), [D.dnaSequences.petBackbone], 'and registry ids');
  t.strictSame(ids(await alice.get('/dna-sequences', { nameIncludes: 'egfp', sort: 'name' }), 'dnaSequences'), [
    D.dnaSequences.egfpOrf,
    D.dnaSequences.petEgfp,
  ]);
  t.strictSame(ids(await alice.get('/dna-sequences', { 'names.anyOf': 'egfp orf,LENTIGUIDE-EMX1-SG1', sort: 'name' }), 'dnaSequences'), [
    D.dnaSequences.egfpOrf,
    D.dnaSequences.lentiGuideEmx1,
  ]);
  t.strictSame(ids(await alice.get('/dna-sequences', { folderId: D.folders.guideLibrary, sort: 'name' }), 'dnaSequences'), [
    D.dnaSequences.lentiGuideAavs1,
    D.dnaSequences.lentiGuideEmx1,
  ]);
  t.equal((await alice.get('/dna-sequences', { projectId: D.projects.proteinExpression })).body.dnaSequences.length, 3);
  t.strictSame(ids(await alice.get('/dna-sequences', { registryId: 'null', sort: 'name' }), 'dnaSequences'), [
    D.dnaSequences.egfpOrf,
    D.dnaSequences.trastuzumabHcCds,
  ]);
  t.equal((await alice.get('/dna-sequences', { registryId: DEMO_REGISTRY_ID })).body.dnaSequences.length, 4);
  t.strictSame(ids(await alice.get('/dna-sequences', { 'entityRegistryIds.anyOf': 'PLS003,PLS004', sort: 'name' }), 'dnaSequences'), [
    D.dnaSequences.lentiGuideAavs1,
    D.dnaSequences.lentiGuideEmx1,
  ]);
  t.strictSame(
    ids(await alice.get('/dna-sequences', { schemaId: D.entitySchemas.plasmid, 'schemaField.Backbone': 'lentiGuide-Puro', sort: 'name' }), 'dnaSequences'),
    [D.dnaSequences.lentiGuideAavs1, D.dnaSequences.lentiGuideEmx1],
  );
  t.equal((await alice.get('/dna-sequences', { 'schemaField.Backbone': 'x' })).status, 400, 'schemaField needs schemaId');
  t.equal((await alice.get('/dna-sequences', { schemaId: D.entitySchemas.plasmid, 'schemaField.Colour': 'x' })).status, 400);
  t.equal((await alice.get('/dna-sequences', { createdAt: '< 2025-03-04' })).body.dnaSequences.length, 1, 'createdAt');

  const orf = (await alice.get(`/dna-sequences/${D.dnaSequences.egfpOrf}`)).body.bases as string;
  const rc = [...orf]
    .reverse()
    .map((b) => ({ A: 'T', T: 'A', G: 'C', C: 'G' })[b])
    .join('');
  t.strictSame(ids(await alice.get('/dna-sequences', { bases: orf.toLowerCase() }), 'dnaSequences'), [D.dnaSequences.egfpOrf], 'bases: case-insensitive');
  t.strictSame(ids(await alice.get('/dna-sequences', { bases: rc }), 'dnaSequences'), [D.dnaSequences.egfpOrf], 'bases: reverse complement');
  const rotated = seq.bases.slice(100) + seq.bases.slice(0, 100);
  t.strictSame(ids(await alice.get('/dna-sequences', { bases: rotated }), 'dnaSequences'), [D.dnaSequences.petEgfp], 'bases: circular rotation');
  t.strictSame(ids(await alice.get('/dna-sequences', { bases: orf.slice(3) }), 'dnaSequences'), [], 'bases: no partial matches');
  t.equal((await alice.get('/dna-sequences', { bases: 'ATGX' })).status, 400);

  const created = await alice.post('/dna-sequences', {
    name: 'pUC-sfGFP (draft)',
    bases:
      'ATGAGCAAAGGAGAAGAACTTTTCACTGGAGTTGTCCCAATTCTTGTTGAATTAGATGGTGATGTTAATGGGCACAAATTTTCTGTCAGTGGAGAGGGTGAAGGTGATGCTACATACGGAAAGCTTACCCTTAAATTTATTTGCACTACTGGAAAACTACCTGTTCCATGGCCAACACTTGTCACTACTTTCTCTTATGGTGTTCAATGCTTTTCCCGTTATCCGGATCATATGAAACGGCATGACTTTTTCAAGAGTGCCATGCCCGAAGGTTATGTACAGGAACGCACTATATCTTTCAAAGATGACGGGAACTACAAGACGCGTGCTGAAGTCAAGTTTGAAGGTGATACCCTTGTTAATCGTATCGAGTTAAAAGGTATTGATTTTAAAGAAGATGGAAACATTCTCGGACACAAACTCGAGTACAACTATAACTCACACAATGTATACATCACGGCAGACAAACAAAAGAATGGAATCAAAGCTAACTTCAAAATTCGCCACAACATTGAAGATGGATCCGTTCAACTAGCAGACCATTATCAACAAAATACTCCAATTGGCGATGGCCCTGTCCTTTTACCAGACAACCATTACCTGTCGACACAATCTGCCCTTTCGAAAGATCCCAACGAAAAGCGTGACCACATGGTCCTTCTTGAGTTTGTAACTGCTGCTGGGATTACACATGGCATGGATGAGCTCTACAAATAA',
    isCircular: false,
    folderId: D.folders.peConstructs,
    schemaId: D.entitySchemas.plasmid,
    fields: { Resistance: { value: 'Ampicillin' }, Insert: { value: 'sfGFP' } },
    aliases: ['sfGFP ORF'],
    annotations: [{ start: 0, end: 717, name: 'sfGFP', type: 'CDS', strand: 1 }],
    translations: [{ start: 0, end: 717, name: 'sfGFP' }],
    registryId: DEMO_REGISTRY_ID,
    namingStrategy: 'NEW_IDS',
  });
  t.equal(created.status, 201);
  t.match(created.body.id, /^seq_[A-Za-z0-9]{8}$/);
  t.equal(created.body.entityRegistryId, 'PLS005', 'NEW_IDS continues the registry counter');
  t.equal(created.body.length, 717);
  t.match(created.body.translations[0].aminoAcids, /^MSKGEELFTGVVPILVELDGDVNGHKFSVRGEGEG|^MSKGEELFTGVV/);
  t.ok(created.body.registrationOrigin.registeredAt);
  t.strictSame((await alice.get(`/dna-sequences/${created.body.id}`)).body, created.body);

  const linear = await alice.post('/dna-sequences', { name: 'primer-binding site', bases: 'acgtacgtAC', isCircular: false, folderId: D.folders.peConstructs });
  t.equal(linear.status, 201);
  t.equal(linear.body.schema, null);
  t.equal(linear.body.registryId, null);
  t.equal(linear.body.bases, 'acgtacgtAC', 'bases are stored as given');

  const dup = await alice.post('/dna-sequences', {
    name: 'dup',
    bases: 'ACGT',
    isCircular: false,
    folderId: D.folders.peConstructs,
    schemaId: D.entitySchemas.plasmid,
    fields: { Resistance: { value: 'Kan' } },
    registryId: DEMO_REGISTRY_ID,
    entityRegistryId: 'PLS001',
  });
  t.equal(dup.status, 400, 'registry ids are unique');
  t.equal((await alice.post('/dna-sequences', { name: 'x', bases: 'ACGT', folderId: D.folders.peConstructs })).status, 400, 'isCircular required');
  t.equal(
    (await alice.post('/dna-sequences', { name: 'x', bases: 'ACGZ', isCircular: false, folderId: D.folders.peConstructs })).status,
    400,
    'bases must be nucleotides',
  );
  t.equal((await alice.post('/dna-sequences', { name: 'x', bases: 'ACGT', isCircular: false })).status, 400, 'folderId needed unless registering');
  t.equal(
    (await alice.post('/dna-sequences', { name: 'x', bases: 'ACGT', isCircular: false, folderId: D.folders.peConstructs, annotations: [{ start: 0, end: 9 }] }))
      .status,
    400,
    'annotation out of range',
  );
  t.equal(
    (await alice.post('/dna-sequences', { name: 'x', bases: 'ACGT', isCircular: false, folderId: D.folders.peConstructs, primers: [{ oligoId: 'x' }] })).status,
    400,
    'primers unsupported',
  );
  t.equal(
    (await alice.post('/dna-sequences', { name: 'x', bases: 'ACGT', isCircular: false, folderId: D.folders.peConstructs, schemaId: D.entitySchemas.plasmid }))
      .status,
    400,
    'required schema field',
  );
});

t.test('AA sequences', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const egfp = await alice.get(`/aa-sequences/${D.aaSequences.egfp}`);
  t.equal(egfp.body.aminoAcids.length, 239, 'EGFP is 239 residues');
  t.equal(egfp.body.length, 239);
  t.equal(egfp.body.fields['Expression Host'].displayValue, 'BL21(DE3)');
  t.strictSame(
    egfp.body.annotations.map((a: { name: string }) => a.name),
    ['chromophore (TYG)'],
  );
  const vh = await alice.get(`/aa-sequences/${D.aaSequences.trastuzumabVh}`);
  t.strictSame(
    vh.body.annotations.map((a: { name: string }) => a.name),
    ['CDR-H1', 'CDR-H2', 'CDR-H3'],
  );

  const list = await alice.get('/aa-sequences', { sort: 'name' });
  t.equal(list.headers.get('result-count'), '4');
  t.strictSame(ids(await alice.get('/aa-sequences', { aminoAcids: egfp.body.aminoAcids.toLowerCase() }), 'aaSequences'), [D.aaSequences.egfp]);
  t.strictSame(ids(await alice.get('/aa-sequences', { nameIncludes: 'trastuzumab', sort: 'name:desc' }), 'aaSequences'), [
    D.aaSequences.trastuzumabVl,
    D.aaSequences.trastuzumabVh,
  ]);
  t.strictSame(ids(await alice.get('/aa-sequences', { name: 'enhanced GFP' }), 'aaSequences'), [D.aaSequences.egfp]);
  t.strictSame(
    ids(await alice.get('/aa-sequences', { schemaId: D.entitySchemas.protein, 'schemaField.Molecular Weight (kDa)': '>= 20 AND <= 28' }), 'aaSequences'),
    [D.aaSequences.egfp],
    'numeric schemaField range',
  );
  t.equal((await alice.get('/aa-sequences', { aminoAcids: 'MK1' })).status, 400);
  t.equal((await alice.post('/aa-sequences', { name: 'x' })).status, 405, 'the sandbox does not create AA sequences');
});

t.test('custom entities', async (t) => {
  const h = await startSandbox(t);
  const carol = h.as(DEMO_KEYS.carol);
  const hek = await carol.get(`/custom-entities/${D.customEntities.hek293t}`);
  t.strictSame(hek.body.aliases, ['293T']);
  t.equal(hek.body.fields['Passage Number'].value, 12);
  t.equal(hek.body.fields['Cas9 Expressing'].value, false);
  const cellLines = await carol.get('/custom-entities', { schemaId: D.entitySchemas.cellLine, sort: 'name' });
  t.strictSame(ids(cellLines, 'customEntities'), [D.customEntities.hek293t, D.customEntities.k562Cas9], 'archived A549 hidden; hybridoma invisible to carol');
  t.strictSame(ids(await carol.get('/custom-entities', { archiveReason: 'Contaminated' }), 'customEntities'), [D.customEntities.a549Cas9]);
  t.strictSame(ids(await carol.get('/custom-entities', { schemaId: D.entitySchemas.cellLine, 'schemaField.Cas9 Expressing': 'true' }), 'customEntities'), [
    D.customEntities.k562Cas9,
  ]);
  t.strictSame(ids(await carol.get('/custom-entities', { schemaId: D.entitySchemas.sgRna, 'schemaField.Target Gene': 'EMX1' }), 'customEntities'), [
    D.customEntities.sgEmx1,
  ]);
  t.equal((await carol.get('/custom-entities', { schemaId: D.entitySchemas.cellLine, 'schemaField.Passage Number': '>= ten' })).status, 400);

  const created = await carol.post('/custom-entities', {
    name: 'HEK293T-Cas9',
    schemaId: D.entitySchemas.cellLine,
    folderId: D.folders.cellLines,
    fields: {
      Organism: { value: 'Homo sapiens' },
      'Parental Line': { value: D.customEntities.hek293t },
      'Passage Number': { value: 14 },
      'Cas9 Expressing': { value: true },
    },
    registryId: DEMO_REGISTRY_ID,
    entityRegistryId: 'CL-HEK-CAS9',
  });
  t.equal(created.status, 201);
  t.equal(created.body.fields['Parental Line'].displayValue, 'HEK293T');
  t.equal(created.body.entityRegistryId, 'CL-HEK-CAS9');
  t.equal(created.body.schema.name, 'Cell Line');
  t.equal((await carol.get('/custom-entities', { name: 'CL-HEK-CAS9' })).body.customEntities[0].id, created.body.id);

  t.equal((await carol.post('/custom-entities', { name: 'no schema', folderId: D.folders.cellLines })).status, 400, 'schemaId is required');
  t.equal(
    (await carol.post('/custom-entities', { name: 'x', schemaId: D.entitySchemas.plasmid, folderId: D.folders.cellLines })).status,
    400,
    'not a custom entity schema',
  );
  const wrongLink = await carol.post('/custom-entities', {
    name: 'x',
    schemaId: D.entitySchemas.cellLine,
    folderId: D.folders.cellLines,
    fields: { Organism: { value: 'Homo sapiens' }, 'Parental Line': { value: D.customEntities.sgEmx1 } },
  });
  t.equal(wrongLink.status, 400, 'entity_link restricted to its schema');
  const hidden = await carol.post('/custom-entities', {
    name: 'x',
    schemaId: D.entitySchemas.cellLine,
    folderId: D.folders.cellLines,
    fields: { Organism: { value: 'Mus musculus' }, 'Parental Line': { value: D.customEntities.hybridoma } },
  });
  t.equal(hidden.status, 400, 'cannot link what you cannot see');

  // Registered without a folder: in the registry, so every user of the tenant sees it.
  const registryOnly = await carol.post('/custom-entities', {
    name: 'Shared strain',
    schemaId: D.entitySchemas.bacterialStrain,
    registryId: DEMO_REGISTRY_ID,
    namingStrategy: 'NEW_IDS',
  });
  t.equal(registryOnly.status, 201);
  t.equal(registryOnly.body.folderId, null);
  t.equal(registryOnly.body.entityRegistryId, 'STR003');
  t.equal((await h.as(DEMO_KEYS.bob).get(`/custom-entities/${registryOnly.body.id}`)).status, 200);
  t.equal(
    (await carol.post('/custom-entities', { name: 'y', schemaId: D.entitySchemas.bacterialStrain, registryId: DEMO_REGISTRY_ID })).status,
    400,
    'needs a naming strategy or id',
  );
  t.equal(
    (await carol.post('/custom-entities', { name: 'y', schemaId: D.entitySchemas.bacterialStrain, registryId: 'src_nope0000', namingStrategy: 'NEW_IDS' }))
      .status,
    400,
  );
});

t.test('schemas', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);
  const entity = await bob.get('/entity-schemas');
  t.strictSame(
    entity.body.entitySchemas.map((s: { name: string }) => s.name),
    ['Bacterial Strain', 'Cell Line', 'Plasmid', 'Protein', 'sgRNA'],
    'tenant-wide, by name',
  );
  t.equal(entity.headers.get('result-count'), '5');
  const entry = await bob.get('/entry-schemas');
  t.strictSame(
    entry.body.entrySchemas.map((s: { id: string }) => s.id),
    [D.entrySchemas.crisprScreen, D.entrySchemas.expressionRun],
  );
  const plasmid = await bob.get(`/entity-schemas/${D.entitySchemas.plasmid}`);
  t.equal(plasmid.body.type, 'dna_sequence');
  t.equal(plasmid.body.prefix, 'PLS');
  t.ok(plasmid.body.fieldDefinitions.every((f: { id: string }) => /^tsf_/.test(f.id)));
  const run = await bob.get(`/entry-schemas/${D.entrySchemas.expressionRun}`);
  t.equal(run.body.type, 'entry');
  t.strictSame(
    run.body.fieldDefinitions.find((f: { name: string }) => f.name === 'Temperature (C)'),
    {
      archiveRecord: null,
      id: 'tsf_ErTemp05',
      isMulti: false,
      isRequired: false,
      name: 'Temperature (C)',
      type: 'integer',
      numericMax: 42,
      numericMin: 4,
      unit: null,
    },
  );
  t.equal((await bob.get(`/entity-schemas/${D.entrySchemas.expressionRun}`)).status, 404, 'entry schemas are not entity schemas');
  t.equal((await bob.get(`/entry-schemas/${D.entitySchemas.plasmid}`)).status, 404);
  t.equal((await bob.get('/entity-schemas', { modifiedAt: '> 2030-01-01' })).body.entitySchemas.length, 0);
  t.equal((await bob.get('/entity-schemas', { sort: 'name' })).status, 400, 'the spec gives schema lists no sort');
});

t.test('unknown paths and methods', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  t.equal((await alice.get('/mixtures')).status, 404);
  const put = await alice.request('PUT', '/entries');
  t.equal(put.status, 405);
  t.equal(put.headers.get('allow'), 'GET, POST');
  const health = await alice.request('GET', '//health');
  t.equal(health.status, 200);
  t.equal(health.body.status, 'ok');
  t.equal((await alice.request('GET', '//elsewhere')).status, 404);
});
