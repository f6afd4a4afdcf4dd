/**
 * The pure parts of `/mcp` and its workflows: tool names, the packaged file formats (stable JSON, FASTA,
 * GenBank) and the provenance digests that make re-packaging idempotent.
 */
import t from 'tap';
import { BACKEND_NAMES, backendToolOf, MERGED_TOOL_NAME, mergedName } from '../src/mcp/names.js';
import { fasta, genbank, stableJson } from '../src/workflows/formats.js';
import { workflowTools } from '../src/workflows/index.js';
import { contentDigest, PROVENANCE_FORMAT, provenanceOf, tenantOf } from '../src/workflows/provenance.js';

t.test('names: prefixed, reversible, in the accepted character set', async (t) => {
  t.equal(mergedName('quilt', 'package_browse'), 'quilt_package_browse');
  t.same(backendToolOf('benchling_entries_list'), { backend: 'benchling', tool: 'entries_list' });
  t.equal(backendToolOf('quilt_'), undefined);
  t.equal(backendToolOf('lab_package_benchling_entry'), undefined, 'workflow names belong to no server');
  t.notOk(MERGED_TOOL_NAME.test(`quilt_${'x'.repeat(60)}`), 'longer than 64 characters');
  t.notOk(MERGED_TOOL_NAME.test('quilt_a.b'));
  for (const tool of workflowTools) {
    t.match(tool.name, MERGED_TOOL_NAME);
    t.notOk(
      BACKEND_NAMES.some((b) => tool.name.startsWith(`${b}_`)),
      `${tool.name} cannot collide with a server's tools`,
    );
  }
});

t.test('stable JSON: the same data, the same bytes', async (t) => {
  t.equal(stableJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), stableJson({ a: { c: null, d: [2, { e: 0, f: 1 }] }, b: 1 }));
  t.equal(stableJson({ b: 1, a: 2 }), '{\n  "a": 2,\n  "b": 1\n}\n');
});

t.test('FASTA and GenBank', async (t) => {
  const record = {
    id: 'seq_Abc12345',
    name: 'pET-EGFP',
    residues: 'ATGC'.repeat(20),
    kind: 'dna' as const,
    circular: true,
    date: '2025-03-04T10:00:00Z',
    webUrl: 'https://x.benchling.com/s/seq_Abc12345',
    features: [
      { name: 'EGFP', type: 'CDS', start: 0, end: 12, strand: 1 },
      { name: 'rev "x"', type: 'misc feature', start: 20, end: 30, strand: -1 },
      { name: 'bad', type: null, start: null, end: 4 },
    ],
  };
  t.equal(fasta(record), `>seq_Abc12345 pET-EGFP\n${'ATGC'.repeat(15)}\n${'ATGC'.repeat(5)}\n`);
  const gb = genbank(record);
  t.equal(gb.split('\n')[0], 'LOCUS       pET-EGFP                  80 bp    DNA     circular UNK 04-MAR-2025');
  t.match(gb, /\nACCESSION {3}seq_Abc12345\n/);
  t.match(gb, /\n {5}CDS {13}1\.\.12\n {21}\/label="EGFP"\n/);
  t.match(gb, /\n {5}misc_feature {4}complement\(21\.\.30\)\n {21}\/label="rev 'x'"\n/, 'an unusable feature key becomes misc_feature');
  t.notMatch(gb, /bad/, 'a feature without a span is left out');
  t.match(gb, /\nORIGIN\n {8}1 atgcatgcat gcatgcatgc atgcatgcat gcatgcatgc atgcatgcat gcatgcatgc\n {7}61 atgcatgcat gcatgcatgc\n\/\/\n$/);
  t.equal(
    genbank({ ...record, kind: 'aa', residues: 'MKV', circular: false }).split('\n')[0],
    'LOCUS       pET-EGFP                   3 aa            linear   UNK 04-MAR-2025',
  );
});

t.test('provenance: digests independent of order, and read back only in its own format', async (t) => {
  const a = { type: 'entry' as const, id: 'etr_1', name: null, web_url: null, schema_id: null, files: [], digest: 'sha256:a' };
  const b = { ...a, type: 'dna_sequence' as const, id: 'seq_1', digest: 'sha256:b' };
  t.equal(contentDigest([a, b]), contentDigest([b, a]));
  t.not(contentDigest([a, b]), contentDigest([a, { ...b, digest: 'sha256:c' }]));
  const provenance = {
    format: PROVENANCE_FORMAT,
    tenant: 'https://x.benchling.com',
    entry_id: 'etr_1',
    write_back_field: 'Quilt Package',
    objects: [a],
    content_digest: contentDigest([a]),
    retrieved_at: '2026-01-01T00:00:00Z',
    tool: { name: 'lab_package_benchling_entry', version: '0.1.0' },
  };
  t.same(provenanceOf({ benchling: provenance }), provenance);
  t.equal(provenanceOf({ benchling: { ...provenance, format: 'other/1' } }), undefined);
  t.equal(provenanceOf(null), undefined);
  t.equal(tenantOf('https://x.benchling.com/s/etr_1'), 'https://x.benchling.com');
  t.equal(tenantOf('not a url'), null);
});
