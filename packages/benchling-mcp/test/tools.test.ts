/** Every tool against the in-process sandbox: inputs parsed and outputs checked with the tools' own schemas. */

import { DEMO_IDS, DEMO_KEYS } from '@labmcp/benchling-sandbox';
import type { AnyTool, ToolError } from '@labmcp/service-kit';
import t from 'tap';
import type { BenchlingToolContext } from '../src/context.js';
import { toToolError } from '../src/tool-errors.js';
import { benchlingTools } from '../src/tools/index.js';
import { makeClient, runTool, startSandbox } from './helpers.js';

const { url } = await startSandbox(t);
const client = makeClient(url);
const ALICE = DEMO_KEYS.alice;
const BOB = DEMO_KEYS.bob;
const tool = (name: string): AnyTool<BenchlingToolContext> => {
  const found = benchlingTools.find((x) => x.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
};
// biome-ignore lint/suspicious/noExplicitAny: results are checked against the output schema by runTool
const call = (name: string, args: Record<string, unknown> = {}, key: string = ALICE, settings = {}): Promise<any> =>
  runTool(tool(name), args, client, key, { settings });

async function toolError(promise: Promise<unknown>): Promise<ToolError> {
  try {
    await promise;
  } catch (err) {
    // What the MCP frame does with a failure: the server's one translation into a ToolError.
    const known = toToolError(err);
    if (known !== undefined) return known;
    throw err;
  }
  throw new Error('expected a ToolError');
}

t.test('the tool set: names and annotations', async (t) => {
  const reads = [
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
  ];
  const writes = ['entry_create', 'dna_sequence_create', 'rna_sequence_create', 'custom_entity_create'];
  t.same(
    benchlingTools.map((x) => x.name).sort(),
    [...reads, 'registries_list', 'registered_entities_get', 'attachment_read', ...writes, 'entities_register', 'entry_update'].sort(),
  );
  t.same(
    tool('entities_register').annotations,
    { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    'registration may replace names',
  );
  t.same(
    tool('entry_update').annotations,
    { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    'entry_update replaces values',
  );
  for (const name of reads) t.match(tool(name).annotations, { readOnlyHint: true }, `${name} is read-only`);
  for (const name of writes)
    t.same(tool(name).annotations, { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }, `${name} is a write`);
});

t.test('projects_list and folders_list', async (t) => {
  const all = await call('projects_list');
  t.same(all.projects.map((p: { id: string }) => p.id).sort(), Object.values(DEMO_IDS.projects).sort());
  const bobs = await call('projects_list', {}, BOB);
  t.same(
    bobs.projects.map((p: { id: string }) => p.id),
    [DEMO_IDS.projects.proteinExpression],
    'bob sees his project only',
  );

  const pages: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 5; i++) {
    const page = await call('projects_list', { page_size: 1, ...(cursor && { cursor }) });
    pages.push(...page.projects.map((p: { id: string }) => p.id));
    cursor = page.next_cursor ?? undefined;
    if (!cursor) break;
  }
  t.equal(pages.length, 3, 'three pages of one');
  t.equal(new Set(pages).size, 3);

  const folders = await call('folders_list', { project_id: DEMO_IDS.projects.proteinExpression, parent_folder_id: DEMO_IDS.folders.peNotebook });
  t.same(folders.folders.map((f: { id: string }) => f.id).sort(), [DEMO_IDS.folders.expressionRuns, DEMO_IDS.folders.purification].sort());
  const roots = await call('folders_list', { parent_folder_id: 'root', archived: 'include' });
  t.ok(roots.folders.every((f: { parent_folder_id: string | null }) => f.parent_folder_id === null));
  const archived = await call('folders_list', { archived: 'only' });
  t.same(
    archived.folders.map((f: { id: string }) => f.id),
    [DEMO_IDS.folders.abArchive],
  );
});

t.test('entries_list with folder_id: scans the project a bounded number of pages, cursor goes on', async (t) => {
  const settings = { folderScanPageSize: 3, folderScanMaxPages: 2 };
  const ids: string[] = [];
  let cursor: string | undefined;
  let calls = 0;
  let sawPartialPage = false;
  do {
    const page = await call('entries_list', { folder_id: 'lib_abc123', page_size: 5, ...(cursor && { cursor }) }, ALICE, settings);
    calls++;
    t.ok(page.entries.length <= 5);
    t.ok(page.scan.pages <= 2, 'at most folderScanMaxPages upstream pages per call');
    t.equal(page.folder.id, 'lib_abc123');
    if (page.entries.length < 5 && page.next_cursor) sawPartialPage = true;
    for (const e of page.entries) t.equal(e.folder_id, 'lib_abc123', `${e.id} is in the folder`);
    ids.push(...page.entries.map((e: { id: string }) => e.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor && calls < 20);
  t.equal(ids.length, 12, 'the 12 live entries of Expression Runs');
  t.equal(new Set(ids).size, 12, 'each once');
  t.ok(sawPartialPage, 'a bounded scan may hand back fewer than page_size with a cursor');
  t.notOk(ids.includes(DEMO_IDS.entries.pilotRun), 'archived entries are left out by default');

  const withArchived = await call('entries_list', { folder_id: 'lib_abc123', page_size: 100, archived: 'include' });
  t.equal(withArchived.entries.length, 13);
  t.equal(withArchived.scan.complete, true);

  const big = await call('entries_list', { folder_id: 'lib_abc123', page_size: 5 });
  const next = await call('entries_list', { folder_id: 'lib_abc123', page_size: 5, cursor: big.next_cursor });
  t.notOk(
    next.entries.some((e: { id: string }) => big.entries.some((b: { id: string }) => b.id === e.id)),
    'a cursor mid-page resumes after the last entry',
  );

  const err = await toolError(call('entries_list', { folder_id: 'lib_abc123', schema_id: 'ts_ExpRun01', cursor: big.next_cursor }));
  t.match(err.message, /cursor belongs to a entries_list call with other filters/);
  const junk = await toolError(call('entries_list', { folder_id: 'lib_abc123', cursor: 'not-a-cursor' }));
  t.match(junk.message, /pass back next_cursor/);
  const wrongProject = await toolError(call('entries_list', { folder_id: 'lib_abc123', project_id: DEMO_IDS.projects.crisprScreens }));
  t.match(wrongProject.message, /is in project src_ProtExp1, not src_Crispr02/);
  const unseen = await toolError(call('entries_list', { folder_id: DEMO_IDS.folders.abNotebook }, BOB));
  t.match(unseen.message, /Not found in Benchling: Could not find folder lib_AbNbk001/);
});

t.test('entries_list filters: project, schema, name, modified_since, review status', async (t) => {
  const project = await call('entries_list', { project_id: DEMO_IDS.projects.proteinExpression, page_size: 100 });
  t.equal(project.entries.length, 14);
  t.equal(project.folder, null);
  const bySchema = await call('entries_list', { schema_id: DEMO_IDS.entrySchemas.crisprScreen });
  t.ok(bySchema.entries.length >= 1 && bySchema.entries.every((e: { schema: { id: string } }) => e.schema.id === DEMO_IDS.entrySchemas.crisprScreen));
  const byName = await call('entries_list', { name: 'THROMBIN cleavage of 6xHis-EGFP' });
  t.same(
    byName.entries.map((e: { name: string }) => e.name),
    ['Thrombin cleavage of 6xHis-EGFP'],
    'name is case-insensitive',
  );
  const comma = 'ER-12: EGFP expression in BL21(DE3), 0 mM IPTG, 16 C';
  const byCommaName = await call('entries_list', { name: comma });
  t.same(
    byCommaName.entries.map((e: { name: string }) => e.name),
    [comma],
    'a name with commas is matched exactly',
  );
  const recent = await call('entries_list', { modified_since: '2099-01-01' });
  t.same(recent.entries, []);
  const accepted = await call('entries_list', { folder_id: 'lib_abc123', review_status: 'ACCEPTED', page_size: 100 });
  t.ok(accepted.entries.length > 0 && accepted.entries.every((e: { review_status: string }) => e.review_status === 'ACCEPTED'));
  t.throws(() => tool('entries_list').input.parse({ folder_id: 'abc123' }), /folder id: lib_/, 'ids are checked by prefix');
  t.throws(() => tool('entries_list').input.parse({ page_size: 101 }));
});

t.test('entry_get: fields and notes as text', async (t) => {
  const { entry } = await call('entry_get', { entry_id: 'etr_ExpRn003' });
  t.equal(entry.display_id, 'EXP003');
  t.match(entry.fields.Construct, { type: 'dna_sequence_link', value: 'seq_PetEgfp1', display: 'pET-28a-EGFP' });
  t.match(entry.notes_text, /^## \d{4}-\d{2}-\d{2} — Transformation and starter culture/);
  t.match(entry.notes_text, /- \[x\] Overnight starter culture/);
  t.match(entry.notes_text, /\| Fraction \| A488 \| Yield \(mg\/L\) \|/);
  t.equal(entry.notes_truncated, false);
  const short = await call('entry_get', { entry_id: 'etr_ExpRn003', max_note_chars: 500 });
  t.equal(short.entry.notes_truncated, true);
  t.ok(short.entry.notes_text.length <= 530);
  const none = await call('entry_get', { entry_id: 'etr_ExpRn003', include_notes: false });
  t.equal(none.entry.notes_text, null);
  const missing = await toolError(call('entry_get', { entry_id: 'etr_Nope0001' }));
  t.match(missing.message, /Could not find entry etr_Nope0001/);
});

t.test('sequences and custom entities: lists and gets', async (t) => {
  const dna = await call('dna_sequences_list', { project_id: DEMO_IDS.projects.proteinExpression, page_size: 100 });
  t.ok(dna.dna_sequences.length >= 3);
  t.notOk('bases' in dna.dna_sequences[0], 'lists carry no bases');
  const plasmids = await call('dna_sequences_list', { schema_id: DEMO_IDS.entitySchemas.plasmid, registry_id: 'src_LabReg01' });
  t.ok(plasmids.dna_sequences.every((s: { entity_registry_id: string | null }) => s.entity_registry_id !== null));
  const egfp = await call('dna_sequence_get', { dna_sequence_id: DEMO_IDS.dnaSequences.petEgfp, max_bases: 100 });
  t.equal(egfp.dna_sequence.bases.length, 100);
  t.equal(egfp.dna_sequence.bases_truncated, true);
  t.equal(egfp.dna_sequence.is_circular, true);
  t.ok(egfp.dna_sequence.annotations.length > 0);
  t.ok(egfp.dna_sequence.translations.length > 0);

  const aa = await call('aa_sequences_list', { name_includes: 'egfp' });
  t.ok(aa.aa_sequences.length >= 2);
  const prot = await call('aa_sequence_get', { aa_sequence_id: DEMO_IDS.aaSequences.egfp });
  t.match(prot.aa_sequence.amino_acids, /^M/);
  const hidden = await toolError(call('aa_sequence_get', { aa_sequence_id: DEMO_IDS.aaSequences.trastuzumabVh }, BOB));
  t.match(hidden.message, /Not found/, "bob cannot read alice's antibody");

  const cells = await call('custom_entities_list', { schema_id: DEMO_IDS.entitySchemas.cellLine, archived: 'include' });
  t.ok(cells.custom_entities.some((c: { archived_reason: string | null }) => c.archived_reason === 'Contaminated'));
  const hek = await call('custom_entity_get', { custom_entity_id: DEMO_IDS.customEntities.hek293t }, DEMO_KEYS.carol);
  t.match(hek.custom_entity, { name: 'HEK293T', aliases: ['293T'], fields: { Organism: { value: 'Homo sapiens' } } });
});

t.test('schemas_list: entity schemas, then entry schemas; one by id', async (t) => {
  const first = await call('schemas_list', { page_size: 3 });
  const kinds: string[] = [...first.schemas.map((s: { kind: string }) => s.kind)];
  let cursor = first.next_cursor;
  for (let i = 0; cursor && i < 10; i++) {
    const page = await call('schemas_list', { page_size: 3, cursor });
    kinds.push(...page.schemas.map((s: { kind: string }) => s.kind));
    cursor = page.next_cursor;
  }
  t.equal(kinds.length, 7, '5 entity + 2 entry schemas');
  t.same(kinds.slice(-2), ['entry', 'entry'], 'entry schemas last');
  const entryOnly = await call('schemas_list', { kind: 'entry' });
  t.equal(entryOnly.schemas.length, 2);
  t.equal(entryOnly.next_cursor, null);
  const one = await call('schemas_list', { schema_id: DEMO_IDS.entrySchemas.crisprScreen });
  t.match(one.schemas[0], { id: 'ts_CrScr002', kind: 'entry', fields: [{ name: 'Cell Line', required: true }] });
  const none = await toolError(call('schemas_list', { schema_id: 'ts_Nope0001' }));
  t.match(none.message, /No schema ts_Nope0001/);
});

t.test('search: by name across kinds, by id directly', async (t) => {
  const egfp = await call('search', { query: 'EGFP' });
  t.equal(egfp.matched_by, 'name');
  const types = new Set(egfp.results.map((r: { type: string }) => r.type));
  t.ok(types.has('dna_sequence') && types.has('aa_sequence'), 'sequences match by part of the name');
  const byAlias = await call('search', { query: '293T', types: ['custom_entity'] }, DEMO_KEYS.carol);
  t.same(
    byAlias.results.map((r: { id: string }) => r.id),
    [DEMO_IDS.customEntities.hek293t],
    'aliases match too',
  );
  const entry = await call('search', { query: 'EXP007', types: ['entry'] });
  t.same(
    entry.results.map((r: { id: string }) => r.id),
    ['etr_ExpRn007'],
    'entries by display id',
  );
  const limited = await call('search', { query: 'e', types: ['custom_entity'], limit: 1 });
  t.equal(limited.results.length, 1);
  t.same(limited.more_available, ['custom_entity']);

  const byId = await call('search', { query: DEMO_IDS.entries.firstRun });
  t.match(byId, { matched_by: 'id', results: [{ type: 'entry', id: 'etr_ExpRn001' }] });
  for (const id of [
    DEMO_IDS.folders.expressionRuns,
    DEMO_IDS.projects.crisprScreens,
    DEMO_IDS.entitySchemas.sgRna,
    DEMO_IDS.customEntities.bl21,
    DEMO_IDS.aaSequences.egfp,
  ]) {
    const r = await call('search', { query: id });
    t.equal(r.results[0]?.id, id, `${id} fetched directly`);
  }
  const hidden = await call('search', { query: DEMO_IDS.dnaSequences.trastuzumabHcCds }, BOB);
  t.same(hidden.results, []);
  t.match(hidden.note, /cannot see it/);
});

t.test('entry_create: checked against the entry schema before anything is written', async (t) => {
  const before = (await call('entries_list', { folder_id: DEMO_IDS.folders.guideLibrary, page_size: 100 }, DEMO_KEYS.carol)).entries.length;
  const bad = await toolError(
    call(
      'entry_create',
      {
        name: 'Screen 9',
        folder_id: DEMO_IDS.folders.guideLibrary,
        schema_id: DEMO_IDS.entrySchemas.crisprScreen,
        fields: { MOI: 'lots', 'Start date': '2025-01-01', Guides: 'bfi_SgEmx101' },
      },
      DEMO_KEYS.carol,
    ),
  );
  t.equal(bad.code, 'schema_validation');
  t.match(bad.message, /Nothing was created/);
  t.match(bad.message, /"Cell Line" is required/);
  t.match(bad.message, /"MOI" expects a number; got "lots"/);
  t.match(bad.message, /"Start date": .*no such field \(did you mean "Start Date"\?\)/);
  t.notMatch(bad.message, /^- "Guides"/m, 'one id for a multi-value field is taken as a list of one');
  const after = (await call('entries_list', { folder_id: DEMO_IDS.folders.guideLibrary, page_size: 100 }, DEMO_KEYS.carol)).entries.length;
  t.equal(after, before, 'nothing was written');

  const ok = await call(
    'entry_create',
    {
      name: 'Screen 9',
      folder_id: DEMO_IDS.folders.guideLibrary,
      schema_id: DEMO_IDS.entrySchemas.crisprScreen,
      fields: { 'Cell Line': DEMO_IDS.customEntities.k562Cas9, Guides: [DEMO_IDS.customEntities.sgEmx1], MOI: 0.3, 'Start Date': '2025-06-01' },
    },
    DEMO_KEYS.carol,
  );
  t.match(ok.entry, { name: 'Screen 9', folder_id: DEMO_IDS.folders.guideLibrary, schema: { id: DEMO_IDS.entrySchemas.crisprScreen } });
  t.match(ok.entry.id, /^etr_/);
  const read = await call('entry_get', { entry_id: ok.entry.id }, DEMO_KEYS.carol);
  t.match(read.entry.fields, { MOI: { value: 0.3 }, Guides: { value: [DEMO_IDS.customEntities.sgEmx1] } });

  const noSchema = await toolError(call('entry_create', { name: 'x', folder_id: DEMO_IDS.folders.guideLibrary, fields: { a: 'b' } }));
  t.match(noSchema.message, /fields need a schema_id/);
  const wrongSchema = await toolError(call('entry_create', { name: 'x', folder_id: DEMO_IDS.folders.guideLibrary, schema_id: DEMO_IDS.entitySchemas.plasmid }));
  t.match(wrongSchema.message, /ts_Plasmd01 is not an entry schema/);
  const upstream = await toolError(call('entry_create', { name: 'x', folder_id: DEMO_IDS.folders.abNotebook }, BOB));
  t.match(upstream.message, /Benchling refused the request \(HTTP 400.*folder lib_AbNbk001 not found/, "Benchling's own refusal is passed on");
});

t.test('entry_update: schema-checked, and never over a newer change', async (t) => {
  const id = DEMO_IDS.entries.firstRun;
  const read = await call('entry_get', { entry_id: id, include_notes: false });
  const stale = await toolError(call('entry_update', { entry_id: id, if_modified_at: '2020-01-01T00:00:00.000Z', name: 'x' }));
  t.equal(stale.code, 'conflict');
  t.match(stale.message, /changed since you read it.*nothing was written/);
  const bad = await toolError(call('entry_update', { entry_id: id, if_modified_at: read.entry.modified_at, fields: { 'Temperature (C)': 'warm', Nope: 1 } }));
  t.equal(bad.code, 'schema_validation');
  t.match(bad.message, /Nothing was changed/);
  t.match(bad.message, /"Temperature \(C\)" expects/);
  t.match(bad.message, /"Nope": .*no such field/);
  t.notMatch(bad.message, /is required/, 'fields not given are not checked');
  const unchanged = await call('entry_get', { entry_id: id, include_notes: false });
  t.equal(unchanged.entry.modified_at, read.entry.modified_at, 'nothing was written');

  const done = await call('entry_update', {
    entry_id: id,
    if_modified_at: read.entry.modified_at,
    name: 'ER-01 renamed',
    fields: { 'Quilt Package': 'quilt+s3://b#package=lab/x@abc' },
  });
  t.same(done.changed, ['name', 'Quilt Package']);
  t.equal(done.entry.name, 'ER-01 renamed');
  t.equal(done.entry.fields['Quilt Package'].value, 'quilt+s3://b#package=lab/x@abc');
  for (const [name, field] of Object.entries(read.entry.fields as Record<string, { value: unknown }>)) {
    if (name !== 'Quilt Package') t.same(done.entry.fields[name].value, field.value, `${name} kept`);
  }
  const again = await toolError(call('entry_update', { entry_id: id, if_modified_at: read.entry.modified_at, name: 'ER-01 again' }));
  t.equal(again.code, 'conflict', 'the old modified_at no longer matches');
  const none = await toolError(call('entry_update', { entry_id: id, if_modified_at: done.entry.modified_at }));
  t.match(none.message, /Give a name or fields/);
});

t.test('dna_sequence_create and custom_entity_create', async (t) => {
  const bad = await toolError(
    call('dna_sequence_create', {
      name: 'pX',
      bases: 'ATGC',
      is_circular: true,
      folder_id: DEMO_IDS.folders.peConstructs,
      schema_id: DEMO_IDS.entitySchemas.plasmid,
    }),
  );
  t.match(bad.message, /"Resistance" is required/);
  const wrongKind = await toolError(
    call('dna_sequence_create', {
      name: 'pX',
      bases: 'ATGC',
      is_circular: true,
      folder_id: DEMO_IDS.folders.peConstructs,
      schema_id: DEMO_IDS.entitySchemas.cellLine,
    }),
  );
  t.match(wrongKind.message, /is for custom entity objects, not DNA sequences/);
  t.throws(() => tool('dna_sequence_create').input.parse({ name: 'pX', bases: 'ATG C', is_circular: true, folder_id: 'lib_PeCon003' }), /IUPAC/);
  t.throws(
    () =>
      tool('dna_sequence_create').input.parse({
        name: 'pX',
        bases: 'ATGC',
        is_circular: true,
        folder_id: 'lib_PeCon003',
        annotations: [{ name: 'f', start: 2, end: 9 }],
      }),
    /annotation/,
  );

  const dna = await call('dna_sequence_create', {
    name: 'pTest-1',
    bases: 'ATGGTGAGCAAGGGCGAGGAGCTGTTCACCGGG',
    is_circular: false,
    folder_id: DEMO_IDS.folders.peConstructs,
    schema_id: DEMO_IDS.entitySchemas.plasmid,
    fields: { Resistance: 'Kanamycin' },
    aliases: ['test plasmid'],
    annotations: [{ name: 'start', start: 0, end: 3, type: 'CDS' }],
  });
  t.match(dna.dna_sequence, { name: 'pTest-1', length: 33, is_circular: false, aliases: ['test plasmid'], schema: { id: DEMO_IDS.entitySchemas.plasmid } });
  const read = await call('dna_sequence_get', { dna_sequence_id: dna.dna_sequence.id });
  t.match(read.dna_sequence, {
    bases: 'ATGGTGAGCAAGGGCGAGGAGCTGTTCACCGGG',
    fields: { Resistance: { value: 'Kanamycin' } },
    annotations: [{ name: 'start', type: 'CDS' }],
  });

  const cellBad = await toolError(
    call(
      'custom_entity_create',
      {
        name: 'HeLa',
        schema_id: DEMO_IDS.entitySchemas.cellLine,
        folder_id: DEMO_IDS.folders.cellLines,
        fields: { Organism: 'Homo sapiens', 'Passage Number': -1, 'Cas9 Expressing': 'maybe', 'Parental Line': 'etr_ExpRn001' },
      },
      DEMO_KEYS.carol,
    ),
  );
  t.match(cellBad.message, /"Passage Number" expects a number of at least 0/);
  t.match(cellBad.message, /"Cas9 Expressing" expects true or false/);
  t.match(
    cellBad.message,
    /"Parental Line" expects an entity id \(seq_\.\.\., prtn_\.\.\. or bfi_\.\.\.\); got "etr_ExpRn001"/,
    'link ids are checked by prefix',
  );
  const cell = await call(
    'custom_entity_create',
    {
      name: 'HeLa',
      schema_id: DEMO_IDS.entitySchemas.cellLine,
      folder_id: DEMO_IDS.folders.cellLines,
      fields: { Organism: 'Homo sapiens', 'Passage Number': 3, 'Cas9 Expressing': false },
    },
    DEMO_KEYS.carol,
  );
  t.match(cell.custom_entity, { name: 'HeLa', folder_id: DEMO_IDS.folders.cellLines });
  t.match(cell.custom_entity.id, /^bfi_/);
  const wrongKind2 = await toolError(
    call('custom_entity_create', { name: 'x', schema_id: DEMO_IDS.entitySchemas.plasmid, folder_id: DEMO_IDS.folders.cellLines }),
  );
  t.match(wrongKind2.message, /is for DNA sequence objects, not custom entities/);
});
