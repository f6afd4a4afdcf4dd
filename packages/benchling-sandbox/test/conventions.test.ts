/**
 * Conventions the spec states in property descriptions rather than schemas, and create bodies that are valid
 * against the spec's create schemas: each one as the sandbox must honour it, so code written against the
 * sandbox computes the same results against Benchling. Every request body sent for a create is first checked
 * against the spec's request schema (the harness checks every answer against the response schemas).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID, DEMO_USERS } from '../src/index.js';
import { type Asserts, type Client, spec, startSandbox } from './helpers/harness.js';

const D = DEMO_IDS;

/** POST a create body the spec's request schema accepts (asserted first). */
async function create(t: Asserts, client: Client, operationId: string, apiPath: string, body: Record<string, unknown>) {
  t.strictSame(spec().checkRequestBody(operationId, body), [], `${operationId}: the body is valid against the spec's request schema`);
  return client.post(apiPath, body);
}

t.test('feature coordinates: 0-based start, exclusive end, the end of the sequence written as 0', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);

  // Seeded: an ORF annotated and translated over the whole sequence.
  const orf = (await alice.get(`/dna-sequences/${D.dnaSequences.egfpOrf}`)).body;
  t.match(orf.annotations, [{ name: 'EGFP', start: 0, end: 0 }], 'an annotation up to the last base ends at 0');
  t.match(orf.translations, [{ start: 0, end: 0, regions: [{ start: 0, end: 0 }] }], 'so do translations and their regions');
  for (const seq of [orf, (await alice.get(`/dna-sequences/${D.dnaSequences.petEgfp}`)).body]) {
    for (const a of seq.annotations) t.ok(a.end >= 0 && a.end < seq.length, `${seq.name} ${a.name}: end ${a.end} is below the length (${seq.length})`);
  }
  const pet = (await alice.get(`/dna-sequences/${D.dnaSequences.petEgfp}`)).body;
  const junction = pet.annotations.find((a: { name: string }) => a.name === 'origin junction');
  t.ok(junction.start > junction.end, 'a feature across the origin of a circular plasmid has start > end');
  const mrna = (await alice.get(`/rna-sequences/${D.rnaSequences.egfpMrna}`)).body;
  t.match(mrna.annotations.at(-1), { name: 'poly(A) tail', end: 0 }, 'RNA annotations too');

  // Created: end 0 and end = length both mean "to the end"; answers write 0.
  const bases = 'ATGGTGAGCAAGGGCGAGGAGTAA'; // 24 bases, M V S K G E E *
  const made = await create(t, alice, 'createDNASequence', '/dna-sequences', {
    name: 'coordinates',
    bases,
    isCircular: false,
    folderId: D.folders.peConstructs,
    annotations: [
      { name: 'to end (0)', start: 3, end: 0, strand: 1, type: 'CDS' },
      { name: 'to end (length)', start: 3, end: 24 },
      { name: 'inside', start: 0, end: 3 },
    ],
    translations: [{ start: 0, end: 0, strand: 1 }],
  });
  t.equal(made.status, 201);
  t.match(made.body.annotations, [
    { start: 3, end: 0 },
    { start: 3, end: 0 },
    { start: 0, end: 3 },
  ]);
  t.equal(made.body.translations[0].aminoAcids, 'MVSKGEE', 'a translation to the end covers the whole ORF');
  const again = (await alice.get(`/dna-sequences/${made.body.id}`)).body;
  t.strictSame(again.annotations, made.body.annotations, 'GET answers what the create answered');

  // Across the origin: circular only; the translation reads through the origin.
  const wrapBases = `GAGGAGTAA${'CCC'}ATGGTGAGCAAGGGC`; // 27 bases; the ORF starts at 12 and ends at 9, across the origin
  const wrapBody = {
    name: 'across the origin',
    bases: wrapBases,
    isCircular: true,
    folderId: D.folders.peConstructs,
    annotations: [{ name: 'wrapped ORF', start: 12, end: 9, type: 'CDS' }],
    translations: [{ name: 'wrapped', start: 12, end: 9 }],
  };
  const wrapped = await create(t, alice, 'createDNASequence', '/dna-sequences', wrapBody);
  t.equal(wrapped.status, 201);
  t.match(wrapped.body.annotations, [{ start: 12, end: 9 }]);
  t.equal(wrapped.body.translations[0].aminoAcids, 'MVSKGEE');
  const linear = await create(t, alice, 'createDNASequence', '/dna-sequences', { ...wrapBody, isCircular: false });
  t.equal(linear.status, 400, 'a linear sequence has no origin to cross');
  t.match(linear.body.error.message, /circular/);
  const empty = await create(t, alice, 'createDNASequence', '/dna-sequences', { ...wrapBody, annotations: [{ start: 5, end: 5 }], translations: [] });
  t.equal(empty.status, 400, 'start = end is an empty feature');
  const outside = await create(t, alice, 'createDNASequence', '/dna-sequences', { ...wrapBody, annotations: [{ start: 0, end: 28 }], translations: [] });
  t.equal(outside.status, 400, 'an end beyond the sequence');
});

