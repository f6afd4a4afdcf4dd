import type { AssayResultRecord, AssayRunRecord, FieldDefinitionRecord, SchemaRecord } from '../store/types.js';
import { DEMO_IDS, DEMO_USERS } from './demo-ids.js';
import { seedTime } from './time.js';

/**
 * The demo assay: a "Protein Yield" result schema with one result per expression run ER-01..ER-06, tied to the
 * run's entry, construct, host strain, the purified protein and (for the first three) the plate-reader run
 * and the IMAC plate wells. Field names are system names, as Benchling keys result fields.
 */

const S = DEMO_IDS.assaySchemas;

const field = (id: string, name: string, type: FieldDefinitionRecord['type'], extra: Partial<FieldDefinitionRecord> = {}): FieldDefinitionRecord => ({
  id,
  name,
  type,
  isMulti: false,
  isRequired: false,
  ...extra,
});

export function seedAssaySchemas(): SchemaRecord[] {
  return [
    {
      id: S.proteinYield,
      name: 'Protein Yield',
      kind: 'assay_result',
      prefix: null,
      registryId: null,
      modifiedAt: seedTime(2, 9),
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_AyConst1', 'construct', 'dna_sequence_link', { isRequired: true }),
        field('tsf_AyHost02', 'host_strain', 'custom_entity_link', { linkedSchemaId: DEMO_IDS.entitySchemas.bacterialStrain }),
        field('tsf_AyProt03', 'protein', 'aa_sequence_link'),
        field('tsf_AyYield4', 'yield_mg_per_l', 'float', { isRequired: true, numericMin: 0, decimalPrecision: 1 }),
        field('tsf_AyA2805', 'a280', 'float', { decimalPrecision: 2 }),
        field('tsf_AySolub6', 'soluble', 'boolean'),
        field('tsf_AyWell07', 'sample_well', 'storage_link'),
        field('tsf_AyRun008', 'plate_reader_run', 'assay_run_link', { linkedSchemaId: S.plateReader }),
        field('tsf_AyNote09', 'comment', 'text'),
        field('tsf_AyBlob10', 'plate_reader_export', 'blob_link'),
      ],
    },
    {
      id: S.plateReader,
      name: 'Plate Reader Session',
      kind: 'assay_run',
      prefix: null,
      registryId: null,
      modifiedAt: seedTime(2, 9),
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_PrInst01', 'instrument', 'text'),
        field('tsf_PrDate02', 'read_date', 'date'),
        field('tsf_PrWave03', 'wavelength_nm', 'integer'),
      ],
    },
  ];
}

export function seedAssayRuns(): AssayRunRecord[] {
  return [
    {
      id: DEMO_IDS.assayRuns.plateReader1,
      schemaId: S.plateReader,
      fields: { instrument: 'SpectraMax M5', read_date: seedTime(24, 0).slice(0, 10), wavelength_nm: 280 },
      entryId: DEMO_IDS.entries.purification1,
      projectId: DEMO_IDS.projects.proteinExpression,
      creatorId: DEMO_USERS.bob.id,
      createdAt: seedTime(24, 11),
      modifiedAt: seedTime(24, 11),
      archiveReason: null,
      isReviewed: true,
      validationStatus: 'VALID',
      validationComment: 'Blank-corrected against PBS',
    },
  ];
}

/** Yields of the seeded runs ER-01..ER-06 (the notebook's run plans). */
const YIELDS: { n: number; construct: 'petEgfp' | 'petBackbone'; host: 'bl21' | 'rosetta2'; yieldMgL: number; soluble: boolean; creator: 'alice' | 'bob' }[] = [
  { n: 1, construct: 'petEgfp', host: 'bl21', yieldMgL: 18.5, soluble: false, creator: 'alice' },
  { n: 2, construct: 'petEgfp', host: 'bl21', yieldMgL: 22.0, soluble: false, creator: 'bob' },
  { n: 3, construct: 'petEgfp', host: 'bl21', yieldMgL: 41.2, soluble: true, creator: 'bob' },
  { n: 4, construct: 'petEgfp', host: 'bl21', yieldMgL: 55.7, soluble: true, creator: 'alice' },
  { n: 5, construct: 'petEgfp', host: 'rosetta2', yieldMgL: 61.3, soluble: true, creator: 'bob' },
  { n: 6, construct: 'petBackbone', host: 'bl21', yieldMgL: 0, soluble: false, creator: 'bob' },
];

export function seedAssayResults(): AssayResultRecord[] {
  const wells = ['con_ImacWA1', 'con_ImacWA2', 'con_ImacWA3'];
  return YIELDS.map((y, i) => ({
    id: `${DEMO_IDS.assayResults.runPrefix}${String(y.n).padStart(2, '0')}`,
    schemaId: S.proteinYield,
    fields: {
      construct: DEMO_IDS.dnaSequences[y.construct],
      host_strain: DEMO_IDS.customEntities[y.host],
      protein: y.construct === 'petEgfp' ? DEMO_IDS.aaSequences.his6Egfp : null,
      yield_mg_per_l: y.yieldMgL,
      a280: y.construct === 'petEgfp' ? Math.round(y.yieldMgL * 3) / 100 : null,
      soluble: y.soluble,
      sample_well: wells[i] ?? null,
      plate_reader_run: i < 3 ? DEMO_IDS.assayRuns.plateReader1 : null,
      comment: y.construct === 'petBackbone' ? 'Empty-vector control' : null,
      plate_reader_export: i < 3 ? DEMO_IDS.blobs.plateReaderExport : null,
    },
    entryId: `etr_ExpRn${String(y.n).padStart(3, '0')}`,
    projectId: DEMO_IDS.projects.proteinExpression,
    creatorId: DEMO_USERS[y.creator].id,
    createdAt: seedTime(12 + y.n * 2, 17),
    modifiedAt: seedTime(12 + y.n * 2, 17),
    archiveReason: null,
    isReviewed: y.n <= 4,
  }));
}
