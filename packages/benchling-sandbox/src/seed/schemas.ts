import type { FieldDefinitionRecord, SchemaRecord } from '../store/types.js';
import { DEMO_IDS, DEMO_REGISTRY_ID } from './demo-ids.js';
import { seedTime } from './time.js';

function field(id: string, name: string, type: FieldDefinitionRecord['type'], extra: Partial<FieldDefinitionRecord> = {}): FieldDefinitionRecord {
  return { id, name, type, isMulti: false, isRequired: false, ...extra };
}

const S = DEMO_IDS.entrySchemas;
const E = DEMO_IDS.entitySchemas;

export function seedSchemas(): SchemaRecord[] {
  const modifiedAt = seedTime(0, 8);
  return [
    {
      id: S.expressionRun,
      name: 'Expression Run',
      kind: 'entry',
      prefix: null,
      registryId: null,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_ErCnst01', 'Construct', 'dna_sequence_link'),
        field('tsf_ErHost02', 'Host Strain', 'custom_entity_link'),
        field('tsf_ErOd6003', 'Induction OD600', 'float', { numericMin: 0, numericMax: 5, decimalPrecision: 2 }),
        field('tsf_ErIptg04', 'IPTG (mM)', 'float', { numericMin: 0, numericMax: 10, decimalPrecision: 2 }),
        field('tsf_ErTemp05', 'Temperature (C)', 'integer', { numericMin: 4, numericMax: 42 }),
        field('tsf_ErYild06', 'Yield (mg/L)', 'float', { numericMin: 0, decimalPrecision: 1 }),
        field('tsf_ErOutc07', 'Outcome', 'text'),
        // Where the run's data went: the Quilt+ URI that the router's lab_package_benchling_entry writes back.
        field('tsf_ErQpkg08', 'Quilt Package', 'text'),
      ],
    },
    {
      id: S.crisprScreen,
      name: 'CRISPR Screen',
      kind: 'entry',
      prefix: null,
      registryId: null,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_CsCell01', 'Cell Line', 'custom_entity_link', { isRequired: true }),
        field('tsf_CsGuid02', 'Guides', 'custom_entity_link', { isMulti: true }),
        field('tsf_CsMoi003', 'MOI', 'float', { numericMin: 0, numericMax: 10, decimalPrecision: 2 }),
        field('tsf_CsType04', 'Screen Type', 'text'),
        field('tsf_CsDate05', 'Start Date', 'date'),
      ],
    },
    {
      id: E.plasmid,
      name: 'Plasmid',
      kind: 'dna_sequence',
      prefix: 'PLS',
      registryId: DEMO_REGISTRY_ID,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_PlBack01', 'Backbone', 'text'),
        field('tsf_PlResi02', 'Resistance', 'text', { isRequired: true }),
        field('tsf_PlCopy03', 'Copy Number', 'text'),
        field('tsf_PlInst04', 'Insert', 'text'),
      ],
    },
    {
      id: E.protein,
      name: 'Protein',
      kind: 'aa_sequence',
      prefix: 'PRT',
      registryId: DEMO_REGISTRY_ID,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_PrHost01', 'Expression Host', 'custom_entity_link'),
        field('tsf_PrMw0002', 'Molecular Weight (kDa)', 'float', { numericMin: 0, decimalPrecision: 1 }),
        field('tsf_PrTag003', 'Tag', 'text'),
      ],
    },
    {
      id: E.cellLine,
      name: 'Cell Line',
      kind: 'custom_entity',
      prefix: 'CL',
      registryId: DEMO_REGISTRY_ID,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_ClOrgn01', 'Organism', 'text', { isRequired: true }),
        field('tsf_ClTiss02', 'Tissue', 'text'),
        field('tsf_ClPare03', 'Parental Line', 'entity_link', { linkedSchemaId: E.cellLine }),
        field('tsf_ClPass04', 'Passage Number', 'integer', { numericMin: 0 }),
        field('tsf_ClCas905', 'Cas9 Expressing', 'boolean'),
      ],
    },
    {
      id: E.bacterialStrain,
      name: 'Bacterial Strain',
      kind: 'custom_entity',
      prefix: 'STR',
      registryId: DEMO_REGISTRY_ID,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [field('tsf_StGeno01', 'Genotype', 'long_text'), field('tsf_StResi02', 'Resistance', 'text')],
    },
    {
      id: E.sgRna,
      name: 'sgRNA',
      kind: 'custom_entity',
      prefix: 'SG',
      registryId: DEMO_REGISTRY_ID,
      modifiedAt,
      archiveReason: null,
      fieldDefinitions: [
        field('tsf_SgTarg01', 'Target Gene', 'text', { isRequired: true }),
        field('tsf_SgSpac02', 'Spacer Sequence', 'text', { isRequired: true }),
        field('tsf_SgPam003', 'PAM', 'text'),
        field('tsf_SgPlas04', 'Plasmid', 'dna_sequence_link'),
      ],
    },
  ];
}
