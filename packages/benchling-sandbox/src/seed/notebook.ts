import type { EntryDayRecord, EntryNote, EntryRecord, ReviewStatus } from '../store/types.js';
import { DEMO_IDS, DEMO_USERS } from './demo-ids.js';
import { seedDate, seedTime } from './time.js';

const text = (t: string, indentation = 0): EntryNote => ({ type: 'text', text: t, indentation, links: [] });
// List items start at indentation 1 ("a bulleted list with children is modeled as one note part with
// indentation 1 followed by note parts with indentation 2"); 0 is for notes that are not indented at all.
const bullet = (t: string, indentation = 1): EntryNote => ({ type: 'list_bullet', text: t, indentation, links: [] });
const step = (t: string): EntryNote => ({ type: 'list_number', text: t, indentation: 1, links: [] });
const check = (t: string, checked: boolean): EntryNote => ({ type: 'list_checkbox', text: t, checked, indentation: 1, links: [] });
const table = (name: string, columns: string[], rows: string[][]): EntryNote => ({
  type: 'table',
  text: '',
  indentation: 0,
  links: [],
  table: { name, columnLabels: columns, rows: rows.map((r) => ({ cells: r.map((c) => ({ text: c })) })) },
});
const day = (d: number, title: string | null, notes: EntryNote[]): EntryDayRecord => ({ date: seedDate(d), title, notes });

interface RunPlan {
  n: number;
  construct: 'petEgfp' | 'petBackbone';
  host: 'bl21' | 'rosetta2';
  od: number;
  iptg: number;
  temp: number;
  yieldMgL: number | null;
  outcome: string;
  review: ReviewStatus;
  creator: 'alice' | 'bob';
}

// Twelve runs of an induction-condition scan: enough for several pages at pageSize=5.
const RUNS: RunPlan[] = [
  { n: 1, construct: 'petEgfp', host: 'bl21', od: 0.6, iptg: 1.0, temp: 37, yieldMgL: 18.5, outcome: 'Mostly insoluble', review: 'ACCEPTED', creator: 'alice' },
  { n: 2, construct: 'petEgfp', host: 'bl21', od: 0.6, iptg: 0.5, temp: 37, yieldMgL: 22.0, outcome: 'Mostly insoluble', review: 'ACCEPTED', creator: 'bob' },
  { n: 3, construct: 'petEgfp', host: 'bl21', od: 0.6, iptg: 0.1, temp: 25, yieldMgL: 41.2, outcome: 'Soluble, bright', review: 'ACCEPTED', creator: 'bob' },
  { n: 4, construct: 'petEgfp', host: 'bl21', od: 0.8, iptg: 0.1, temp: 18, yieldMgL: 55.7, outcome: 'Soluble, bright', review: 'ACCEPTED', creator: 'alice' },
  {
    n: 5,
    construct: 'petEgfp',
    host: 'rosetta2',
    od: 0.8,
    iptg: 0.1,
    temp: 18,
    yieldMgL: 61.3,
    outcome: 'Soluble, bright',
    review: 'ACCEPTED',
    creator: 'bob',
  },
  {
    n: 6,
    construct: 'petBackbone',
    host: 'bl21',
    od: 0.6,
    iptg: 0.1,
    temp: 18,
    yieldMgL: 0,
    outcome: 'Empty-vector control: no fluorescence',
    review: 'ACCEPTED',
    creator: 'bob',
  },
  {
    n: 7,
    construct: 'petEgfp',
    host: 'rosetta2',
    od: 0.7,
    iptg: 0.05,
    temp: 16,
    yieldMgL: 64.8,
    outcome: 'Soluble, bright',
    review: 'NEEDS_REVIEW',
    creator: 'bob',
  },
  { n: 8, construct: 'petEgfp', host: 'rosetta2', od: 0.7, iptg: 0.2, temp: 16, yieldMgL: 58.9, outcome: 'Soluble', review: 'NEEDS_REVIEW', creator: 'alice' },
  {
    n: 9,
    construct: 'petEgfp',
    host: 'bl21',
    od: 1.0,
    iptg: 0.1,
    temp: 16,
    yieldMgL: 47.3,
    outcome: 'Soluble; slower growth',
    review: 'IN_PROGRESS',
    creator: 'bob',
  },
  {
    n: 10,
    construct: 'petEgfp',
    host: 'rosetta2',
    od: 0.7,
    iptg: 0.05,
    temp: 16,
    yieldMgL: 66.1,
    outcome: 'Reproduces ER-07',
    review: 'IN_PROGRESS',
    creator: 'bob',
  },
  {
    n: 11,
    construct: 'petEgfp',
    host: 'rosetta2',
    od: 0.7,
    iptg: 0.05,
    temp: 16,
    yieldMgL: null,
    outcome: '2 L scale-up in progress',
    review: 'IN_PROGRESS',
    creator: 'alice',
  },
  {
    n: 12,
    construct: 'petEgfp',
    host: 'bl21',
    od: 0.6,
    iptg: 0,
    temp: 16,
    yieldMgL: 1.2,
    outcome: 'Uninduced control: leaky expression only',
    review: 'IN_PROGRESS',
    creator: 'bob',
  },
];

