/**
 * What the sandbox stores. Records are kept close to, but not the same as, the API shapes: relations are ids
 * (rendering resolves them), derived values (length, apiURL, displayValue...) are computed on the way out, so
 * the file cannot hold two disagreeing copies of one fact.
 */

/** Benchling's field types (components.schemas.FieldType); the sandbox validates values for the common ones. */
export type FieldType =
  | 'dna_sequence_link'
  | 'aa_sequence_link'
  | 'custom_entity_link'
  | 'entity_link'
  | 'mixture_link'
  | 'molecule_link'
  | 'dropdown'
  | 'part_link'
  | 'translation_link'
  | 'aa_part_link'
  | 'base_molecule_link'
  | 'blob_link'
  | 'text'
  | 'long_text'
  | 'batch_link'
  | 'storage_link'
  | 'entry_link'
  | 'assay_request_link'
  | 'assay_result_link'
  | 'assay_run_link'
  | 'boolean'
  | 'float'
  | 'integer'
  | 'datetime'
  | 'date'
  | 'json';

export type FieldValue = string | number | boolean | string[] | null;

export interface FieldDefinitionRecord {
  id: string;
  name: string;
  type: FieldType;
  isMulti: boolean;
  isRequired: boolean;
  /** integer and float fields */
  numericMin?: number | null;
  numericMax?: number | null;
  /** float fields */
  decimalPrecision?: number | null;
  /** entity_link fields: the schema the linked entity must have */
  linkedSchemaId?: string | null;
  /** dropdown fields: the allowed option names (the sandbox has no dropdown endpoint, so options live here) */
  dropdownId?: string | null;
  dropdownOptions?: string[];
}

export type SchemaKind = 'entry' | 'dna_sequence' | 'aa_sequence' | 'custom_entity';

export interface SchemaRecord {
  id: string;
  name: string;
  kind: SchemaKind;
  /** registry prefix for entity schemas (e.g. `PLS`); entry schemas have none */
  prefix: string | null;
  registryId: string | null;
  fieldDefinitions: FieldDefinitionRecord[];
  modifiedAt: string;
  archiveReason: string | null;
}

export interface UserRecord {
  id: string;
  handle: string;
  name: string;
  /** demo API key (the file is a demo tenant; never put real secrets in it) */
  apiKey: string;
  /** projects this user is a member of; `all` is a tenant admin */
  projectIds: string[] | 'all';
}

export interface ProjectRecord {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  modifiedAt: string;
  archiveReason: string | null;
}

export interface FolderRecord {
  id: string;
  name: string;
  projectId: string;
  parentFolderId: string | null;
  createdAt: string;
  modifiedAt: string;
  archiveReason: string | null;
}

/** Entry notes are stored as the API's EntryNotePart objects: they have no relations to resolve. */
export interface EntryNote {
  type: string;
  text?: string;
  indentation?: number;
  checked?: boolean;
  links?: { id: string; type: string; webURL: string | null }[];
  table?: { name: string; columnLabels: (string | null)[]; rows: { cells: { text: string }[] }[] };
}

export interface EntryDayRecord {
  date: string;
  title: string | null;
  notes: EntryNote[];
}

export type ReviewStatus = 'IN_PROGRESS' | 'ACCEPTED' | 'REJECTED' | 'NEEDS_REVIEW' | 'RETRACTED';

export interface EntryRecord {
  id: string;
  displayId: string;
  name: string;
  folderId: string;
  schemaId: string | null;
  fields: Record<string, FieldValue>;
  customFields: Record<string, string>;
  authorIds: string[];
  creatorId: string;
  assignedReviewerIds: string[];
  reviewStatus: ReviewStatus;
  reviewComment: string;
  createdAt: string;
  modifiedAt: string;
  archiveReason: string | null;
  days: EntryDayRecord[];
}

/** What DNA sequences, AA sequences and custom entities share (Benchling calls them all "entities"). */
export interface EntityRecord {
  id: string;
  name: string;
  /** null only for entities created straight into the registry */
  folderId: string | null;
  schemaId: string | null;
  fields: Record<string, FieldValue>;
  customFields: Record<string, string>;
  aliases: string[];
  authorIds: string[];
  creatorId: string;
  createdAt: string;
  modifiedAt: string;
  archiveReason: string | null;
  registryId: string | null;
  entityRegistryId: string | null;
  registeredAt: string | null;
}

export interface DnaAnnotationRecord {
  name: string;
  type: string;
  start: number;
  end: number;
  strand: -1 | 0 | 1;
  color: string;
  notes: string;
}

export interface TranslationRecord {
  name: string;
  start: number;
  end: number;
  strand: -1 | 1;
  aminoAcids: string;
  color: string;
  notes: string;
}

export interface DnaSequenceRecord extends EntityRecord {
  bases: string;
  isCircular: boolean;
  annotations: DnaAnnotationRecord[];
  translations: TranslationRecord[];
}

export interface AaAnnotationRecord {
  id: string;
  name: string;
  type: string;
  start: number;
  end: number;
  color: string;
  notes: string;
}

export interface AaSequenceRecord extends EntityRecord {
  aminoAcids: string;
  annotations: AaAnnotationRecord[];
}

export type CustomEntityRecord = EntityRecord;

/** Monotonic counters persisted with the tenant (display ids and registry ids must never repeat). */
export interface Counters {
  entryDisplayId: number;
  /** per registry prefix, e.g. `PLS` -> 3 */
  registry: Record<string, number>;
}

export interface TenantData {
  users: UserRecord[];
  projects: ProjectRecord[];
  folders: FolderRecord[];
  entries: EntryRecord[];
  dnaSequences: DnaSequenceRecord[];
  aaSequences: AaSequenceRecord[];
  customEntities: CustomEntityRecord[];
  schemas: SchemaRecord[];
  /** the one registry of this demo tenant */
  registryId: string;
  /** entry display ids are `<prefix><counter>`, like Benchling's per-tenant display id setting */
  entryDisplayIdPrefix: string;
  counters: Counters;
  /** signs pagination tokens so they survive restarts yet cannot be forged into arbitrary cursors */
  tokenSecret: string;
}

export type CollectionName = 'users' | 'projects' | 'folders' | 'entries' | 'dnaSequences' | 'aaSequences' | 'customEntities' | 'schemas';

export const COLLECTIONS: readonly CollectionName[] = ['users', 'projects', 'folders', 'entries', 'dnaSequences', 'aaSequences', 'customEntities', 'schemas'];
