/**
 * The Benchling tools end to end: MCP clients of both generations → router → benchling-mcp → sandbox, as the
 * real processes. Every tool, paging, Benchling's errors, auth failures in the metrics, two users with their
 * own keys at the same time, and no key in any log line.
 */
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
  'aa_sequences_list',
  'aa_sequence_get',
  'custom_entities_list',
  'custom_entity_get',
  'schemas_list',
  'search',
];
const WRITES = ['entry_create', 'dna_sequence_create', 'custom_entity_create', 'entry_update'];

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
    t.same(tools.map((x) => x.name).sort(), [...READS, ...WRITES].sort(), 'exactly these tools');
    for (const tool of tools) {
      t.ok(tool.outputSchema, `${tool.name} has an output schema`);
      if (READS.includes(tool.name)) t.match(tool.annotations, { readOnlyHint: true }, `${tool.name} read-only`);
      else if (tool.name === 'entry_update')
        t.match(tool.annotations, { readOnlyHint: false, destructiveHint: true, idempotentHint: false }, 'entry_update replaces values');
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
});

t.test('no key in any log line', async (t) => {
  await new Promise((r) => setTimeout(r, 200));
  const logs = bundle.logs();
  t.ok(logs.length > 0);
  for (const key of [ALICE, BOB, CAROL, BAD_KEY]) {
    t.notOk(logs.includes(key), `${key.slice(0, 12)}… not logged`);
    t.notOk(logs.includes(Buffer.from(`${key}:`).toString('base64')), `nor as a Basic credential`);
  }
});
