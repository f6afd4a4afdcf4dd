/**
 * The Benchling tools end to end: MCP clients of both generations → router → benchling-mcp → sandbox, as the
 * real processes. Every tool, paging, Benchling's errors, auth failures in the metrics, two users with their
 * own keys at the same time, and no key in any log line.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern, type McpTestClient, type ToolResult } from '../helpers/mcp-clients.js';

const ALICE = 'sandbox-key-alice';
const BOB = 'sandbox-key-bob';
const CAROL = 'sandbox-key-carol';
const BAD_KEY = 'sk_live_not_a_key_4242424242';

const bundle = await startBundle({
  env: {
    // This file does not test the tenant's rate limit (benchling-resilience does).
    BENCHLING_SANDBOX_RATE_LIMIT: '100000',
    ROUTER_RATE_LIMIT_PER_MINUTE: '100000',
    ROUTER_RATE_LIMIT_BURST: '10000',
    // Small upstream pages, so a folder listing really walks several of them.
    BENCHLING_FOLDER_SCAN_PAGE_SIZE: '4',
    BENCHLING_FOLDER_SCAN_MAX_PAGES: '2',
  },
});
t.teardown(() => bundle.stop());
const mcpUrl = `${bundle.routerUrl}/benchling/mcp`;
const as = (key: string) => ({ 'x-benchling-api-key': key });

const READS = [
  'entries_list',
  'entry_get',
  'folders_list',
  'projects_list',
  'dna_sequences_list',
  'dna_sequence_get',
  'rna_sequences_list',
  'rna_sequence_get',
  'sequence_export',
  'aa_sequences_list',
  'aa_sequence_get',
  'custom_entities_list',
  'custom_entity_get',
  'schemas_list',
  'search',
  'inventory_list',
  'inventory_get',
  'assay_schemas_list',
  'assay_results_list',
  'assay_runs_list',
  'assay_get',
  'registries_list',
  'registered_entities_get',
  'attachment_read',
];
const WRITES = ['entry_create', 'dna_sequence_create', 'rna_sequence_create', 'custom_entity_create'];
/** writes that may replace data */
const DESTRUCTIVE = ['entities_register', 'entry_update'];

function text(result: ToolResult): string {
  return result.content?.map((c) => c.text ?? '').join('\n') ?? '';
}

