import { z } from 'zod';
import type { ApiField, ArchiveRecord, SchemaSummary, UserSummary } from '../benchling/types.js';
import { archivedOut, fieldsOut, refOut, schemaRef, shapeFields } from './common.js';

/** Assay result and run ids are UUIDs. */
export const assayIdSchema = z
  .string()
  .max(40)
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be an assay result or run id (a UUID)');

export const assaySchemaIdSchema = z
  .string()
  .max(80)
  .regex(/^assaysch_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be an assay schema id: assaysch_ followed by letters and digits');

export interface ApiAssay {
  id: string;
  schema?: SchemaSummary | null;
  fields?: Record<string, ApiField>;
  entryId?: string | null;
  projectId?: string | null;
  creator?: UserSummary;
  createdAt?: string;
  modifiedAt?: string;
  archiveRecord?: ArchiveRecord | null;
  isReviewed?: boolean;
  validationStatus?: string;
  validationComment?: string | null;
}

export const assayOut = z.object({
  id: z.string(),
  schema: refOut.nullable(),
  entry_id: z.string().nullable().describe('The notebook entry it is attached to'),
  project_id: z.string().nullable(),
  creator: z.string().nullable(),
  created_at: z.string().nullable(),
  modified_at: z.string().nullable(),
  reviewed: z.boolean().nullable().describe('Attached to an accepted entry'),
  validation_status: z.string().nullable(),
  archived_reason: archivedOut,
  fields: fieldsOut.describe('Result fields by system name (Benchling keys assay fields so): the stored value (ids for links) and what the UI shows'),
});

const str = (v: unknown) => (typeof v === 'string' ? v : null);

export function shapeAssay(a: ApiAssay): z.infer<typeof assayOut> {
  return {
    id: a.id,
    schema: schemaRef(a.schema),
    entry_id: str(a.entryId),
    project_id: str(a.projectId),
    creator: a.creator ? (a.creator.name ?? a.creator.handle ?? a.creator.id ?? null) : null,
    created_at: str(a.createdAt),
    modified_at: str(a.modifiedAt),
    reviewed: typeof a.isReviewed === 'boolean' ? a.isReviewed : null,
    validation_status: str(a.validationStatus),
    archived_reason: a.archiveRecord ? (str(a.archiveRecord.reason) ?? 'Archived') : null,
    fields: shapeFields(a.fields),
  };
}
