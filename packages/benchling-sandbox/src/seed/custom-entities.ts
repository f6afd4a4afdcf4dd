import type { CustomEntityRecord } from '../store/types.js';
import { DEMO_IDS, DEMO_REGISTRY_ID, DEMO_USERS } from './demo-ids.js';
import { SPACERS } from './sequences.js';
import { seedTime } from './time.js';

export function seedCustomEntities(): CustomEntityRecord[] {
  const C = DEMO_IDS.customEntities;
  const F = DEMO_IDS.folders;
  const S = DEMO_IDS.entitySchemas;
  const alice = DEMO_USERS.alice.id;
  const bob = DEMO_USERS.bob.id;
  const carol = DEMO_USERS.carol.id;

  const entity = (
    id: string,
    name: string,
    folderId: string,
    schemaId: string,
    creatorId: string,
    day: number,
    fields: CustomEntityRecord['fields'],
    registryNumber: string | null,
    extra: Partial<CustomEntityRecord> = {},
  ): CustomEntityRecord => ({
    id,
    name,
    folderId,
    schemaId,
    fields,
    customFields: {},
    aliases: [],
    authorIds: [creatorId],
    creatorId,
    createdAt: seedTime(day, 9, 15),
    modifiedAt: seedTime(day, 14, 45),
    archiveReason: null,
    registryId: registryNumber ? DEMO_REGISTRY_ID : null,
    entityRegistryId: registryNumber,
    registeredAt: registryNumber ? seedTime(day, 14, 45) : null,
    ...extra,
  });

  return [
    entity(
      C.bl21,
      'BL21(DE3)',
      F.peConstructs,
      S.bacterialStrain,
      alice,
      0,
      {
        Genotype: 'F- ompT hsdSB(rB-, mB-) gal dcm (DE3)',
        Resistance: 'none',
      },
      'STR001',
    ),
    entity(
      C.rosetta2,
      'Rosetta 2(DE3)',
      F.peConstructs,
      S.bacterialStrain,
      bob,
      3,
      {
        Genotype: 'F- ompT hsdSB(rB- mB-) gal dcm (DE3) pRARE2 (CamR)',
        Resistance: 'Chloramphenicol',
      },
      'STR002',
    ),
    entity(
      C.hek293t,
      'HEK293T',
      F.cellLines,
      S.cellLine,
      carol,
      4,
      {
        Organism: 'Homo sapiens',
        Tissue: 'Embryonic kidney',
        'Parental Line': null,
        'Passage Number': 12,
        'Cas9 Expressing': false,
      },
      'CL001',
      { aliases: ['293T'] },
    ),
    entity(
      C.k562Cas9,
      'K562-Cas9',
      F.cellLines,
      S.cellLine,
      carol,
      4,
      {
        Organism: 'Homo sapiens',
        Tissue: 'Bone marrow (CML)',
        'Parental Line': null,
        'Passage Number': 8,
        'Cas9 Expressing': true,
      },
      'CL002',
    ),
    entity(
      C.a549Cas9,
      'A549-Cas9',
      F.cellLines,
      S.cellLine,
      carol,
      6,
      {
        Organism: 'Homo sapiens',
        Tissue: 'Lung carcinoma',
        'Parental Line': null,
        'Passage Number': 21,
        'Cas9 Expressing': true,
      },
      null,
      { archiveReason: 'Contaminated' },
    ),
    entity(
      C.sgEmx1,
      'EMX1-sg1',
      F.guideLibrary,
      S.sgRna,
      carol,
      5,
      {
        'Target Gene': 'EMX1',
        'Spacer Sequence': SPACERS.emx1,
        PAM: 'TGG',
        Plasmid: DEMO_IDS.dnaSequences.lentiGuideEmx1,
      },
      'SG001',
    ),
    entity(
      C.sgAavs1,
      'AAVS1-sg2',
      F.guideLibrary,
      S.sgRna,
      carol,
      5,
      {
        'Target Gene': 'AAVS1 (PPP1R12C)',
        'Spacer Sequence': SPACERS.aavs1,
        PAM: 'GGG',
        Plasmid: DEMO_IDS.dnaSequences.lentiGuideAavs1,
      },
      'SG002',
    ),
    entity(
      C.sgVegfa,
      'VEGFA-site3',
      F.guideLibrary,
      S.sgRna,
      alice,
      7,
      {
        'Target Gene': 'VEGFA',
        'Spacer Sequence': SPACERS.vegfa,
        PAM: 'GGG',
        Plasmid: null,
      },
      null,
    ),
    entity(
      C.hybridoma,
      'Hybridoma 7F3',
      F.abClones,
      S.cellLine,
      alice,
      10,
      {
        Organism: 'Mus musculus',
        Tissue: 'B-cell hybridoma',
        'Parental Line': null,
        'Passage Number': 3,
        'Cas9 Expressing': false,
      },
      'CL003',
    ),
  ];
}
