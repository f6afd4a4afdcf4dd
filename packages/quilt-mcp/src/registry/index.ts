/** A registry opened for a caller, and the one write protocol (see revision-writer.ts). */
export { RegistryAccess, type RegistryAccessOptions } from './access.js';
export { buildEntries, checkLogicalKey, type BuildStats, type BuiltEntries, type DirectoryInput, type EntryInput } from './entries.js';
export { RegistryRequestError } from './errors.js';
export { checkObjectKey } from './object-keys.js';
export { OpenedRegistry, type ManifestStream } from './opened-registry.js';
export type { PhysicalObject } from './physical-object.js';
export { normaliseRegistryUrl, registryRefs, type RegistryRef } from './refs.js';
export { RevisionWriter, type CommittedRevision, type NewObject, type PendingObjects } from './revision-writer.js';
