import { backTranslate, translate } from '../bio.js';
import type { AaAnnotationRecord, AaSequenceRecord, DnaAnnotationRecord, DnaSequenceRecord, RnaSequenceRecord, TranslationRecord } from '../store/types.js';
import { DEMO_IDS, DEMO_REGISTRY_ID, DEMO_USERS } from './demo-ids.js';
import { seedTime } from './time.js';

/*
 * Seed sequences. The functional elements (T7 promoter, lac operator, RBS, His-tag/thrombin site, EGFP, T7
 * terminator, human U6 promoter, sgRNA scaffold, trastuzumab variable domains) are the published sequences;
 * plasmid backbones between them are deterministic filler with a plasmid-like GC content, so lengths look real
 * without pretending to be the exact commercial vectors. Only real elements are annotated.
 */

const ELEMENT = {
  t7Promoter: 'TAATACGACTCACTATAGGG',
  lacOperator: 'GGAATTGTGAGCGGATAACAATTCC',
  preRbs: 'CCTCTAGAAATAATTTTGTTTAACTTTAAG',
  rbs: 'AAGGAGATATACC',
  his6Thrombin: 'ATGGGCAGCAGCCATCATCATCATCATCACAGCAGCGGCCTGGTGCCGCGCGGCAGCCAT',
  egfp:
    'ATGGTGAGCAAGGGCGAGGAGCTGTTCACCGGGGTGGTGCCCATCCTGGTCGAGCTGGACGGCGACGTAAACGGCCACAAGTTCAGCGTGTCCGGCGAGGGCGAGGGC' +
    'GATGCCACCTACGGCAAGCTGACCCTGAAGTTCATCTGCACCACCGGCAAGCTGCCCGTGCCCTGGCCCACCCTCGTGACCACCCTGACCTACGGCGTGCAGTGCTTC' +
    'AGCCGCTACCCCGACCACATGAAGCAGCACGACTTCTTCAAGTCCGCCATGCCCGAAGGCTACGTCCAGGAGCGCACCATCTTCTTCAAGGACGACGGCAACTACAAG' +
    'ACCCGCGCCGAGGTGAAGTTCGAGGGCGACACCCTGGTGAACCGCATCGAGCTGAAGGGCATCGACTTCAAGGAGGACGGCAACATCCTGGGGCACAAGCTGGAGTAC' +
    'AACTACAACAGCCACAACGTCTATATCATGGCCGACAAGCAGAAGAACGGCATCAAGGTGAACTTCAAGATCCGCCACAACATCGAGGACGGCAGCGTGCAGCTCGCC' +
    'GACCACTACCAGCAGAACACCCCCATCGGCGACGGCCCCGTGCTGCTGCCCGACAACCACTACCTGAGCACCCAGTCCGCCCTGAGCAAAGACCCCAACGAGAAGCGC' +
    'GATCACATGGTCCTGCTGGAGTTCGTGACCGCCGCCGGGATCACTCTCGGCATGGACGAGCTGTACAAGTAA',
  t7Terminator: 'CTAGCATAACCCCTTGGGGCCTCTAAACGGGTCTTGAGGGGTTTTTTG',
  u6Promoter:
    'GAGGGCCTATTTCCCATGATTCCTTCATATTTGCATATACGATACAAGGCTGTTAGAGAGATAATTGGAATTAATTTGACTGTAAACACAAAGATATTAGTACAAAAT' +
    'ACGTGACGTAGAAAGTAATAATTTCTTGGGTAGTTTGCAGTTTTAAAATTATGTTTTAAAATGGACTATCATATGCTTACCGTAACTTGAAAGTATTTCGATTTCTTGG' +
    'CTTTATATATCTTGTGGAAAGGACGAAACACCG',
  sgScaffold: 'GTTTTAGAGCTAGAAATAGCAAGTTAAAATAAGGCTAGTCCGTTATCAACTTGAAAAAGTGGCACCGAGTCGGTGC',
  polyT: 'TTTTTT',
} as const;

