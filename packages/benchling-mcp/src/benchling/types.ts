/**
 * The parts of Benchling's response objects the tools read (components.schemas.* in the OpenAPI description).
 * Everything is optional or nullable on purpose: a tenant on another API version may leave fields out, and a
 * missing field must give a null in the tool's answer, not a crash.
 */
export interface UserSummary {
  id?: string;
  name?: string;
  handle?: string;
}

export interface ArchiveRecord {
  reason?: string;
}

export interface SchemaSummary {
  id?: string;
  name?: string;
}

export interface ApiField {
  type?: string;
  isMulti?: boolean;
  value?: unknown;
  displayValue?: string | null;
  textValue?: string | null;
}

export interface ApiNote {
  type?: string;
  text?: string;
  indentation?: number;
  checked?: boolean;
  /** external_file notes: the attached file */
  externalFileId?: string;
  links?: { id?: string; type?: string }[];
  table?: { name?: string; columnLabels?: (string | null)[]; rows?: { cells?: { text?: string }[] }[] };
}

export interface ApiEntryDay {
  date?: string;
  title?: string | null;
  notes?: ApiNote[];
}

export interface ApiEntry {
  id: string;
  displayId?: string;
  name?: string;
  folderId?: string;
  schema?: SchemaSummary | null;
  fields?: Record<string, ApiField>;
  customFields?: Record<string, { value?: unknown }>;
  creator?: UserSummary;
  authors?: UserSummary[];
  reviewRecord?: { status?: string } | null;
  createdAt?: string;
  modifiedAt?: string;
  archiveRecord?: ArchiveRecord | null;
  webURL?: string;
  days?: ApiEntryDay[];
}

export interface ApiFolder {
  id: string;
  name?: string;
  projectId?: string;
  parentFolderId?: string | null;
  archiveRecord?: ArchiveRecord | null;
}

export interface ApiProject {
  id: string;
  name?: string;
  owner?: UserSummary | null;
  archiveRecord?: ArchiveRecord | null;
}

export interface ApiEntity {
  id: string;
  name?: string;
  folderId?: string | null;
  schema?: SchemaSummary | null;
  fields?: Record<string, ApiField>;
  customFields?: Record<string, { value?: unknown }>;
  aliases?: string[];
  registryId?: string | null;
  entityRegistryId?: string | null;
  creator?: UserSummary;
  createdAt?: string;
  modifiedAt?: string;
  archiveRecord?: ArchiveRecord | null;
  webURL?: string;
}

export interface ApiDnaSequence extends ApiEntity {
  bases?: string;
  length?: number;
  isCircular?: boolean;
  annotations?: { name?: string; type?: string; start?: number; end?: number; strand?: number; notes?: string }[];
  translations?: { name?: string; start?: number; end?: number; strand?: number; aminoAcids?: string; regions?: { start?: number; end?: number }[] }[];
}

/** components.schemas.RnaSequence: the DNA sequence's parts plus HELM. */
export interface ApiRnaSequence extends ApiDnaSequence {
  helm?: string | null;
}

export interface ApiAaSequence extends ApiEntity {
  aminoAcids?: string;
  length?: number;
  annotations?: { name?: string; type?: string; start?: number; end?: number }[];
}

export interface ApiFieldDefinition {
  id?: string;
  name: string;
  type: string;
  isRequired?: boolean;
  isMulti?: boolean;
  archiveRecord?: ArchiveRecord | null;
  numericMin?: number | null;
  numericMax?: number | null;
  dropdownId?: string | null;
  schemaId?: string | null;
}

export interface ApiSchema {
  id: string;
  name?: string;
  /** entity schemas: dna_sequence, aa_sequence, custom_entity, mixture, ...; entry schemas: entry */
  type?: string;
  prefix?: string | null;
  registryId?: string | null;
  archiveRecord?: ArchiveRecord | null;
  fieldDefinitions?: ApiFieldDefinition[];
}