t.test('DNA sequence create: every writable property of DnaSequenceCreate', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const bases = 'GTGGTGAGCAAGGGCGAGGAGTAACCCATGAAATAA';
  const body = {
    name: 'every property',
    bases,
    isCircular: false,
    folderId: D.folders.peConstructs,
    schemaId: D.entitySchemas.plasmid,
    fields: { Resistance: { value: 'Kanamycin' } },
    customFields: { 'Legacy ID': { value: 'P-0042' } },
    aliases: ['every-prop'],
    authorIds: [DEMO_USERS.alice.id, DEMO_USERS.bob.id],
    annotations: [
      {
        name: 'alt start ORF',
        start: 0,
        end: 24,
        strand: 1,
        type: 'CDS',
        color: '#FF0000',
        notes: 'GTG start',
        customFields: [{ name: 'gene', value: 'egfp' }],
      },
    ],
    translations: [
      {
        name: 'coerced',
        start: 0,
        end: 24,
        strand: 1,
        color: '#00FF00',
        notes: 'n',
        coerceStartCodonToMethionine: true,
        geneticCode: 'STANDARD',
        customFields: [{ name: 'product', value: 'EGFP' }],
      },
      {
        name: 'spliced',
        regions: [
          { start: 0, end: 12 },
          { start: 27, end: 0 },
        ],
      },
    ],
    parts: [{ sequenceId: D.dnaSequences.egfpOrf, start: 0, end: 24, strand: 1 }],
  };
  const made = await create(t, alice, 'createDNASequence', '/dna-sequences', body);
  t.equal(made.status, 201, made.text.slice(0, 300));
  const seq = made.body;
  t.match(seq, {
    name: 'every property',
    aliases: ['every-prop'],
    customFields: { 'Legacy ID': { value: 'P-0042' } },
    fields: { Resistance: { value: 'Kanamycin' } },
  });
  t.equal(seq.authors.length, 2);
  t.match(seq.annotations[0], { color: '#FF0000', notes: 'GTG start', customFields: [{ name: 'gene', value: 'egfp' }] });
  t.match(seq.translations[0], { aminoAcids: 'MVSKGEE', coerceStartCodonToMethionine: true, customFields: [{ name: 'product', value: 'EGFP' }] });
  t.match(seq.translations[1], {
    aminoAcids: 'VVSKMK',
    regions: [
      { start: 0, end: 12 },
      { start: 27, end: 0 },
    ],
    start: 0,
    end: 0,
  });
  t.match(seq.parts, [{ sequenceId: D.dnaSequences.egfpOrf, start: 0, end: 24, strand: 1 }]);

  // Valid against the schema, refused for the reasons Benchling gives.
  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['both start/end and regions', { translations: [{ start: 0, end: 12, regions: [{ start: 0, end: 12 }] }] }, /not both/],
    ['an unknown part sequence', { parts: [{ sequenceId: 'seq_nope0000', start: 0, end: 3 }] }, /seq_nope0000 not found/],
    ['a primer on an unknown oligo', { primers: [{ oligoId: 'seq_oligo001', start: 0, end: 10, strand: 1 }] }, /oligo seq_oligo001 not found/],
    ['an unknown author', { authorIds: ['ent_nobody00'] }, /ent_nobody00 not found/],
  ];
  for (const [what, extra, reason] of refusals) {
    const r = await create(t, alice, 'createDNASequence', '/dna-sequences', {
      name: what,
      bases,
      isCircular: false,
      folderId: D.folders.peConstructs,
      ...extra,
    });
    t.equal(r.status, 400, what);
    t.match(r.body.error.message, reason, what);
  }
});