function entry(partial: Omit<EntryRecord, 'customFields' | 'archiveReason' | 'reviewComment' | 'assignedReviewerIds'> & Partial<EntryRecord>): EntryRecord {
  return { customFields: {}, archiveReason: null, reviewComment: '', assignedReviewerIds: [], ...partial };
}

function expressionRun(plan: RunPlan): EntryRecord {
  const D = DEMO_IDS.dnaSequences;
  const C = DEMO_IDS.customEntities;
  const creator = DEMO_USERS[plan.creator];
  const start = 10 + plan.n * 2;
  const code = `ER-${String(plan.n).padStart(2, '0')}`;
  const hostName = plan.host === 'bl21' ? 'BL21(DE3)' : 'Rosetta 2(DE3)';
  const constructName = plan.construct === 'petEgfp' ? 'pET-28a-EGFP' : 'pET-28a(+) backbone';
  const days: EntryDayRecord[] = [
    day(start, 'Transformation and starter culture', [
      text(`Transformed ${constructName} into chemically competent ${hostName}; plated on LB + kanamycin (50 ug/mL).`),
      { ...text(`Construct: ${constructName}`), links: [{ id: D[plan.construct], type: 'dna_sequence' }] },
      check('Overnight starter culture (10 mL LB + Kan) inoculated from a single colony', true),
    ]),
    day(start + 1, 'Induction', [
      step('Diluted starter 1:100 into 500 mL TB + Kan, 37 C, 220 rpm.'),
      step(`Induced at OD600 ${plan.od.toFixed(2)} with ${plan.iptg} mM IPTG; shifted to ${plan.temp} C.`),
      bullet(plan.iptg === 0 ? 'No IPTG added (uninduced control).' : 'IPTG from a fresh 1 M stock.'),
      check('Expression overnight', plan.yieldMgL !== null),
    ]),
  ];
  if (plan.yieldMgL !== null) {
    days.push(
      day(start + 2, 'Harvest and lysis', [
        text('Harvested at 4,000 x g for 20 min; lysed by sonication in 50 mM Tris pH 8.0, 300 mM NaCl, 10 mM imidazole.'),
        table(
          'Fractions',
          ['Fraction', 'A488', 'Yield (mg/L)'],
          [
            ['Clarified lysate', (plan.yieldMgL / 40).toFixed(2), plan.yieldMgL.toFixed(1)],
            ['Pellet', plan.outcome.includes('insoluble') ? 'high' : 'low', '-'],
          ],
        ),
        text(`Outcome: ${plan.outcome}.`),
      ]),
    );
  }
  return entry({
    id: `etr_ExpRn${String(plan.n).padStart(3, '0')}`,
    displayId: `EXP${String(plan.n).padStart(3, '0')}`,
    name: `${code}: EGFP expression in ${hostName}, ${plan.iptg} mM IPTG, ${plan.temp} C`,
    folderId: DEMO_IDS.folders.expressionRuns,
    schemaId: DEMO_IDS.entrySchemas.expressionRun,
    fields: {
      Construct: D[plan.construct],
      'Host Strain': C[plan.host],
      'Induction OD600': plan.od,
      'IPTG (mM)': plan.iptg,
      'Temperature (C)': plan.temp,
      'Yield (mg/L)': plan.yieldMgL,
      Outcome: plan.outcome,
    },
    authorIds: [creator.id],
    creatorId: creator.id,
    reviewStatus: plan.review,
    assignedReviewerIds: plan.review === 'NEEDS_REVIEW' ? [DEMO_USERS.alice.id] : [],
    reviewComment: plan.review === 'ACCEPTED' ? 'Reviewed; data complete.' : '',
    createdAt: seedTime(start, 9, plan.n),
    modifiedAt: seedTime(start + 2, 17, plan.n),
    days,
  });
}

