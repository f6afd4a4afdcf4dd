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

export type SchemaKind = 'entry' | 'dna_sequence' | 'rna_sequence' | 'aa_sequence' | 'custom_entity' | 'assay_result' | 'assay_run';

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
  /** external_file notes: the attached file (a BlobRecord id) */
  externalFileId?: string;
  checked?: boolean;
  /**
   * EntryLink: hyperlinks (`type: "link"`) keep their own URL and have no id; links to Benchling objects keep
   * only id and type, and their webURL is worked out for each reader (null without READ access, and for
   * locations, which have no URL).
   */
  links?: { id?: string; type: string; webURL?: string | null }[];
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

/** SequenceFeatureCustomField: a name/value pair on an annotation or translation (GenBank qualifiers). */
export interface FeatureCustomField {
  name: string;
  value: string;
}

/**
 * Coordinates of sequence features are stored as plain half-open ranges (end in 1..length; start > end when a
 * feature on a circular sequence runs across the origin); answers write the end of the sequence as 0 (see
 * resources/features.ts).
 */
export interface DnaAnnotationRecord {
  name: string;
  type: string;
  start: number;
  end: number;
  strand: -1 | 0 | 1;
  color: string;
  notes: string;
  /** absent in stores written before feature custom fields were kept */
  customFields?: FeatureCustomField[];
}

export interface TranslationRecord {
  name: string;
  start: number;
  end: number;
  strand: -1 | 1;
  aminoAcids: string;
  color: string;
  notes: string;
  /** when the translation was given as regions (spliced); absent: one region, start..end */
  regions?: { start: number; end: number }[];
  coerceStartCodonToMethionine?: boolean;
  customFields?: FeatureCustomField[];
}

/** DnaSequencePart / RnaSequencePart: a stretch of another sequence this one is built from. */
export interface SequencePartRecord {
  sequenceId: string;
  start: number;
  end: number;
  strand: -1 | 0 | 1;
}

export interface DnaSequenceRecord extends EntityRecord {
  bases: string;
  isCircular: boolean;
  annotations: DnaAnnotationRecord[];
  translations: TranslationRecord[];
  parts?: SequencePartRecord[];
}

/** RNA sequences have the same parts as DNA sequences (Benchling: always linear; bases use U). */
export type RnaSequenceRecord = DnaSequenceRecord;

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

/** What locations, boxes, plates and containers share. */
export interface StorageRecord {
  id: string;
  name: string;
  barcode: string | null;
  /** the location, box or plate it is in; null at the top */
  parentStorageId: string | null;
  creatorId: string;
  createdAt: string;
  modifiedAt: string;
  archiveReason: string | null;
}

export interface LocationRecord extends StorageRecord {
  /** how many plates, boxes and containers it can hold; null: unlimited */
  totalCapacity: number | null;
}

/** Boxes and plates are grids of rows (A, B, ...) by columns (1, 2, ...). */
export interface BoxRecord extends StorageRecord {
  projectId: string | null;
  rows: number;
  columns: number;
}

export interface PlateRecord extends BoxRecord {
  type: 'well_plate' | 'matrix_plate';
}

export interface Quantity {
  value: number | null;
  units: string | null;
}

/**
 * A tube, vial or plate well. In a box or plate `position` is its grid position ("A1"); a well plate's wells
 * are containers of that plate.
 */
export interface ContainerRecord extends StorageRecord {
  projectId: string | null;
  position: string | null;
  quantity: Quantity;
  contents: { entityId: string; concentration: Quantity }[];
}

/**
 * An assay result or run. Result `fields` are keyed by the field's system name ("the keys of each field are
 * the field's system name"), which is also the `name` of the field definition in the assay schema.
 */
export interface AssayRecordBase {
  /** a UUID, as Benchling's result and run ids are */
  id: string;
  schemaId: string;
  fields: Record<string, FieldValue>;
  entryId: string | null;
  projectId: string | null;
  creatorId: string;
  createdAt: string;
  modifiedAt: string;
  archiveReason: string | null;
  isReviewed: boolean;
}

export type AssayResultRecord = AssayRecordBase;

export interface AssayRunRecord extends AssayRecordBase {
  validationStatus: 'VALID' | 'INVALID';
  validationComment: string | null;
}

/**
 * An uploaded file: a blob (linked from blob_link fields of results) or an entry's attached file (an
 * `external_file` note part names it by this id). Small demo files only: the whole tenant lives in memory.
 */
export interface BlobRecord {
  /** a UUID */
  id: string;
  name: string;
  mimeType: string;
  type: 'RAW_FILE' | 'VISUALIZATION';
  /** the file's bytes, base64 */
  contentBase64: string;
  /** who may read it: members of this project */
  projectId: string | null;
  createdAt: string;
}

/**
 * An asynchronous task (GET /tasks/{id}). The sandbox does the work when the task is created and reports it
 * RUNNING until `readyAt`, so clients exercise their polling.
 */
export interface TaskRecord {
  id: string;
  /** who started it; others get 404 */
  userId: string;
  createdAt: string;
  readyAt: string;
  outcome: 'SUCCEEDED' | 'FAILED';
  message: string | null;
  errors: Record<string, unknown>[] | null;
  response: Record<string, unknown> | null;
}

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
  rnaSequences: RnaSequenceRecord[];
  aaSequences: AaSequenceRecord[];
  customEntities: CustomEntityRecord[];
  schemas: SchemaRecord[];
  locations: LocationRecord[];
  boxes: BoxRecord[];
  plates: PlateRecord[];
  containers: ContainerRecord[];
  /** assay result and run schemas (kind assay_result / assay_run); field names are system names */
  assaySchemas: SchemaRecord[];
  assayResults: AssayResultRecord[];
  assayRuns: AssayRunRecord[];
  tasks: TaskRecord[];
  blobs: BlobRecord[];
  /** the one registry of this demo tenant */
  registryId: string;
  /** entry display ids are `<prefix><counter>`, like Benchling's per-tenant display id setting */
  entryDisplayIdPrefix: string;
  counters: Counters;
  /** signs pagination tokens so they survive restarts yet cannot be forged into arbitrary cursors */
  tokenSecret: string;
}

export type CollectionName =
  | 'users'
  | 'projects'
  | 'folders'
  | 'entries'
  | 'dnaSequences'
  | 'rnaSequences'
  | 'aaSequences'
  | 'customEntities'
  | 'schemas'
  | 'locations'
  | 'boxes'
  | 'plates'
  | 'containers'
  | 'assaySchemas'
  | 'assayResults'
  | 'assayRuns'
  | 'tasks'
  | 'blobs';

export const COLLECTIONS: readonly CollectionName[] = [
  'users',
  'projects',
  'folders',
  'entries',
  'dnaSequences',
  'rnaSequences',
  'aaSequences',
  'customEntities',
  'schemas',
  'locations',
  'boxes',
  'plates',
  'containers',
  'assaySchemas',
  'assayResults',
  'assayRuns',
  'tasks',
  'blobs',
];

/**
 * Collections added after the first store format: a store file written before one existed gets that
 * collection from the seed when it is opened (the seed is deterministic), instead of being refused.
 */
export const LATER_COLLECTIONS: readonly CollectionName[] = [
  'rnaSequences',
  'locations',
  'boxes',
  'plates',
  'containers',
  'assaySchemas',
  'assayResults',
  'assayRuns',
  'tasks',
  'blobs',
];