/** A successful call's structured result. */
// biome-ignore lint/suspicious/noExplicitAny: the tools' output schemas are checked by the clients
async function ok(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${text(result)}`);
  if (!result.structuredContent) throw new Error(`${name} returned no structuredContent`);
  return result.structuredContent;
}

async function failed(client: McpTestClient, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool(name, args);
  if (!result.isError) throw new Error(`${name} should have failed: ${JSON.stringify(result.structuredContent).slice(0, 300)}`);
  return text(result);
}

for (const connect of [connectModern, connectLegacy]) {
  t.test(`${connect.name}: the tool list, then every read tool`, async (t) => {
    const client = await connect(mcpUrl, as(ALICE));
    t.teardown(() => client.close());
    const { tools } = await client.listTools();
    t.same(tools.map((x) => x.name).sort(), [...READS, ...WRITES, ...DESTRUCTIVE].sort(), 'exactly these tools');
    for (const tool of tools) {
      t.ok(tool.outputSchema, `${tool.name} has an output schema`);
      if (READS.includes(tool.name)) t.match(tool.annotations, { readOnlyHint: true }, `${tool.name} read-only`);
      else if (DESTRUCTIVE.includes(tool.name))
        t.match(tool.annotations, { readOnlyHint: false, destructiveHint: true, idempotentHint: false }, `${tool.name} destructive`);
      else t.match(tool.annotations, { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }, `${tool.name} write`);
    }

    const projects = await ok(client, 'projects_list', { page_size: 10 });
    t.equal(projects.projects.length, 3);
    const folders = await ok(client, 'folders_list', { project_id: 'src_ProtExp1' });
    t.ok(folders.folders.some((f: { id: string }) => f.id === 'lib_abc123'));
    const entries = await ok(client, 'entries_list', { project_id: 'src_ProtExp1', page_size: 3 });
    t.equal(entries.entries.length, 3);
    t.type(entries.next_cursor, 'string');
    const entry = await ok(client, 'entry_get', { entry_id: 'etr_ExpRn005' });
    t.match(entry.entry, { display_id: 'EXP005', fields: { 'Host Strain': { value: 'bfi_Rosett22', display: 'Rosetta 2(DE3)' } } });
    t.match(entry.entry.notes_text, /## .* — Induction/);
    const dna = await ok(client, 'dna_sequences_list', { name_includes: 'pET' });
    t.ok(dna.dna_sequences.length >= 2);
    const seq = await ok(client, 'dna_sequence_get', { dna_sequence_id: 'seq_EgfpOrf3' });
    t.equal(seq.dna_sequence.bases.length, seq.dna_sequence.length);
    const aa = await ok(client, 'aa_sequences_list', {});
    t.equal(aa.aa_sequences.length, 4, 'alice sees all four proteins');
    const prot = await ok(client, 'aa_sequence_get', { aa_sequence_id: 'prtn_H6Egfp02' });
    t.match(prot.aa_sequence.amino_acids, /HHHHHH/);
    const ents = await ok(client, 'custom_entities_list', { schema_id: 'ts_SgRna001' });
    t.equal(ents.custom_entities.length, 3);
    const ent = await ok(client, 'custom_entity_get', { custom_entity_id: 'bfi_SgEmx101' });
    t.match(ent.custom_entity.fields, { 'Target Gene': { value: 'EMX1' } });
    const schemas = await ok(client, 'schemas_list', { kind: 'entity' });
    t.equal(schemas.schemas.length, 5);
    const found = await ok(client, 'search', { query: 'Rosetta' });
    t.match(found.results, [{ type: 'custom_entity', id: 'bfi_Rosett22' }]);
    const byId = await ok(client, 'search', { query: 'etr_Purif001' });
    t.match(byId, { matched_by: 'id', results: [{ id: 'etr_Purif001', type: 'entry' }] });
  });
}

t.test('entries_list {"folder_id": "lib_abc123"} works as written, and pages across upstream pages', async (t) => {
  const client = await connectLegacy(mcpUrl, as(ALICE));
  t.teardown(() => client.close());
  const first = await ok(client, 'entries_list', { folder_id: 'lib_abc123' });
  t.ok(first.entries.length > 0);
  t.equal(first.folder.name, 'Expression Runs');
  const ids: string[] = [];
  let cursor: string | undefined;
  let calls = 0;
  do {
    const page = await ok(client, 'entries_list', { folder_id: 'lib_abc123', page_size: 5, ...(cursor && { cursor }) });
    calls++;
    t.ok(page.scan.pages <= 2, 'bounded scan per call');
    ids.push(...page.entries.map((e: { id: string; folder_id: string }) => e.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor && calls < 20);
  t.equal(ids.length, 12);
  t.equal(new Set(ids).size, 12);
  t.ok(calls >= 3, `${calls} calls`);
});

t.test("Benchling's errors reach the user as tool errors", async (t) => {
  const client = await connectModern(mcpUrl, as(BOB));
  t.teardown(() => client.close());
  t.match(await failed(client, 'entry_get', { entry_id: 'etr_Nope0001' }), /Could not find entry etr_Nope0001, or you do not have access to it/);
  t.match(await failed(client, 'entry_get', { entry_id: 'etr_AbCmp001' }), /Not found/, "another project's entry looks missing");
  t.match(
    await failed(client, 'entry_create', { name: 'x', folder_id: 'lib_AbNbk001' }),
    /Benchling refused the request \(HTTP 400.*folder lib_AbNbk001 not found/,
  );
  t.match(await failed(client, 'entries_list', { folder_id: 'lib_abc123', cursor: 'c1.e30' }), /cursor belongs to a entries_list call with other filters/);
  t.match(await failed(client, 'entries_list', { folder_id: 'lib abc' }), /folder id|Invalid/, 'a malformed id is refused before Benchling sees it');
});

t.test('a key Benchling rejects: a clear tool error, counted as key_rejected', async (t) => {
  const client = await connectModern(mcpUrl, as(BAD_KEY));
  t.teardown(() => client.close());
  const message = await failed(client, 'projects_list', {});
  t.match(message, /^Benchling rejected the API key \(HTTP 401/);
  t.notOk(message.includes(BAD_KEY), 'the key is not echoed');
  const metrics = await (await fetch(`${bundle.routerUrl}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('labmcp_auth_failures_total') && l.includes('reason="key_rejected"') && l.includes('benchling-mcp'));
  t.ok(line, 'the bundle metrics count it');
  t.ok(Number(line?.split(' ').at(-1)) >= 1);
});

