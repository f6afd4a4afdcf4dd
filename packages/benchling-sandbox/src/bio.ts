/** Small sequence helpers: validating input bases, matching the `bases` filter, translating seed ORFs. */

const COMPLEMENT: Record<string, string> = {
  A: 'T',
  T: 'A',
  U: 'A',
  G: 'C',
  C: 'G',
  N: 'N',
  R: 'Y',
  Y: 'R',
  K: 'M',
  M: 'K',
  S: 'S',
  W: 'W',
  B: 'V',
  V: 'B',
  D: 'H',
  H: 'D',
};

/** IUPAC nucleotide codes, which Benchling accepts in DNA bases. */
export const DNA_BASES = /^[ACGTUNRYKMSWBDHVacgtunrykmswbdhv]*$/;
/** The 20 amino acids plus the IUPAC ambiguity letters and the stop `*`. */
export const AMINO_ACIDS = /^[ACDEFGHIKLMNPQRSTVWYBZXUOJacdefghiklmnpqrstvwybzxuoj*]*$/;

export function reverseComplement(bases: string): string {
  let out = '';
  for (let i = bases.length - 1; i >= 0; i--) out += COMPLEMENT[bases[i]!.toUpperCase()] ?? 'N';
  return out;
}

/**
 * The `bases` list filter: "case-insensitive, allowing for circular or reverse complement matches", full
 * sequence only (no partial or degenerate matching).
 */
export function basesMatch(query: string, stored: string, isCircular: boolean): boolean {
  const q = query.toUpperCase();
  const s = stored.toUpperCase();
  if (q.length !== s.length) return false;
  const rc = reverseComplement(q);
  if (q === s || rc === s) return true;
  if (!isCircular) return false;
  const doubled = s + s;
  return doubled.includes(q) || doubled.includes(rc);
}

const BASES = 'TCAG';
// Standard genetic code, codons ordered TTT, TTC, TTA, TTG, TCT, ... (first base slowest).
const STANDARD_CODE = 'FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG';

export function translate(cds: string): string {
  let protein = '';
  const seq = cds.toUpperCase().replace(/U/g, 'T');
  for (let i = 0; i + 3 <= seq.length; i += 3) {
    const codon = seq.slice(i, i + 3);
    const idx = [...codon].reduce((acc, b) => (acc < 0 || !BASES.includes(b) ? -1 : acc * 4 + BASES.indexOf(b)), 0);
    protein += idx < 0 ? 'X' : STANDARD_CODE[idx];
  }
  return protein;
}

/** One preferred human codon per amino acid: enough to back-translate seed proteins into plausible CDSs. */
const PREFERRED_CODON: Record<string, string> = {
  A: 'GCC',
  R: 'CGG',
  N: 'AAC',
  D: 'GAC',
  C: 'TGC',
  Q: 'CAG',
  E: 'GAG',
  G: 'GGC',
  H: 'CAC',
  I: 'ATC',
  L: 'CTG',
  K: 'AAG',
  M: 'ATG',
  F: 'TTC',
  P: 'CCC',
  S: 'AGC',
  T: 'ACC',
  W: 'TGG',
  Y: 'TAC',
  V: 'GTG',
  '*': 'TGA',
};

export function backTranslate(protein: string): string {
  return [...protein.toUpperCase()].map((aa) => PREFERRED_CODON[aa] ?? 'NNN').join('');
}