export const TRASTUZUMAB_VH = 'EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS';
export const TRASTUZUMAB_VL = 'DIQMTQSPSSLSASVGDRVTITCRASQDVNTAVAWYQQKPGKAPKLLIYSASFLYSGVPSRFSGSRSGTDFTLTISSLQPEDFATYYCQQHYTTPPTFGQGTKVEIK';

export const SPACERS = {
  emx1: 'GAGTCCGAGCAGAAGAAGAA',
  aavs1: 'GGGGCCACTAGGGACAGGAT',
  vegfa: 'GGTGAGTGAGTGTGTGCGTG',
} as const;

/** mulberry32: a tiny deterministic PRNG, so the filler is identical on every seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function filler(length: number, seed: number): string {
  const rand = prng(seed);
  let out = '';
  // ~52% GC, like pBR322-derived backbones.
  for (let i = 0; i < length; i++) {
    const r = rand();
    out += r < 0.24 ? 'A' : r < 0.48 ? 'T' : r < 0.74 ? 'G' : 'C';
  }
  return out;
}

type Part = { bases: string; annotate?: { name: string; type: string; color: string; strand?: -1 | 0 | 1 }; translate?: string };

/** Concatenates parts, recording 0-based, end-exclusive coordinates as Benchling's annotations use. */
function assemble(parts: Part[]): { bases: string; annotations: DnaAnnotationRecord[]; translations: TranslationRecord[] } {
  let bases = '';
  const annotations: DnaAnnotationRecord[] = [];
  const translations: TranslationRecord[] = [];
  for (const part of parts) {
    const start = bases.length;
    bases += part.bases;
    if (part.annotate) {
      annotations.push({ ...part.annotate, strand: part.annotate.strand ?? 1, start, end: bases.length, notes: '' });
    }
    if (part.translate) {
      translations.push({
        name: part.translate,
        start,
        end: bases.length,
        strand: 1,
        aminoAcids: translate(part.bases).replace(/\*$/, ''),
        color: '#F58A5E',
        notes: '',
      });
    }
  }
  return { bases, annotations, translations };
}

const common = {
  customFields: {},
  aliases: [] as string[],
  archiveReason: null,
};

function registered(prefixNumber: string, day: number) {
  return { registryId: DEMO_REGISTRY_ID, entityRegistryId: prefixNumber, registeredAt: seedTime(day, 15) };
}
const unregistered = { registryId: null, entityRegistryId: null, registeredAt: null };

