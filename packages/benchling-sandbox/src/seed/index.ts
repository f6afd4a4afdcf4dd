import { randomBytes } from 'node:crypto';
import type { FolderRecord, ProjectRecord, TenantData, UserRecord } from '../store/types.js';
import { seedAssayResults, seedAssayRuns, seedAssaySchemas } from './assays.js';
import { seedBlobs } from './blobs.js';
import { seedCustomEntities } from './custom-entities.js';
import { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID, DEMO_USERS } from './demo-ids.js';
import { seedBoxes, seedContainers, seedLocations, seedPlates } from './inventory.js';
import { seedEntries } from './notebook.js';
import { seedSchemas } from './schemas.js';
import { seedAaSequences, seedDnaSequences, seedRnaSequences } from './sequences.js';
import { seedTime } from './time.js';

export { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID, DEMO_USERS } from './demo-ids.js';

const ENTRY_DISPLAY_PREFIX = 'EXP';

/** The demo lab: three projects with different members, so visibility is visible. */
export function seedTenant(): TenantData {
  const P = DEMO_IDS.projects;
  const F = DEMO_IDS.folders;
  const { alice, bob, carol } = DEMO_USERS;

  const users: UserRecord[] = [
    { ...alice, apiKey: DEMO_KEYS.alice, projectIds: 'all' },
    { ...bob, apiKey: DEMO_KEYS.bob, projectIds: [P.proteinExpression] },
    { ...carol, apiKey: DEMO_KEYS.carol, projectIds: [P.proteinExpression, P.crisprScreens] },
  ];

  const project = (id: string, name: string, ownerId: string, day: number): ProjectRecord => ({
    id,
    name,
    ownerId,
    createdAt: seedTime(day, 8),
    modifiedAt: seedTime(day, 8, 30),
    archiveReason: null,
  });
  const projects = [
    project(P.proteinExpression, 'Protein Expression', alice.id, 0),
    project(P.crisprScreens, 'CRISPR Screens', carol.id, 1),
    project(P.antibodyDiscovery, 'Antibody Discovery', alice.id, 2),
  ];

  const folder = (
    id: string,
    name: string,
    projectId: string,
    parentFolderId: string | null,
    day: number,
    archiveReason: string | null = null,
  ): FolderRecord => ({
    id,
    name,
    projectId,
    parentFolderId,
    createdAt: seedTime(day, 8, 45),
    modifiedAt: seedTime(day, 8, 45),
    archiveReason,
  });
  const folders = [
    folder(F.peNotebook, 'Notebook', P.proteinExpression, null, 0),
    folder(F.expressionRuns, 'Expression Runs', P.proteinExpression, F.peNotebook, 0),
    folder(F.purification, 'Purification', P.proteinExpression, F.peNotebook, 0),
    folder(F.peConstructs, 'Constructs', P.proteinExpression, null, 0),
    folder(F.crNotebook, 'Notebook', P.crisprScreens, null, 1),
    folder(F.guideLibrary, 'Guide Library', P.crisprScreens, null, 1),
    folder(F.cellLines, 'Cell Lines', P.crisprScreens, F.guideLibrary, 1),
    folder(F.abNotebook, 'Notebook', P.antibodyDiscovery, null, 2),
    folder(F.abClones, 'Clones', P.antibodyDiscovery, null, 2),
    folder(F.abArchive, 'Old Campaign (2024)', P.antibodyDiscovery, F.abClones, 2, 'Retired'),
  ];

  const entries = seedEntries();
  const dnaSequences = seedDnaSequences();
  const aaSequences = seedAaSequences();
  const customEntities = seedCustomEntities();

  // Counters continue after the seeded ids so created objects never reuse a display or registry id.
  const registry: Record<string, number> = {};
  for (const e of [...dnaSequences, ...aaSequences, ...customEntities]) {
    const m = e.entityRegistryId?.match(/^([A-Z]+)(\d+)$/);
    if (m) registry[m[1]!] = Math.max(registry[m[1]!] ?? 0, Number(m[2]));
  }
  const entryDisplayId = Math.max(
    0,
    ...entries.map((e) => (e.displayId.startsWith(ENTRY_DISPLAY_PREFIX) ? Number(e.displayId.slice(ENTRY_DISPLAY_PREFIX.length)) : 0)),
  );

  return {
    users,
    projects,
    folders,
    entries,
    dnaSequences,
    rnaSequences: seedRnaSequences(),
    aaSequences,
    customEntities,
    schemas: seedSchemas(),
    locations: seedLocations(),
    boxes: seedBoxes(),
    plates: seedPlates(),
    containers: seedContainers(),
    assaySchemas: seedAssaySchemas(),
    assayResults: seedAssayResults(),
    assayRuns: seedAssayRuns(),
    tasks: [],
    blobs: seedBlobs(),
    registryId: DEMO_REGISTRY_ID,
    entryDisplayIdPrefix: ENTRY_DISPLAY_PREFIX,
    counters: { entryDisplayId, registry },
    tokenSecret: randomBytes(32).toString('hex'),
  };
}
