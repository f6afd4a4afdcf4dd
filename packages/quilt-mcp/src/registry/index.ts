/** A registry opened for a caller, and the one write protocol (see revision-writer.ts). */
export { RegistryAccess, type RegistryAccessOptions } from './access.js';
export {
  type BuildStats,
  type BuiltEntries,
  buildEntries,
  checkLogicalKey,
  type DirectoryInput,
  type EntryInput,
  type EntryPlan,
  planEntries,
} from './entries.js';
export { RegistryRequestError } from './errors.js';
export { checkObjectKey } from './object-keys.js';
export { type ManifestStream, OpenedRegistry } from './opened-registry.js';
export type { PhysicalObject } from './physical-object.js';
export { normaliseRegistryUrl, type RegistryRef, registryRefs } from './refs.js';
export { type CommittedRevision, type NewObject, type PendingObjects, RevisionWriter } from './revision-writer.js';
export {
  loadWorkflowConfig,
  MAX_WORKFLOW_ENTRIES,
  WORKFLOW_CONFIG_KEY,
  type WorkflowCheck,
  type WorkflowConfig,
  workflowCheck,
} from './workflow-config.js';