export function seedDnaSequences(): DnaSequenceRecord[] {
  const D = DEMO_IDS.dnaSequences;
  const F = DEMO_IDS.folders;
  const plasmid = DEMO_IDS.entitySchemas.plasmid;
  const alice = DEMO_USERS.alice.id;
  const bob = DEMO_USERS.bob.id;
  const carol = DEMO_USERS.carol.id;

  const t7Cassette = (insert: Part[]): Part[] => [
    { bases: filler(760, 28) },
    { bases: ELEMENT.t7Promoter, annotate: { name: 'T7 promoter', type: 'promoter', color: '#31B440' } },
    { bases: ELEMENT.lacOperator, annotate: { name: 'lac operator', type: 'protein_bind', color: '#85DAE9' } },
    { bases: ELEMENT.preRbs },
    { bases: ELEMENT.rbs, annotate: { name: 'RBS', type: 'RBS', color: '#C7B0E3' } },
    ...insert,
    { bases: ELEMENT.t7Terminator, annotate: { name: 'T7 terminator', type: 'terminator', color: '#FF9CCD' } },
    { bases: filler(4420, 5369) },
  ];

  const petEgfp = assemble(
    t7Cassette([
      { bases: ELEMENT.his6Thrombin.slice(0, 9) },
      { bases: ELEMENT.his6Thrombin.slice(9, 27), annotate: { name: '6xHis', type: 'CDS', color: '#FAAC61' } },
      { bases: ELEMENT.his6Thrombin.slice(27, 36) },
      { bases: ELEMENT.his6Thrombin.slice(36, 54), annotate: { name: 'thrombin site', type: 'CDS', color: '#D6E7A3' } },
      { bases: ELEMENT.his6Thrombin.slice(54) },
      { bases: ELEMENT.egfp, annotate: { name: 'EGFP', type: 'CDS', color: '#31B440' } },
    ]),
  );
  // One translation across the whole fusion ORF, as a user would add it in Benchling.
  const orfStart = petEgfp.annotations.find((a) => a.name === 'RBS')!.end;
  const orfEnd = petEgfp.annotations.find((a) => a.name === 'EGFP')!.end;
  petEgfp.translations.push({
    name: '6xHis-thrombin-EGFP',
    start: orfStart,
    end: orfEnd,
    strand: 1,
    aminoAcids: translate(petEgfp.bases.slice(orfStart, orfEnd)).replace(/\*$/, ''),
    color: '#F58A5E',
    notes: '',
  });

  // A feature across the origin of the circular plasmid: start > end, as Benchling writes such features.
  petEgfp.annotations.push({
    name: 'origin junction',
    type: 'misc_feature',
    start: petEgfp.bases.length - 40,
    end: 40,
    strand: 0,
    color: '#C6C9D1',
    notes: 'Spans the numbering origin of the circular map.',
  });

  const petEmpty = assemble(t7Cassette([{ bases: ELEMENT.his6Thrombin, annotate: { name: '6xHis-thrombin', type: 'CDS', color: '#FAAC61' } }]));
  const egfpOrf = assemble([{ bases: ELEMENT.egfp, annotate: { name: 'EGFP', type: 'CDS', color: '#31B440' }, translate: 'EGFP' }]);

  const lentiGuide = (spacer: string, seed: number) =>
    assemble([
      { bases: filler(1180, seed) },
      { bases: ELEMENT.u6Promoter, annotate: { name: 'U6 promoter', type: 'promoter', color: '#31B440' } },
      { bases: spacer, annotate: { name: 'sgRNA spacer', type: 'misc_RNA', color: '#F8D3A9' } },
      { bases: ELEMENT.sgScaffold, annotate: { name: 'gRNA scaffold', type: 'misc_RNA', color: '#C6C9D1' } },
      { bases: ELEMENT.polyT, annotate: { name: 'U6 terminator', type: 'terminator', color: '#FF9CCD' } },
      { bases: filler(6300, seed + 1) },
    ]);
  const emx1 = lentiGuide(SPACERS.emx1, 101);
  const aavs1 = lentiGuide(SPACERS.aavs1, 202);

  const hcCds = assemble([{ bases: backTranslate(`M${TRASTUZUMAB_VH}*`), annotate: { name: 'VH', type: 'CDS', color: '#9EAFD2' }, translate: 'VH' }]);

  const base = (id: string, name: string, folderId: string, creatorId: string, day: number) => ({
    ...common,
    id,
    name,
    folderId,
    creatorId,
    authorIds: [creatorId],
    createdAt: seedTime(day, 10),
    modifiedAt: seedTime(day, 16, 30),
  });

  return [
    {
      ...base(D.petEgfp, 'pET-28a-EGFP', F.peConstructs, alice, 1),
      ...registered('PLS001', 1),
      schemaId: plasmid,
      fields: { Backbone: 'pET-28a(+)', Resistance: 'Kanamycin', 'Copy Number': 'Medium', Insert: '6xHis-thrombin-EGFP' },
      aliases: ['pPE-001'],
      isCircular: true,
      ...petEgfp,
    },
    {
      ...base(D.petBackbone, 'pET-28a(+) backbone', F.peConstructs, alice, 0),
      ...registered('PLS002', 0),
      schemaId: plasmid,
      fields: { Backbone: 'pET-28a(+)', Resistance: 'Kanamycin', 'Copy Number': 'Medium', Insert: null },
      isCircular: true,
      ...petEmpty,
    },
    {
      ...base(D.egfpOrf, 'EGFP ORF', F.peConstructs, bob, 2),
      ...unregistered,
      schemaId: null,
      fields: {},
      isCircular: false,
      ...egfpOrf,
    },
    {
      ...base(D.lentiGuideEmx1, 'lentiGuide-EMX1-sg1', F.guideLibrary, carol, 5),
      ...registered('PLS003', 5),
      schemaId: plasmid,
      fields: { Backbone: 'lentiGuide-Puro', Resistance: 'Ampicillin; Puromycin', 'Copy Number': 'High', Insert: 'EMX1 sgRNA 1' },
      isCircular: true,
      ...emx1,
    },
    {
      ...base(D.lentiGuideAavs1, 'lentiGuide-AAVS1-sg2', F.guideLibrary, carol, 5),
      ...registered('PLS004', 5),
      schemaId: plasmid,
      fields: { Backbone: 'lentiGuide-Puro', Resistance: 'Ampicillin; Puromycin', 'Copy Number': 'High', Insert: 'AAVS1 sgRNA 2' },
      isCircular: true,
      ...aavs1,
    },
    {
      ...base(D.trastuzumabHcCds, 'Trastuzumab VH CDS (human codon-optimised)', F.abClones, alice, 9),
      ...unregistered,
      schemaId: null,
      fields: {},
      isCircular: false,
      ...hcCds,
    },
  ];
}

