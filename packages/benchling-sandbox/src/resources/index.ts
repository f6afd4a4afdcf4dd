import { aaSequenceOperations } from './aa-sequences.js';
import { customEntityOperations } from './custom-entities.js';
import { dnaSequenceOperations } from './dna-sequences.js';
import { entryOperations } from './entries.js';
import { folderOperations } from './folders.js';
import type { Operation } from './operation.js';
import { projectOperations } from './projects.js';
import { schemaOperations } from './schemas.js';

/** Every Benchling operation the sandbox serves, with the spec's paths (below /api/v2) and operation ids. */
export const OPERATIONS: readonly Operation[] = [
  ...entryOperations,
  ...folderOperations,
  ...projectOperations,
  ...dnaSequenceOperations,
  ...aaSequenceOperations,
  ...customEntityOperations,
  ...schemaOperations,
];

export type { Operation, OperationContext, OperationResult } from './operation.js';