t.test('writes: validated against the schema first, then created', async (t) => {
  const client = await connectLegacy(mcpUrl, as(CAROL));
  t.teardown(() => client.close());
  const invalid = await failed(client, 'custom_entity_create', {
    name: 'sgX',
    schema_id: 'ts_SgRna001',
    folder_id: 'lib_CrLib002',
    fields: { 'Target Gene': 'X' },
  });
  t.match(invalid, /Nothing was created.*\n- "Spacer Sequence" is required/s);
  const sg = await ok(client, 'custom_entity_create', {
    name: 'sgTP53',
    schema_id: 'ts_SgRna001',
    folder_id: 'lib_CrLib002',
    fields: { 'Target Gene': 'TP53', 'Spacer Sequence': 'CCATTGTTCAATATCGTCCG' },
  });
  t.match(sg.custom_entity.id, /^bfi_/);
  const dna = await ok(client, 'dna_sequence_create', { name: 'oligo-1', bases: 'ACGTACGTAC', is_circular: false, folder_id: 'lib_CrLib002' });
  t.equal(dna.dna_sequence.length, 10);
  const entry = await ok(client, 'entry_create', {
    name: 'TP53 screen',
    folder_id: 'lib_CrNbk001',
    schema_id: 'ts_CrScr002',
    fields: { 'Cell Line': 'bfi_K562Cas2', Guides: [sg.custom_entity.id] },
  });
  t.match(entry.entry, { name: 'TP53 screen', folder_id: 'lib_CrNbk001' });
  const updated = await ok(client, 'entry_update', { entry_id: entry.entry.id, if_modified_at: entry.entry.modified_at, fields: { MOI: 0.4 } });
  t.same(updated.changed, ['MOI']);
  t.match((await ok(client, 'entry_get', { entry_id: entry.entry.id })).entry.fields, { MOI: { value: 0.4 }, 'Cell Line': { value: 'bfi_K562Cas2' } });
  const back = await ok(client, 'search', { query: sg.custom_entity.id });
  t.equal(back.results[0].name, 'sgTP53');
});