function aaAnnotations(protein: string, id: string, regions: { name: string; motif: string; type: string; color: string }[]): AaAnnotationRecord[] {
  const out: AaAnnotationRecord[] = [];
  regions.forEach((r, i) => {
    const start = protein.indexOf(r.motif);
    if (start >= 0) out.push({ id: `${id}_ann${i + 1}`, name: r.name, type: r.type, start, end: start + r.motif.length, color: r.color, notes: '' });
  });
  return out;
}

export function seedAaSequences(): AaSequenceRecord[] {
  const A = DEMO_IDS.aaSequences;
  const F = DEMO_IDS.folders;
  const protein = DEMO_IDS.entitySchemas.protein;
  const bl21 = DEMO_IDS.customEntities.bl21;
  const alice = DEMO_USERS.alice.id;
  const bob = DEMO_USERS.bob.id;

  const egfp = translate(ELEMENT.egfp).replace(/\*$/, '');
  const his6Egfp = translate(ELEMENT.his6Thrombin + ELEMENT.egfp).replace(/\*$/, '');
  const chromophore = { name: 'chromophore (TYG)', motif: 'LTYGV', type: 'site', color: '#31B440' };

  const base = (id: string, name: string, folderId: string, creatorId: string, day: number) => ({
    ...common,
    id,
    name,
    folderId,
    creatorId,
    authorIds: [creatorId],
    createdAt: seedTime(day, 11),
    modifiedAt: seedTime(day, 17),
  });

  return [
    {
      ...base(A.egfp, 'EGFP', F.peConstructs, alice, 1),
      ...registered('PRT001', 1),
      schemaId: protein,
      fields: { 'Expression Host': bl21, 'Molecular Weight (kDa)': 26.9, Tag: 'none' },
      aliases: ['enhanced GFP'],
      aminoAcids: egfp,
      annotations: aaAnnotations(egfp, A.egfp, [chromophore]),
    },
    {
      ...base(A.his6Egfp, '6xHis-thrombin-EGFP', F.peConstructs, bob, 2),
      ...registered('PRT002', 2),
      schemaId: protein,
      fields: { 'Expression Host': bl21, 'Molecular Weight (kDa)': 29.1, Tag: 'N-terminal 6xHis' },
      aminoAcids: his6Egfp,
      annotations: aaAnnotations(his6Egfp, A.his6Egfp, [
        { name: '6xHis', motif: 'HHHHHH', type: 'tag', color: '#FAAC61' },
        { name: 'thrombin site', motif: 'LVPRGS', type: 'site', color: '#D6E7A3' },
        chromophore,
      ]),
    },
    {
      ...base(A.trastuzumabVh, 'Trastuzumab VH (reference)', F.abClones, alice, 9),
      ...unregistered,
      schemaId: protein,
      fields: { 'Expression Host': null, 'Molecular Weight (kDa)': 13.4, Tag: 'none' },
      aminoAcids: TRASTUZUMAB_VH,
      annotations: aaAnnotations(TRASTUZUMAB_VH, A.trastuzumabVh, [
        { name: 'CDR-H1', motif: 'DTYIH', type: 'CDR', color: '#F58A5E' },
        { name: 'CDR-H2', motif: 'RIYPTNGYTRYADSVKG', type: 'CDR', color: '#F58A5E' },
        { name: 'CDR-H3', motif: 'WGGDGFYAMDY', type: 'CDR', color: '#F58A5E' },
      ]),
    },
    {
      ...base(A.trastuzumabVl, 'Trastuzumab VL (reference)', F.abClones, alice, 9),
      ...unregistered,
      schemaId: protein,
      fields: { 'Expression Host': null, 'Molecular Weight (kDa)': 11.7, Tag: 'none' },
      aminoAcids: TRASTUZUMAB_VL,
      annotations: aaAnnotations(TRASTUZUMAB_VL, A.trastuzumabVl, [
        { name: 'CDR-L1', motif: 'RASQDVNTAVA', type: 'CDR', color: '#F58A5E' },
        { name: 'CDR-L2', motif: 'SASFLYS', type: 'CDR', color: '#F58A5E' },
        { name: 'CDR-L3', motif: 'QQHYTTPPT', type: 'CDR', color: '#F58A5E' },
      ]),
    },
  ];
}

