import { aaSequenceOperations } from './aa-sequences.js';
import { assayOperations } from './assays.js';
import { blobOperations } from './blobs.js';
import { customEntityOperations } from './custom-entities.js';
import { dnaSequenceOperations } from './dna-sequences.js';
import { entryOperations } from './entries.js';
import { folderOperations } from './folders.js';
import { inventoryOperations } from './inventory.js';
import type { Operation } from './operation.js';
import { projectOperations } from './projects.js';
import { registryOperations } from './registries.js';
import { rnaSequenceOperations } from './rna-sequences.js';
import { schemaOperations } from './schemas.js';
import { userOperations } from './users.js';

/** Every Benchling operation the sandbox serves, with the spec's paths (below /api/v2) and operation ids. */
export const OPERATIONS: readonly Operation[] = [
  ...entryOperations,
  ...folderOperations,
  ...projectOperations,
  ...dnaSequenceOperations,
  ...rnaSequenceOperations,
  ...aaSequenceOperations,
  ...customEntityOperations,
  ...schemaOperations,
  ...userOperations,
  ...inventoryOperations,
  ...assayOperations,
  ...registryOperations,
  ...blobOperations,
];

export type { Operation, OperationContext, OperationResult } from './operation.js';