t.test('sequences: RNA list/get/create, feature ends in plain coordinates, FASTA and GenBank export', async (t) => {
  const client = await connectModern(mcpUrl, as(CAROL));
  t.teardown(() => client.close());
  const rnas = await ok(client, 'rna_sequences_list', { project_id: 'src_Crispr02' });
  t.same(
    rnas.rna_sequences.map((s: { id: string }) => s.id),
    ['seq_SgEmxR02'],
  );
  const byRnaId = await ok(client, 'search', { query: 'seq_EgfpMrn1' });
  t.match(byRnaId.results, [{ type: 'rna_sequence', id: 'seq_EgfpMrn1', name: 'EGFP mRNA (IVT)' }], 'search by id finds an RNA sequence (seq_ is shared)');
  const mrna = await ok(client, 'rna_sequence_get', { rna_sequence_id: 'seq_EgfpMrn1' });
  const tail = mrna.rna_sequence.annotations.find((a: { name: string }) => a.name === 'poly(A) tail');
  t.equal(tail.end, mrna.rna_sequence.length, "Benchling's end 0 (the end of the sequence) comes back as the length");
  t.equal(mrna.rna_sequence.bases.slice(tail.start, tail.end), 'A'.repeat(60), 'so slicing the bases gives the feature');
  t.match(mrna.rna_sequence.helm, /^RNA1\{r\(G\)p/);
  const orf = await ok(client, 'dna_sequence_get', { dna_sequence_id: 'seq_EgfpOrf3' });
  t.match(orf.dna_sequence.annotations, [{ name: 'EGFP', start: 0, end: orf.dna_sequence.length }]);
  const pet = await ok(client, 'dna_sequence_get', { dna_sequence_id: 'seq_PetEgfp1', include_bases: false });
  const junction = pet.dna_sequence.annotations.find((a: { name: string }) => a.name === 'origin junction');
  t.ok(junction.start > junction.end, 'a feature across the origin keeps start > end');

  const created = await ok(client, 'rna_sequence_create', {
    name: 'EMX1 crRNA',
    bases: 'GAGUCCGAGCAGAAGAAGAAGUUUUAGAGCUAUGCU',
    folder_id: 'lib_CrLib002',
    annotations: [
      { name: 'spacer', start: 0, end: 20, type: 'misc_RNA' },
      { name: 'repeat', start: 20, end: 36, type: 'misc_RNA' },
    ],
  });
  t.match(created.rna_sequence, { id: /^seq_/, length: 36 });
  const back = await ok(client, 'rna_sequence_get', { rna_sequence_id: created.rna_sequence.id });
  t.match(
    back.rna_sequence.annotations,
    [
      { name: 'spacer', start: 0, end: 20 },
      { name: 'repeat', start: 20, end: 36 },
    ],
    'an end at the length round-trips',
  );
  const wrapped = await failed(client, 'rna_sequence_create', {
    name: 'bad',
    bases: 'ACGUACGU',
    folder_id: 'lib_CrLib002',
    annotations: [{ name: 'x', start: 6, end: 2 }],
  });
  t.match(wrapped, /only a circular sequence allows/);
  const circular = await ok(client, 'dna_sequence_create', {
    name: 'ring',
    bases: `GAGGAGTAA${'CCC'}ATGGTGAGCAAGGGC`,
    is_circular: true,
    folder_id: 'lib_CrLib002',
    annotations: [{ name: 'wrapped ORF', start: 12, end: 9, type: 'CDS' }],
  });
  const ring = await ok(client, 'dna_sequence_get', { dna_sequence_id: circular.dna_sequence.id });
  t.match(ring.dna_sequence.annotations, [{ start: 12, end: 9 }]);

  const fasta = await ok(client, 'sequence_export', { sequence_type: 'dna', sequence_id: 'seq_EgfpOrf3', format: 'fasta' });
  const [header, ...lines] = fasta.content.trim().split('\n');
  t.match(header, /^>\S+ EGFP ORF/);
  t.equal(lines.join(''), orf.dna_sequence.bases, 'FASTA holds the bases, 60 a line');
  t.ok(lines.every((l: string) => l.length <= 60));
  const gb = await ok(client, 'sequence_export', { sequence_type: 'dna', sequence_id: 'seq_PetEgfp1', format: 'genbank' });
  t.match(gb.content, /^LOCUS {7}\S+ +\d+ bp DNA {5}circular/);
  t.match(gb.content, /\n {5}misc_feature {4}join\(\d+\.\.\d+,1\.\.40\)\n {21}\/label="origin junction"/, 'a feature across the origin is a join');
  t.match(gb.content, /\n {5}CDS {13}\d+\.\.\d+\n {21}\/label="6xHis-thrombin-EGFP"\n {21}\/translation="MGSSHHHHHH/);
  t.match(gb.content, /\nORIGIN\n {8}1 [acgt]{10} [acgt]{10}/);
  t.match(gb.content, /\n\/\/\n$/);
  t.equal(gb.filename, 'PLS001.gb');
  const prot = await ok(client, 'sequence_export', { sequence_type: 'aa', sequence_id: 'prtn_Egfp0001', format: 'genbank' });
  t.match(prot.content, /^LOCUS .* aa /);
  const rnaFasta = await ok(client, 'sequence_export', { sequence_type: 'rna', sequence_id: 'seq_EgfpMrn1', format: 'fasta' });
  t.match(rnaFasta.content, /^>seq_EgfpMrn1 EGFP mRNA \(IVT\)\nGGGAAAUAAG/);
  const tooBig = await failed(client, 'sequence_export', { sequence_type: 'dna', sequence_id: 'seq_PetEgfp1', format: 'genbank', max_chars: 1000 });
  t.match(tooBig, /characters, more than max_chars \(1000\)/);
  const wrongKind = await failed(client, 'sequence_export', { sequence_type: 'aa', sequence_id: 'seq_EgfpOrf3' });
  t.match(wrongKind, /prtn_/);
});

t.test('inventory: the freezer, box positions, plate wells, container contents and where a container is', async (t) => {
  const [bob, alice] = await Promise.all([connectLegacy(mcpUrl, as(BOB)), connectModern(mcpUrl, as(ALICE))]);
  t.teardown(async () => {
    await bob.close();
    await alice.close();
  });
  const shelves = await ok(bob, 'inventory_list', { kind: 'location', inside_id: 'loc_Frz80A01', sort: 'name_asc' });
  t.same(
    shelves.items.map((l: { name: string }) => l.name),
    ['Shelf 1', 'Shelf 2'],
  );
  t.match(shelves.items[0], { kind: 'location', capacity: { total: 6, occupied: 2, available: 4 } });
  const boxes = await ok(bob, 'inventory_list', { kind: 'box', inside_id: 'loc_Frz80A01', sort: 'name_asc' });
  t.same(
    boxes.items.map((b: { id: string }) => b.id),
    ['box_Glyc0002', 'box_PlsStk01'],
    "bob sees Protein Expression's boxes, not CRISPR's",
  );
  const holders = await ok(bob, 'inventory_list', { kind: 'container', contains_entity_id: 'seq_PetEgfp1' });
  t.match(holders.items, [
    {
      id: 'con_PetEgfA1',
      quantity: { value: 50, units: 'uL' },
      contents: [{ entity_id: 'seq_PetEgfp1', name: 'pET-28a-EGFP', concentration: { value: 250, units: 'ng/uL' } }],
    },
  ]);

  const box = await ok(bob, 'inventory_get', { id: 'box_PlsStk01' });
  t.same(
    box.positions.map((p: { position: string }) => p.position),
    ['A1', 'A2', 'A3', 'B1'],
  );
  t.match(box.path, [
    { id: 'loc_Frz80A01', name: '-80 °C Freezer A' },
    { id: 'loc_Shelf001', name: 'Shelf 1' },
  ]);
  t.match(box.item.capacity, { total: 81, occupied: 4, available: 77 });
  t.match(box.positions[3].contents, [{ entity_id: 'seq_AbHcCds1', accessible: false, name: null }], 'an entity bob cannot see');
  const forAlice = await ok(alice, 'inventory_get', { id: 'con_AbCdsB01' });
  t.match(forAlice.item.contents, [{ entity_id: 'seq_AbHcCds1', accessible: true, entity_type: 'dna_sequence' }]);
  t.match(
    forAlice.path.map((p: { id: string }) => p.id),
    ['loc_Frz80A01', 'loc_Shelf001', 'box_PlsStk01'],
    'where the container is',
  );

  const plate = await ok(bob, 'inventory_get', { id: 'plt_ImacFr01' });
  t.match(plate.item, { kind: 'plate', plate_type: 'well_plate', capacity: null });
  t.match(plate.positions, [
    { position: 'A1', contents: [{ entity_id: 'prtn_H6Egfp02', concentration: { value: 0.42, units: 'mg/mL' } }] },
    { position: 'A2', contents: [{ concentration: { value: 1.87 } }] },
    { position: 'A3' },
  ]);
  t.equal(plate.positions.length, 3, 'only filled wells');
  const well = await ok(bob, 'inventory_get', { id: 'con_ImacWA2' });
  t.match(well.item.parent_storage_id, 'plt_ImacFr01:a2');
  t.match(
    well.path.map((p: { id: string }) => p.id),
    ['loc_Cold4C01', 'plt_ImacFr01'],
    'a well: its plate and the rack',
  );

  t.match(await failed(bob, 'inventory_get', { id: 'box_AbHyb004' }), /Not found/);
  t.match(await failed(bob, 'inventory_get', { id: 'seq_PetEgfp1' }), /inventory id/);
  t.match(await failed(bob, 'inventory_list', { kind: 'location', contains_entity_id: 'seq_PetEgfp1' }), /boxes, plates and containers/);
});

t.test('assays: schemas, results by schema / entity / inventory / run, runs, one result; fields as the entity tools show them', async (t) => {
  const client = await connectModern(mcpUrl, as(BOB));
  t.teardown(() => client.close());
  const schemas = await ok(client, 'assay_schemas_list', { kind: 'result' });
  t.match(schemas.schemas, [{ id: 'assaysch_Yield001', name: 'Protein Yield', kind: 'assay_result' }]);
  t.ok(schemas.schemas[0].fields.some((f: { name: string; type: string }) => f.name === 'yield_mg_per_l' && f.type === 'float'));
  const page1 = await ok(client, 'assay_results_list', { schema_id: 'assaysch_Yield001', page_size: 4 });
  t.equal(page1.assay_results.length, 4);
  t.type(page1.next_cursor, 'string');
  const page2 = await ok(client, 'assay_results_list', { schema_id: 'assaysch_Yield001', page_size: 4, cursor: page1.next_cursor });
  t.equal(page2.assay_results.length, 2);
  t.equal(page2.next_cursor, null);
  const first = page1.assay_results[0];
  t.match(first, {
    entry_id: 'etr_ExpRn001',
    schema: { id: 'assaysch_Yield001', name: 'Protein Yield' },
    fields: {
      construct: { type: 'dna_sequence_link', value: 'seq_PetEgfp1', display: 'pET-28a-EGFP' },
      host_strain: { value: 'bfi_Bl21De31', display: 'BL21(DE3)' },
      yield_mg_per_l: { type: 'float', value: 18.5 },
    },
  });
  const rosetta = await ok(client, 'assay_results_list', { entity_ids: ['bfi_Rosett22'] });
  t.same(
    rosetta.assay_results.map((r: { entry_id: string }) => r.entry_id),
    ['etr_ExpRn005'],
  );
  const inWell = await ok(client, 'assay_results_list', { storage_ids: ['con_ImacWA3'] });
  t.same(
    inWell.assay_results.map((r: { entry_id: string }) => r.entry_id),
    ['etr_ExpRn003'],
  );
  const runs = await ok(client, 'assay_runs_list', { schema_id: 'assaysch_PlRdr002' });
  t.match(runs.assay_runs, [{ id: '3f2a9c1e-5b7d-4e21-9a0c-6d8e1f2b3c01', validation_status: 'VALID', fields: { instrument: { value: 'SpectraMax M5' } } }]);
  const ofRun = await ok(client, 'assay_results_list', { run_id: runs.assay_runs[0].id });
  t.equal(ofRun.assay_results.length, 3);
  const one = await ok(client, 'assay_get', { kind: 'result', id: first.id });
  t.same(one.assay.fields, first.fields);
  t.equal(one.assay.kind, 'result');
  t.match(await failed(client, 'assay_results_list', {}), /Give schema_id, entity_ids/);
  t.match(await failed(client, 'assay_results_list', { entity_ids: Array.from({ length: 21 }, (_, i) => `bfi_x${i}`) }), /21|20/);
  t.match(await failed(client, 'assay_get', { kind: 'run', id: 'not-a-uuid' }), /UUID/);
  t.match(await failed(client, 'assay_get', { kind: 'run', id: first.id }), /Not found/);
});

t.test('registration: registries, checks before sending, a registration task followed to the end, lookups by registry id', async (t) => {
  const client = await connectModern(mcpUrl, as(CAROL));
  t.teardown(() => client.close());
  const registries = await ok(client, 'registries_list', {});
  t.match(registries.registries, [{ id: 'src_LabReg01', name: 'Lab Registry' }]);
  const refused = await failed(client, 'entities_register', {
    registry_id: 'src_LabReg01',
    entity_ids: ['bfi_SgVegf03', 'bfi_SgEmx101', 'seq_EgfpOrf3'],
    naming_strategy: 'NEW_IDS',
  });
  t.match(refused, /Nothing was registered:\n- bfi_SgEmx101 \(EMX1-sg1\): already registered as SG001\n- seq_EgfpOrf3 \(EGFP ORF\): has no schema/);
  const vegfa = await ok(client, 'custom_entity_get', { custom_entity_id: 'bfi_SgVegf03' });
  t.equal(vegfa.custom_entity.registry_id, null, 'nothing was sent');
  const done = await ok(client, 'entities_register', { registry_id: 'src_LabReg01', entity_ids: ['bfi_SgVegf03'], naming_strategy: 'NEW_IDS' });
  t.match(done, {
    status: 'SUCCEEDED',
    task_id: /^[0-9a-f-]{36}$/,
    entities: [{ id: 'bfi_SgVegf03', type: 'custom_entity', entity_registry_id: 'SG003', registry_id: 'src_LabReg01' }],
  });
  const looked = await ok(client, 'registered_entities_get', { registry_id: 'src_LabReg01', entity_registry_ids: ['SG003', 'PLS003'] });
  t.match(looked.entities, [
    { id: 'bfi_SgVegf03', type: 'custom_entity', name: 'VEGFA-site3' },
    { id: 'seq_LgEmx101', type: 'dna_sequence', name: 'lentiGuide-EMX1-sg1' },
  ]);
  t.match(
    await failed(client, 'entities_register', { registry_id: 'src_Nothere9', entity_ids: ['bfi_SgVegf03'], naming_strategy: 'NEW_IDS' }),
    /registries_list/,
  );
  t.match(await failed(client, 'registered_entities_get', { registry_id: 'src_LabReg01', entity_registry_ids: ['CL003'] }), /Not found/);
});

t.test('attachments: an entry attachment found through entry_get, a blob linked from an assay result, both bounded', async (t) => {
  const client = await connectModern(mcpUrl, as(BOB));
  t.teardown(() => client.close());
  const entry = await ok(client, 'entry_get', { entry_id: 'etr_Purif001' });
  const [, fileId] = /\[attached file ([^\]]+)\] AKTA chromatogram export/.exec(entry.entry.notes_text) ?? [];
  t.ok(fileId, 'entry_get names the attached file');
  const file = await ok(client, 'attachment_read', { entry_id: 'etr_Purif001', external_file_id: fileId });
  t.equal(file.encoding, 'utf8');
  t.match(file.content, /^volume_ml,a280_mau,imidazole_mm\n0,12,40\n/);
  t.equal(file.size, Buffer.byteLength(file.content));
  t.equal(file.sha256, createHash('sha256').update(file.content).digest('hex'));
  const result = await ok(client, 'assay_get', { kind: 'result', id: 'a7c41e20-1d3b-4c5e-8f90-12ab34cd5601' });
  const blobId = result.assay.fields.plate_reader_export.value;
  const blob = await ok(client, 'attachment_read', { blob_id: blobId });
  t.match(blob, { name: 'SpectraMax_A280_export.csv', mime_type: 'text/csv', encoding: 'utf8', content: /^well,a280/ });
  t.match(await failed(client, 'attachment_read', { entry_id: 'etr_Purif001', external_file_id: fileId, max_bytes: 100 }), /more than max_bytes \(100\)/);
  t.match(await failed(client, 'attachment_read', { blob_id: blobId, max_bytes: 10 }), /more than max_bytes \(10\)/);
  t.match(await failed(client, 'attachment_read', { entry_id: 'etr_ExpRn001', external_file_id: fileId }), /Not found/);
  t.match(await failed(client, 'attachment_read', { entry_id: 'etr_Purif001' }), /both entry_id and external_file_id/);
});

t.test('two users with their own keys, at the same time, each see only what Benchling lets them', async (t) => {
  const [alice, bob] = await Promise.all([connectModern(mcpUrl, as(ALICE)), connectLegacy(mcpUrl, as(BOB))]);
  t.teardown(async () => {
    await alice.close();
    await bob.close();
  });
  const rounds = 4;
  const run = (client: McpTestClient) =>
    Promise.all(
      Array.from({ length: rounds }, async () => ({
        projects: (await ok(client, 'projects_list', {})).projects.map((p: { id: string }) => p.id).sort(),
        search: (await ok(client, 'search', { query: 'Trastuzumab' })).results.length,
        antibody: (await client.callTool('aa_sequence_get', { aa_sequence_id: 'prtn_TzVh0003' })).isError === true,
        antibodyEntries: (await ok(client, 'entries_list', { project_id: 'src_AbDisc03' })).entries.length,
      })),
    );
  const [a, b] = await Promise.all([run(alice), run(bob)]);
  for (const r of a) {
    t.same(r.projects, ['src_AbDisc03', 'src_Crispr02', 'src_ProtExp1']);
    t.ok(r.search >= 2, 'alice finds the antibody sequences');
    t.equal(r.antibody, false);
    t.ok(r.antibodyEntries > 0);
  }
  for (const r of b) {
    t.same(r.projects, ['src_ProtExp1'], 'bob sees only Protein Expression');
    t.equal(r.search, 0, "bob finds none of alice's antibodies");
    t.equal(r.antibody, true, 'and cannot read one by id');
    t.equal(r.antibodyEntries, 0);
  }
});

t.test('audit lines name the caller (a key fingerprint), the tool and its targets', async (t) => {
  await new Promise((r) => setTimeout(r, 200));
  const lines = readFileSync(path.join(bundle.logDir, 'benchling-mcp.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { audit?: boolean; tool?: string; userId?: string; targets?: Record<string, unknown>; outcome?: string });
  const audit = lines.filter((l) => l.audit);
  t.ok(audit.some((l) => l.tool === 'entry_get' && l.targets?.entry_id === 'etr_ExpRn005' && l.outcome === 'ok' && /^key:[0-9a-f]{12}$/.test(l.userId ?? '')));
  t.ok(audit.some((l) => l.tool === 'entries_list' && l.targets?.folder_id === 'lib_abc123'));
  t.ok(audit.some((l) => l.tool === 'custom_entity_create' && l.targets?.schema_id === 'ts_SgRna001' && l.outcome === 'user_error'));
  t.ok(audit.some((l) => l.tool === 'rna_sequence_create' && l.targets?.folder_id === 'lib_CrLib002' && l.outcome === 'ok'));
  t.ok(audit.some((l) => l.tool === 'entities_register' && l.targets?.registry_id === 'src_LabReg01' && l.outcome === 'ok'));
  const registrations = audit.filter((l) => (l as { event?: string }).event === 'registered');
  t.equal(registrations.length, 1, 'one audit line for the one registration sent (the refused call sent nothing)');
  t.match(registrations[0], { outcome: 'SUCCEEDED', registryId: 'src_LabReg01', registered: [{ id: 'bfi_SgVegf03', entityRegistryId: 'SG003' }] });
});

t.test('no key in any log line', async (t) => {
  await new Promise((r) => setTimeout(r, 200));
  const logs = bundle.logs();
  t.ok(logs.length > 0);
  // attachment_read fetched pre-signed links: their signatures are credentials too.
  t.ok(logs.includes('/_files/'), 'the downloads are in the access log');
  t.notMatch(logs, /signature=(?!\[redacted\])[A-Za-z0-9_-]{8,}/, 'but no download-link signature');
  for (const key of [ALICE, BOB, CAROL, BAD_KEY]) {
    t.notOk(logs.includes(key), `${key.slice(0, 12)}… not logged`);
    t.notOk(logs.includes(Buffer.from(`${key}:`).toString('base64')), `nor as a Basic credential`);
  }
});
