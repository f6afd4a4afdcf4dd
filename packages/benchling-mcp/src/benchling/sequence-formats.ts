/**
 * FASTA and GenBank text for a sequence read from Benchling, written here rather than through Benchling's
 * asynchronous export task, so an export is one bounded read. Feature coordinates come in plain half-open form
 * (0-based start, exclusive end 1..length; start > end across the origin, see features.ts).
 */

export interface ExportFeature {
  name: string;
  type: string;
  start: number;
  end: number;
  strand: number;
  /** a CDS translation */
  translation?: string;
  notes?: string;
}

export interface ExportSequence {
  id: string;
  name: string;
  registryId: string | null;
  residues: string;
  kind: 'dna' | 'rna' | 'aa';
  circular: boolean;
  features: ExportFeature[];
  /** ISO date-time of the last change */
  modifiedAt: string | null;
}

export function toFasta(s: ExportSequence): string {
  const header = `>${s.registryId ?? s.id} ${oneLine(s.name)}`;
  const lines = [header];
  for (let i = 0; i < s.residues.length; i += 60) lines.push(s.residues.slice(i, i + 60));
  return `${lines.join('\n')}\n`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** GenBank flat file (GenPept-style units for proteins). Locations are 1-based and inclusive. */
export function toGenBank(s: ExportSequence): string {
  const length = s.residues.length;
  const date = s.modifiedAt ? new Date(s.modifiedAt) : undefined;
  const day =
    date && !Number.isNaN(date.getTime())
      ? `${String(date.getUTCDate()).padStart(2, '0')}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()}`
      : '01-JAN-1970';
  const locusName = (s.registryId ?? s.name).replace(/\s+/g, '_').slice(0, 16) || s.id;
  const unit = s.kind === 'aa' ? 'aa' : 'bp';
  const molType = s.kind === 'aa' ? '' : s.kind === 'rna' ? 'RNA' : 'DNA';
  const topology = s.kind === 'aa' ? '' : s.circular ? 'circular' : 'linear';
  const out: string[] = [];
  out.push(`LOCUS       ${locusName.padEnd(16)} ${String(length).padStart(11)} ${unit} ${molType.padEnd(6)}  ${topology.padEnd(8)}     ${day}`.trimEnd());
  out.push(`DEFINITION  ${oneLine(s.name)}.`);
  out.push(`ACCESSION   ${s.registryId ?? s.id}`);
  out.push(`KEYWORDS    .`);
  out.push(`SOURCE      Benchling ${s.id}`);
  out.push('FEATURES             Location/Qualifiers');
  out.push(`     ${'source'.padEnd(16)}1..${length}`);
  for (const f of s.features) {
    out.push(`     ${(f.type || 'misc_feature').replace(/\s+/g, '_').slice(0, 15).padEnd(16)}${location(f, length)}`);
    if (f.name) out.push(qualifier('label', f.name));
    if (f.notes) out.push(qualifier('note', f.notes));
    if (f.translation) out.push(qualifier('translation', f.translation));
  }
  out.push('ORIGIN');
  const residues = s.residues.toLowerCase();
  for (let i = 0; i < residues.length; i += 60) {
    const chunk = residues.slice(i, i + 60);
    const groups = chunk.match(/.{1,10}/g) ?? [];
    out.push(`${String(i + 1).padStart(9)} ${groups.join(' ')}`);
  }
  out.push('//');
  return `${out.join('\n')}\n`;
}

function location(f: ExportFeature, length: number): string {
  const span = f.start < f.end ? `${f.start + 1}..${f.end}` : `join(${f.start + 1}..${length},1..${f.end})`;
  return f.strand === -1 ? `complement(${span})` : span;
}

/** A `/name="value"` qualifier, wrapped at 79 columns as GenBank readers expect. */
function qualifier(name: string, value: string): string {
  const text = `/${name}="${oneLine(value).replace(/"/g, "'")}"`;
  const width = 79 - 21;
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(`${' '.repeat(21)}${text.slice(i, i + width)}`);
  return lines.join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