t.test('RNA sequences: list, get, create; linear only; HELM', async (t) => {
  const h = await startSandbox(t);
  const carol = h.as(DEMO_KEYS.carol);
  const bob = h.as(DEMO_KEYS.bob);
  t.equal((await carol.get('/rna-sequences')).body.rnaSequences.length, 2);
  t.strictSame(
    (await bob.get('/rna-sequences')).body.rnaSequences.map((s: { id: string }) => s.id),
    [D.rnaSequences.egfpMrna],
    'bob sees only Protein Expression',
  );
  t.equal((await bob.get(`/rna-sequences/${D.rnaSequences.sgEmx1Synthetic}`)).status, 404);
  const sg = (await carol.get(`/rna-sequences/${D.rnaSequences.sgEmx1Synthetic}`)).body;
  t.match(sg.helm, /^RNA1\{r\(G\)p\.r\(A\)p/);
  t.equal((await carol.get('/rna-sequences', { bases: sg.bases })).body.rnaSequences[0].id, sg.id, 'bases filter');

  const made = await create(t, carol, 'createRNASequence', '/rna-sequences', {
    name: 'from HELM',
    helm: 'RNA1{r(A)p.r(U)p.r(G)p.r(G)p.r(C)p.r(U)p}$$$$V2.0',
    isCircular: false,
    folderId: D.folders.guideLibrary,
    annotations: [{ name: 'whole', start: 0, end: 0, strand: 1, type: 'misc_RNA' }],
  });
  t.equal(made.status, 201, made.text.slice(0, 200));
  t.match(made.body, { bases: 'AUGGCU', length: 6, isCircular: false, annotations: [{ start: 0, end: 0 }] });
  t.equal((await carol.get(`/rna-sequences/${made.body.id}`)).body.helm, 'RNA1{r(A)p.r(U)p.r(G)p.r(G)p.r(C)p.r(U)p}$$$$V2.0');
  const circular = await create(t, carol, 'createRNASequence', '/rna-sequences', {
    name: 'ring',
    bases: 'AUGC',
    isCircular: true,
    folderId: D.folders.guideLibrary,
  });
  t.equal(circular.status, 400);
  t.match(circular.body.error.message, /can only be linear/);
  const notation = await create(t, carol, 'createRNASequence', '/rna-sequences', {
    name: 'notation',
    customNotation: 'mA*mU',
    customNotationId: 'sntx_nope',
    folderId: D.folders.guideLibrary,
  });
  t.equal(notation.status, 400);
  t.match(notation.body.error.message, /custom notation sntx_nope not found/);
});

t.test('links inside notes: hyperlinks keep their URL and have no id; object links have a webURL only for readers with access', async (t) => {
  const h = await startSandbox(t);
  const linksOf = async (key: string, entryId: string) => {
    const entry = (await h.as(key).get(`/entries/${entryId}`)).body.entry;
    return entry.days.flatMap((d: { notes: { links?: unknown[] }[] }) => d.notes.flatMap((n) => n.links ?? []));
  };
  const forBob = await linksOf(DEMO_KEYS.bob, D.entries.purification1);
  const forAlice = await linksOf(DEMO_KEYS.alice, D.entries.purification1);
  const hyperlink = forBob.find((l: { type: string }) => l.type === 'link');
  t.notOk('id' in hyperlink, 'a hyperlink has no id');
  t.match(hyperlink.webURL, /^https:\/\/www\.cytivalifesciences\.com\//);
  t.match(
    forBob.find((l: { type: string }) => l.type === 'entry'),
    { id: D.entries.antibodyCampaign1, webURL: null },
    'bob cannot read that entry: webURL null',
  );
  t.match(
    forAlice.find((l: { type: string }) => l.type === 'entry'),
    { id: D.entries.antibodyCampaign1, webURL: /\/f\/lib_AbNbk001\/etr_AbCmp001\/edit$/ },
  );
  const construct = (await linksOf(DEMO_KEYS.bob, D.entries.firstRun)).find((l: { type: string }) => l.type === 'dna_sequence');
  t.match(construct, { type: 'dna_sequence', webURL: /^http:\/\/127\.0\.0\.1:\d+\/\w+\/f\/lib_PeCon003\/seq_/ }, 'a readable sequence has its canonical URL');
});

t.test('paging edge cases: pageSize=0 and an empty nextToken', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  const zero = await alice.get('/entries', { pageSize: 0, projectId: D.projects.proteinExpression });
  t.strictSame(zero.body.entries, [], 'pageSize=0: no items');
  t.not(zero.body.nextToken, '', '...and a token, since there are items to page through');
  const first = await alice.get('/entries', { pageSize: 5, projectId: D.projects.proteinExpression, nextToken: zero.body.nextToken });
  const direct = await alice.get('/entries', { pageSize: 5, projectId: D.projects.proteinExpression });
  t.strictSame(first.body.entries, direct.body.entries, 'the pageSize=0 token continues at the first item');
  const emptyToken = await alice.get('/entries', { pageSize: 5, projectId: D.projects.proteinExpression, nextToken: '' });
  t.strictSame(emptyToken.body.entries, direct.body.entries, 'an empty nextToken is the first page');
  const none = await alice.get('/entries', { pageSize: 0, name: 'no such entry' });
  t.strictSame(none.body, { entries: [], nextToken: '' }, 'pageSize=0 with nothing to list: no token');
});

t.test('GET /users/{user_id}', async (t) => {
  const h = await startSandbox(t);
  const bob = h.as(DEMO_KEYS.bob);
  const alice = await bob.get(`/users/${DEMO_USERS.alice.id}`);
  t.equal(alice.status, 200);
  t.match(alice.body, { id: DEMO_USERS.alice.id, handle: 'alice', name: 'Alice Chen', isSuspended: false, email: 'alice@sandbox.example' });
  const missing = await bob.get('/users/ent_nobody00');
  t.equal(missing.status, 404);
  t.equal(missing.body.error.invalidId, 'ent_nobody00');
});

t.test('a store written before RNA sequences existed opens with the seeded ones added', async (t) => {
  const h = await startSandbox(t);
  await h.sandbox.close();
  const file = path.join(h.dataDir, 'benchling-sandbox', 'tenant.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  delete doc.tenant.rnaSequences;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc));
  await h.start();
  const list = await h.as(DEMO_KEYS.alice).get('/rna-sequences');
  t.equal(list.body.rnaSequences.length, 2);
  t.ok(JSON.parse(readFileSync(file, 'utf8')).tenant.rnaSequences, 'and written back');
});

t.test('note indentation: list items start at 1, other notes at 0', async (t) => {
  const h = await startSandbox(t);
  const entry = (await h.as(DEMO_KEYS.alice).get(`/entries/${D.entries.firstRun}`)).body.entry;
  const notes = entry.days.flatMap((d: { notes: { type: string; indentation: number }[] }) => d.notes);
  const lists = notes.filter((n: { type: string }) => n.type.startsWith('list_'));
  t.ok(lists.length > 0);
  t.ok(
    lists.every((n: { indentation: number }) => n.indentation >= 1),
    'a list is "one note part with indentation 1 followed by note parts with indentation 2"',
  );
  t.ok(
    notes.filter((n: { type: string }) => n.type === 'text').every((n: { indentation: number }) => n.indentation === 0),
    'the default is 0 for no indent',
  );
});

t.test('url is the path of webURL, without the tenant', async (t) => {
  const h = await startSandbox(t);
  const alice = h.as(DEMO_KEYS.alice);
  for (const path of [`/dna-sequences/${D.dnaSequences.petEgfp}`, `/custom-entities/${D.customEntities.bl21}`, `/rna-sequences/${D.rnaSequences.egfpMrna}`]) {
    const e = (await alice.get(path)).body;
    t.ok(e.url.startsWith('/') && e.webURL === `${h.url}${e.url}`, `${path}: url ${e.url}`);
  }
});

t.test('custom entity and entry creates: every writable property of the create schemas', async (t) => {
  const h = await startSandbox(t);
  const carol = h.as(DEMO_KEYS.carol);
  const entity = await create(t, carol, 'createCustomEntity', '/custom-entities', {
    name: 'sgTP53-1',
    schemaId: D.entitySchemas.sgRna,
    folderId: D.folders.guideLibrary,
    fields: { 'Target Gene': { value: 'TP53' }, 'Spacer Sequence': { value: 'CCATTGTTCAATATCGTCCG' } },
    customFields: { Source: { value: 'Brunello' } },
    aliases: ['TP53-g1'],
    authorIds: [DEMO_USERS.carol.id],
    registryId: DEMO_REGISTRY_ID,
    namingStrategy: 'NEW_IDS',
  });
  t.equal(entity.status, 201, entity.text.slice(0, 300));
  t.match(entity.body, { entityRegistryId: 'SG003', aliases: ['TP53-g1'], customFields: { Source: { value: 'Brunello' } } });
  const both = await create(t, carol, 'createCustomEntity', '/custom-entities', {
    name: 'x',
    schemaId: D.entitySchemas.sgRna,
    registryId: 'src_LabReg01',
    entityRegistryId: 'SG900',
    namingStrategy: 'NEW_IDS',
    fields: { 'Target Gene': { value: 'X' }, 'Spacer Sequence': { value: 'CCATTGTTCAATATCGTCCG' } },
  });
  t.equal(both.status, 400, '"Cannot specify both entityRegistryId and namingStrategy"');
  const entry = await create(t, carol, 'createEntry', '/entries', {
    name: 'Every property',
    folderId: D.folders.crNotebook,
    schemaId: D.entrySchemas.crisprScreen,
    fields: { 'Cell Line': { value: D.customEntities.k562Cas9 } },
    customFields: { Batch: { value: 'B7' } },
    authorIds: [DEMO_USERS.carol.id, DEMO_USERS.alice.id],
  });
  t.equal(entry.status, 201, entry.text.slice(0, 300));
  t.match(entry.body, { customFields: { Batch: { value: 'B7' } }, authors: [{ id: DEMO_USERS.carol.id }, { id: DEMO_USERS.alice.id }] });
  const template = await create(t, carol, 'createEntry', '/entries', {
    name: 'From a template',
    folderId: D.folders.crNotebook,
    entryTemplateId: 'tmpl_nothere1',
    initialTables: [{ templateTableID: 'tbl_1', csvData: '00000000-0000-0000-0000-000000000000' }],
  });
  t.equal(template.status, 400);
  t.match(template.body.error.message, /entry template tmpl_nothere1 not found/, 'refused for the reason Benchling gives: no such template');
});