export function seedEntries(): EntryRecord[] {
  const F = DEMO_IDS.folders;
  const E = DEMO_IDS.entries;
  const C = DEMO_IDS.customEntities;
  const { alice, bob, carol } = DEMO_USERS;
  const entries = RUNS.map(expressionRun);

  entries.push(
    entry({
      id: E.pilotRun,
      displayId: 'EXP000',
      name: 'ER-00: pilot induction (superseded by ER-01)',
      folderId: F.expressionRuns,
      schemaId: DEMO_IDS.entrySchemas.expressionRun,
      fields: { Construct: DEMO_IDS.dnaSequences.petEgfp, 'Host Strain': C.bl21, Outcome: 'Plate contaminated; repeated as ER-01' },
      authorIds: [alice.id],
      creatorId: alice.id,
      reviewStatus: 'IN_PROGRESS',
      archiveReason: 'Retired',
      createdAt: seedTime(9, 9),
      modifiedAt: seedTime(11, 8),
      days: [day(9, null, [text('Pilot run. Starter culture contaminated (mixed colony morphology); discarded.')])],
    }),
    entry({
      id: E.purification1,
      displayId: 'EXP013',
      name: 'Ni-NTA purification of 6xHis-EGFP (ER-05 lysate)',
      folderId: F.purification,
      schemaId: null,
      fields: {},
      customFields: { 'Column Lot': 'NI-2025-031' },
      authorIds: [bob.id],
      creatorId: bob.id,
      reviewStatus: 'ACCEPTED',
      reviewComment: 'Looks good.',
      createdAt: seedTime(23, 9),
      modifiedAt: seedTime(24, 16),
      days: [
        day(23, 'IMAC', [
          step('Equilibrated 5 mL HisTrap in binding buffer (20 mM imidazole).'),
          step('Loaded 50 mL clarified lysate at 1 mL/min.'),
          step('Washed with 40 mM imidazole; eluted with a 40-500 mM gradient.'),
          table(
            'Elution',
            ['Fraction', 'Imidazole (mM)', 'A280'],
            [
              ['B5', '150', '0.42'],
              ['B6', '200', '1.87'],
              ['B7', '250', '1.12'],
            ],
          ),
        ]),
        day(24, 'Buffer exchange', [
          text('Pooled B6-B7, desalted into PBS; 28 mg total. SDS-PAGE: single band at ~29 kDa.'),
          { type: 'code', text: 'concentration_mg_per_ml = A280 / 0.73  # EGFP extinction, 1 cm path', indentation: 0, links: [] },
          {
            type: 'external_file',
            text: 'AKTA chromatogram export (A280 and imidazole against volume)',
            indentation: 0,
            externalFileId: DEMO_IDS.blobs.chromatogram,
            links: [],
          },
          {
            ...text('Protocol: HisTrap IMAC after Cytiva 11000458; compare the yield with the antibody campaign.'),
            // A hyperlink (no id, its own URL) and an entry of a project not every reader of this one can see
            // (webURL null for them), as Benchling renders links.
            links: [
              {
                type: 'link',
                webURL: 'https://www.cytivalifesciences.com/en/us/shop/chromatography/prepacked-columns/affinity-specific-groups/histrap-hp-p-00248',
              },
              { id: DEMO_IDS.entries.antibodyCampaign1, type: 'entry' },
            ],
          },
        ]),
      ],
    }),
    entry({
      id: E.purification2,
      displayId: 'EXP014',
      name: 'Thrombin cleavage of 6xHis-EGFP',
      folderId: F.purification,
      schemaId: null,
      fields: {},
      authorIds: [alice.id, bob.id],
      creatorId: alice.id,
      reviewStatus: 'IN_PROGRESS',
      createdAt: seedTime(25, 10),
      modifiedAt: seedTime(26, 12),
      days: [
        day(25, null, [
          text('Cleaved 5 mg 6xHis-EGFP with 5 U thrombin per mg, 16 h at 4 C.'),
          check('Reverse IMAC to remove uncleaved protein and tag', true),
          check('Confirm cleavage by SDS-PAGE', false),
        ]),
      ],
    }),
  );

  const screens: [string, string, string, string[], number, string, number][] = [
    [E.crisprScreen1, 'CRS001', 'K562-Cas9 knockout validation: EMX1 and AAVS1 guides', [C.sgEmx1, C.sgAavs1], 0.3, 'Arrayed knockout', 14],
    ['etr_CrScr002', 'CRS002', 'HEK293T editing efficiency (T7E1) for EMX1-sg1', [C.sgEmx1], 0.5, 'Arrayed knockout', 18],
    ['etr_CrScr003', 'CRS003', 'VEGFA-site3 off-target check in K562-Cas9', [C.sgVegfa], 0.3, 'Off-target analysis', 27],
  ];
  for (const [id, displayId, name, guides, moi, screenType, d] of screens) {
    const cellLine = name.includes('HEK293T') ? C.hek293t : C.k562Cas9;
    entries.push(
      entry({
        id,
        displayId,
        name,
        folderId: F.crNotebook,
        schemaId: DEMO_IDS.entrySchemas.crisprScreen,
        fields: { 'Cell Line': cellLine, Guides: guides, MOI: moi, 'Screen Type': screenType, 'Start Date': seedDate(d) },
        authorIds: [carol.id],
        creatorId: carol.id,
        reviewStatus: 'IN_PROGRESS',
        createdAt: seedTime(d, 9, 30),
        modifiedAt: seedTime(d + 3, 15),
        days: [
          day(d, 'Transduction', [
            text(`Transduced ${cellLine === C.hek293t ? 'HEK293T' : 'K562-Cas9'} at MOI ${moi} with lentiGuide virus; 8 ug/mL polybrene.`),
            bullet('Puromycin selection (2 ug/mL) from day 2.'),
          ]),
          day(d + 3, 'Readout', [
            text('Genomic DNA extracted; target loci amplified for T7E1 and amplicon sequencing.'),
            table(
              'Editing',
              ['Guide', 'Indel %'],
              guides.map((g, i) => [g, String(62 - i * 17)]),
            ),
          ]),
        ],
      }),
    );
  }

  entries.push(
    entry({
      id: E.antibodyCampaign1,
      displayId: 'ABD001',
      name: 'Hybridoma 7F3 subcloning by limiting dilution',
      folderId: F.abNotebook,
      schemaId: null,
      fields: {},
      authorIds: [alice.id],
      creatorId: alice.id,
      reviewStatus: 'IN_PROGRESS',
      createdAt: seedTime(30, 9),
      modifiedAt: seedTime(33, 11),
      days: [
        day(30, 'Plating', [text('Plated hybridoma 7F3 at 0.5 cells/well in 4 x 96-well plates with HFCS.')]),
        day(33, 'Screening', [text('ELISA against HER2-ECD: 14 positive wells; 3 expanded (7F3.2, 7F3.5, 7F3.9).'), check('Freeze down positives', true)]),
      ],
    }),
    entry({
      id: 'etr_AbCmp002',
      displayId: 'ABD002',
      name: 'Trastuzumab reference expression in Expi293',
      folderId: F.abNotebook,
      schemaId: null,
      fields: {},
      authorIds: [alice.id],
      creatorId: alice.id,
      reviewStatus: 'NEEDS_REVIEW',
      assignedReviewerIds: [alice.id],
      createdAt: seedTime(34, 9),
      modifiedAt: seedTime(40, 10),
      days: [
        day(34, 'Transfection', [text('Co-transfected HC and LC plasmids (1:2) into 30 mL Expi293 at 3e6 cells/mL.')]),
        day(40, 'Protein A', [text('Harvested day 6; Protein A purification yielded 4.1 mg (137 mg/L).')]),
      ],
    }),
  );
  return entries;
}
