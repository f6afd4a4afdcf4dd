/**
 * The demo tenant's fixed keys and ids. Exported so the quick start, the MCP server's tests and the sandbox's
 * own tests can name them instead of copying strings. These keys only ever open the bundled sandbox.
 */
export const DEMO_KEYS = {
  /** Alice Chen, tenant admin: sees every project */
  alice: 'sandbox-key-alice',
  /** Bob Marquez: member of Protein Expression only */
  bob: 'sandbox-key-bob',
  /** Carol Ng: member of Protein Expression and CRISPR Screens */
  carol: 'sandbox-key-carol',
} as const;

export const DEMO_USERS = {
  alice: { id: 'ent_Al1ceCh3', handle: 'alice', name: 'Alice Chen' },
  bob: { id: 'ent_B0bMarq7', handle: 'bob', name: 'Bob Marquez' },
  carol: { id: 'ent_Car0lNg5', handle: 'carol', name: 'Carol Ng' },
} as const;

export const DEMO_REGISTRY_ID = 'src_LabReg01';

export const DEMO_IDS = {
  projects: {
    /** alice, bob, carol */
    proteinExpression: 'src_ProtExp1',
    /** alice, carol */
    crisprScreens: 'src_Crispr02',
    /** alice only */
    antibodyDiscovery: 'src_AbDisc03',
  },
  folders: {
    peNotebook: 'lib_PeNbk001',
    /** "Expression Runs": 12 live entries plus 1 archived; the README's `entries_list` example uses it */
    expressionRuns: 'lib_abc123',
    purification: 'lib_PePur002',
    peConstructs: 'lib_PeCon003',
    crNotebook: 'lib_CrNbk001',
    guideLibrary: 'lib_CrLib002',
    cellLines: 'lib_CrCel003',
    abNotebook: 'lib_AbNbk001',
    abClones: 'lib_AbCln002',
    /** archived ("Retired") */
    abArchive: 'lib_AbOld003',
  },
  entrySchemas: {
    expressionRun: 'ts_ExpRun01',
    crisprScreen: 'ts_CrScr002',
  },
  entitySchemas: {
    plasmid: 'ts_Plasmd01',
    protein: 'ts_Protn001',
    cellLine: 'ts_CellLn01',
    bacterialStrain: 'ts_Strain01',
    sgRna: 'ts_SgRna001',
  },
  assaySchemas: {
    /** results: protein yield per expression run (links to construct, host, protein, entry, plate well, run) */
    proteinYield: 'assaysch_Yield001',
    /** runs: a plate-reader session */
    plateReader: 'assaysch_PlRdr002',
  },
  assayRuns: {
    /** the plate-reader run the first three yield results belong to */
    plateReader1: '3f2a9c1e-5b7d-4e21-9a0c-6d8e1f2b3c01',
  },
  assayResults: {
    /** the result of expression run ER-01 ... ER-06: `${prefix}0N` */
    runPrefix: 'a7c41e20-1d3b-4c5e-8f90-12ab34cd56',
  },
  blobs: {
    /** attached to the purification entry (an external_file note): the AKTA chromatogram export */
    chromatogram: '0b6f3c2a-8d41-4e5f-9a7b-1c2d3e4f5a61',
    /** linked from the Protein Yield results of ER-01..03 (blob_link field plate_reader_export) */
    plateReaderExport: '0b6f3c2a-8d41-4e5f-9a7b-1c2d3e4f5a62',
  },
  entries: {
    /** archived ("Retired") pilot run in Expression Runs */
    pilotRun: 'etr_ExpRn000',
    /** etr_ExpRn001 ... etr_ExpRn012 live in Expression Runs */
    firstRun: 'etr_ExpRn001',
    purification1: 'etr_Purif001',
    purification2: 'etr_Purif002',
    crisprScreen1: 'etr_CrScr001',
    antibodyCampaign1: 'etr_AbCmp001',
  },
  dnaSequences: {
    petEgfp: 'seq_PetEgfp1',
    petBackbone: 'seq_PetEmpt2',
    egfpOrf: 'seq_EgfpOrf3',
    lentiGuideEmx1: 'seq_LgEmx101',
    lentiGuideAavs1: 'seq_LgAavs02',
    /** alice only */
    trastuzumabHcCds: 'seq_AbHcCds1',
  },
  rnaSequences: {
    /** Protein Expression: 5' UTR, EGFP CDS (translated), poly(A) tail to the end */
    egfpMrna: 'seq_EgfpMrn1',
    /** CRISPR Screens */
    sgEmx1Synthetic: 'seq_SgEmxR02',
  },
  aaSequences: {
    egfp: 'prtn_Egfp0001',
    his6Egfp: 'prtn_H6Egfp02',
    /** alice only */
    trastuzumabVh: 'prtn_TzVh0003',
    /** alice only */
    trastuzumabVl: 'prtn_TzVl0004',
  },
  locations: {
    /** -80 °C freezer: Shelf 1 (Protein Expression boxes), Shelf 2 (CRISPR box) */
    freezer: 'loc_Frz80A01',
    shelf1: 'loc_Shelf001',
    shelf2: 'loc_Shelf002',
    /** 4 °C cold room rack: the IMAC fraction plate */
    coldRack: 'loc_Cold4C01',
    /** liquid nitrogen dewar: the hybridoma box (alice only) */
    dewar: 'loc_LN2Dwr01',
  },
  boxes: {
    /** 9x9, Protein Expression: plasmid minipreps (one tube holds an antibody CDS bob cannot see) */
    plasmidStocks: 'box_PlsStk01',
    /** 9x9, Protein Expression: glycerol stocks and an empty tube */
    glycerolStocks: 'box_Glyc0002',
    /** 9x9, CRISPR Screens */
    guideBox: 'box_GuideLb3',
    /** 9x9, Antibody Discovery (alice only) */
    hybridomaVials: 'box_AbHyb004',
  },
  plates: {
    /** 24-well (4x6) well plate, Protein Expression: IMAC fractions of 6xHis-EGFP */
    imacFractions: 'plt_ImacFr01',
  },
  containers: {
    petEgfpMiniprep: 'con_PetEgfA1',
    petBackboneMiniprep: 'con_PetBbA02',
    egfpOrfMiniprep: 'con_EgfpOA03',
    /** holds the trastuzumab CDS (alice only): inaccessible to bob */
    abCdsMiniprep: 'con_AbCdsB01',
    bl21Glycerol: 'con_Bl21GA01',
    rosettaGlycerol: 'con_RosGlA02',
    emptyTube: 'con_EmptyA03',
    lentiEmx1: 'con_LgEmxA01',
    lentiAavs1: 'con_LgAavA02',
    sgEmx1Rna: 'con_SgRnaB01',
    hybridomaVial: 'con_HybVlA01',
  },
  customEntities: {
    bl21: 'bfi_Bl21De31',
    rosetta2: 'bfi_Rosett22',
    hek293t: 'bfi_Hek293T1',
    k562Cas9: 'bfi_K562Cas2',
    /** archived ("Contaminated") */
    a549Cas9: 'bfi_A549Cas3',
    sgEmx1: 'bfi_SgEmx101',
    sgAavs1: 'bfi_SgAavs02',
    sgVegfa: 'bfi_SgVegf03',
    /** alice only */
    hybridoma: 'bfi_Hyb7F3a1',
  },
} as const;