/** RNA bases from DNA bases (T → U). */
function rna(dna: string): string {
  return dna.replace(/T/g, 'U');
}

export function seedRnaSequences(): RnaSequenceRecord[] {
  const R = DEMO_IDS.rnaSequences;
  const F = DEMO_IDS.folders;
  const carol = DEMO_USERS.carol.id;
  const bob = DEMO_USERS.bob.id;
  const utr5 = 'GGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACC';
  const polyA = 'A'.repeat(60);
  const mrna = assemble([
    { bases: utr5, annotate: { name: "5' UTR", type: "5'UTR", color: '#C7B0E3' } },
    { bases: rna(ELEMENT.egfp), annotate: { name: 'EGFP', type: 'CDS', color: '#31B440' }, translate: 'EGFP' },
    // The tail runs to the end of the sequence: its end is written 0 in answers.
    { bases: polyA, annotate: { name: 'poly(A) tail', type: 'polyA_signal', color: '#FF9CCD' } },
  ]);
  const sgRna = assemble([
    { bases: rna(SPACERS.emx1), annotate: { name: 'EMX1 spacer', type: 'misc_RNA', color: '#F8D3A9' } },
    { bases: rna(ELEMENT.sgScaffold), annotate: { name: 'gRNA scaffold', type: 'misc_RNA', color: '#C6C9D1' } },
  ]);
  const base = (id: string, name: string, folderId: string, creatorId: string, day: number) => ({
    ...common,
    id,
    name,
    folderId,
    creatorId,
    authorIds: [creatorId],
    createdAt: seedTime(day, 11),
    modifiedAt: seedTime(day, 17),
    schemaId: null,
    fields: {},
    isCircular: false,
    ...unregistered,
  });
  return [
    { ...base(R.egfpMrna, 'EGFP mRNA (IVT)', F.peConstructs, bob, 6), aliases: ['EGFP-mRNA'], ...mrna },
    { ...base(R.sgEmx1Synthetic, 'EMX1 sgRNA (synthetic)', F.guideLibrary, carol, 7), ...sgRna },
  ];
}
