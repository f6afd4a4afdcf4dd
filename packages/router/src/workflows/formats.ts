/**
 * The files a packaged Benchling entry holds: JSON with sorted keys (the same data always gives the same bytes,
 * hence the same Quilt hashes), and sequences as GenBank and FASTA.
 */

/** JSON with object keys sorted at every level, two-space indented, with a final newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export interface SequenceRecord {
  id: string;
  name: string;
  /** Bases (DNA) or residues (AA). */
  residues: string;
  kind: 'dna' | 'aa';
  circular: boolean;
  /** ISO date-time the record dates from (the object's creation: stable while its data is). */
  date: string | null;
  webUrl: string | null;
  /** Benchling's annotations: 0-based start, exclusive end, strand 1 / -1 / 0. */
  features: { name: string; type: string | null; start: number | null; end: number | null; strand?: number | null }[];
}

export function fasta(record: SequenceRecord): string {
  const lines = [`>${record.id} ${record.name}`.trimEnd()];
  for (let i = 0; i < record.residues.length; i += 60) lines.push(record.residues.slice(i, i + 60));
  return `${lines.join('\n')}\n`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function genbankDate(iso: string | null): string {
  const date = iso ? new Date(iso) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '01-JAN-1970';
  return `${String(date.getUTCDate()).padStart(2, '0')}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()}`;
}

/** A GenBank flat file (GenPept layout for proteins): LOCUS, DEFINITION, ACCESSION, FEATURES, ORIGIN. */
export function genbank(record: SequenceRecord): string {
  const dna = record.kind === 'dna';
  const locusName = record.name.replace(/[^\w.-]+/g, '_').slice(0, 16) || record.id;
  const length = String(record.residues.length);
  const out = [
    `LOCUS       ${locusName.padEnd(16)} ${length.padStart(11)} ${dna ? 'bp' : 'aa'}    ${dna ? 'DNA   ' : '      '}  ${record.circular ? 'circular' : 'linear  '} UNK ${genbankDate(record.date)}`,
    `DEFINITION  ${record.name || record.id}.`,
    `ACCESSION   ${record.id}`,
    `VERSION     ${record.id}`,
    'KEYWORDS    .',
    ...(record.webUrl ? [`DBLINK      Benchling: ${record.webUrl}`] : []),
    'SOURCE      .',
    '  ORGANISM  .',
    'FEATURES             Location/Qualifiers',
    `     source          1..${length}`,
  ];
  for (const f of record.features) {
    if (f.start === null || f.end === null || f.end <= f.start) continue;
    const span = `${f.start + 1}..${f.end}`;
    const location = f.strand === -1 ? `complement(${span})` : span;
    const type = (f.type && /^[\w'-]{1,15}$/.test(f.type) ? f.type : 'misc_feature').padEnd(16);
    out.push(`     ${type}${location}`, `                     /label="${f.name.replace(/"/g, "'")}"`);
  }
  out.push('ORIGIN');
  const residues = record.residues.toLowerCase();
  for (let i = 0; i < residues.length; i += 60) {
    const chunk = residues.slice(i, i + 60).match(/.{1,10}/g) ?? [];
    out.push(`${String(i + 1).padStart(9)} ${chunk.join(' ')}`);
  }
  out.push('//');
  return `${out.join('\n')}\n`;
}
