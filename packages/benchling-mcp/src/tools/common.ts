import { DATE_OR_DATE_TIME, cursorArg as kitCursorArg, pageSizeArg as kitPageSizeArg, refuseReservedKeys } from '@labmcp/service-kit';
import { z } from 'zod';
import type { Query } from '../benchling/client.js';
import type { FieldInput } from '../benchling/fields.js';
import type {
  ApiAaSequence,
  ApiDnaSequence,
  ApiEntity,
  ApiEntry,
  ApiField,
  ApiFolder,
  ApiProject,
  ApiSchema,
  ArchiveRecord,
  SchemaSummary,
  UserSummary,
} from '../benchling/types.js';
import { api, type ToolCtx } from '../context.js';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from './cursor.js';

// ---------------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------------

export const pageSizeArg = (defaultSize = 25) => kitPageSizeArg(defaultSize, 100);

export const cursorArg = kitCursorArg(MAX_CURSOR_LENGTH);

export const archivedArg = z
  .enum(['exclude', 'include', 'only'])
  .default('exclude')
  .describe('Archived items: exclude them (default), include them, or list only them');

export const modifiedSinceArg = z
  .string()
  .max(40)
  .regex(DATE_OR_DATE_TIME, 'must be a date (2024-05-01) or an RFC 3339 date-time (2024-05-01T12:00:00Z)')
  .optional()
  .describe('Only items modified after this date or date-time (UTC unless an offset is given)');

export const sortArg = z
  .enum(['modified_desc', 'modified_asc', 'created_desc', 'created_asc', 'name_asc', 'name_desc'])
  .default('modified_desc')
  .describe('Order: by modification time (newest first by default), creation time or name');

export const nameIncludesArg = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .optional()
  .describe('Only items whose name (or alias / registry id) contains this, case-insensitive');

const fieldValue = z.union([z.string().max(100_000), z.number(), z.boolean(), z.array(z.string().max(1000)).max(1000), z.null()]);

export const fieldsArg = refuseReservedKeys(z.record(z.string().min(1).max(256), fieldValue).refine((o) => Object.keys(o).length <= 100, 'at most 100 fields'))
  .optional()
  .describe('Schema field values by field name, e.g. {"Resistance": "Kanamycin", "Copy Number": "high"}; lists for multi-value fields; link fields take ids');

export const nameArg = z.string().trim().min(1, 'must not be empty').max(1000);

export const aliasesArg = z.array(z.string().trim().min(1).max(1000)).max(50).optional().describe('Other names');

export function archiveQuery(archived: 'exclude' | 'include' | 'only'): string | undefined {
  return archived === 'include' ? 'ANY_ARCHIVED_OR_NOT_ARCHIVED' : archived === 'only' ? 'ANY_ARCHIVED' : undefined;
}

const SORTS = {
  modified_desc: 'modifiedAt:desc',
  modified_asc: 'modifiedAt:asc',
  created_desc: 'createdAt:desc',
  created_asc: 'createdAt:asc',
  name_asc: 'name:asc',
  name_desc: 'name:desc',
} as const;

export function sortQuery(sort: keyof typeof SORTS): string {
  return SORTS[sort];
}

/** Benchling's time filters take `> <RFC 3339>`. */
export function modifiedQuery(since: string | undefined): string | undefined {
  return since === undefined ? undefined : `> ${since}`;
}

export function fieldsInput(fields: Record<string, FieldInput> | undefined): Record<string, FieldInput> | undefined {
  return fields && Object.keys(fields).length > 0 ? fields : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------------------------

/** One page of a plain Benchling list, with the tool's cursor wrapped around Benchling's nextToken. */
export async function listPage<T>(
  ctx: ToolCtx,
  tool: string,
  filters: Record<string, unknown>,
  request: { path: string; envelope: string; query: Query; pageSize: number; cursor: string | undefined },
): Promise<{ items: T[]; next_cursor: string | null }> {
  const state = decodeCursor(tool, filters, request.cursor);
  const page = await api(ctx).list<T>(request.path, request.envelope, { ...request.query, pageSize: request.pageSize, nextToken: state.t });
  return { items: page.items, next_cursor: page.nextToken ? encodeCursor(tool, filters, { t: page.nextToken }) : null };
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------------------------

const MAX_FIELD_TEXT = 10_000;

export const refOut = z.object({ id: z.string(), name: z.string().nullable() });

export const fieldsOut = z
  .record(z.string(), z.object({ type: z.string().nullable(), value: z.unknown(), display: z.string().nullable() }))
  .describe('Schema fields by name: the stored value (ids for links) and what the Benchling UI shows');

export const customFieldsOut = z.record(z.string(), z.string()).describe('Custom (schema-less) fields');

export const archivedOut = z.string().nullable().describe('Why it was archived; null when it is not');

export const projectOut = z.object({ id: z.string(), name: z.string(), owner: z.string().nullable(), archived_reason: archivedOut });

export const folderOut = z.object({
  id: z.string(),
  name: z.string(),
  project_id: z.string().nullable(),
  parent_folder_id: z.string().nullable(),
  archived_reason: archivedOut,
});

export const entrySummaryOut = z.object({
  id: z.string(),
  display_id: z.string().nullable(),
  name: z.string(),
  folder_id: z.string().nullable(),
  schema: refOut.nullable(),
  review_status: z.string().nullable(),
  creator: z.string().nullable(),
  authors: z.array(z.string()),
  created_at: z.string().nullable(),
  modified_at: z.string().nullable(),
  archived_reason: archivedOut,
  web_url: z.string().nullable(),
});

export const entityBaseShape = {
  id: z.string(),
  name: z.string(),
  folder_id: z.string().nullable(),
  schema: refOut.nullable(),
  registry_id: z.string().nullable(),
  entity_registry_id: z.string().nullable().describe('The registry id (e.g. PLS001) once registered'),
  aliases: z.array(z.string()),
  creator: z.string().nullable(),
  created_at: z.string().nullable(),
  modified_at: z.string().nullable(),
  archived_reason: archivedOut,
  web_url: z.string().nullable(),
};

export const dnaSummaryOut = z.object({ ...entityBaseShape, length: z.number().nullable(), is_circular: z.boolean().nullable() });
export const aaSummaryOut = z.object({ ...entityBaseShape, length: z.number().nullable() });
export const customEntitySummaryOut = z.object(entityBaseShape);

export const schemaFieldOut = z.object({
  name: z.string(),
  type: z.string(),
  required: z.boolean(),
  multi: z.boolean(),
  archived: z.boolean(),
  linked_schema_id: z.string().nullable(),
  numeric_min: z.number().nullable(),
  numeric_max: z.number().nullable(),
  dropdown_id: z.string().nullable(),
});

export const schemaOut = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().describe('entry, or the entity type: dna_sequence, aa_sequence, custom_entity, ...'),
  prefix: z.string().nullable(),
  registry_id: z.string().nullable(),
  archived_reason: archivedOut,
  fields: z.array(schemaFieldOut),
});

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const archived = (r: ArchiveRecord | null | undefined): string | null => (r && typeof r.reason === 'string' ? r.reason : r ? 'Archived' : null);
const person = (u: UserSummary | null | undefined): string | null => (u ? (u.name ?? u.handle ?? u.id ?? null) : null);
export const schemaRef = (s: SchemaSummary | null | undefined) => (s?.id ? { id: s.id, name: s.name ?? null } : null);

export function shapeProject(p: ApiProject): z.infer<typeof projectOut> {
  return { id: p.id, name: p.name ?? '', owner: person(p.owner), archived_reason: archived(p.archiveRecord) };
}

export function shapeFolder(f: ApiFolder): z.infer<typeof folderOut> {
  return { id: f.id, name: f.name ?? '', project_id: str(f.projectId), parent_folder_id: str(f.parentFolderId), archived_reason: archived(f.archiveRecord) };
}

export function shapeEntrySummary(e: ApiEntry): z.infer<typeof entrySummaryOut> {
  return {
    id: e.id,
    display_id: str(e.displayId),
    name: e.name ?? '',
    folder_id: str(e.folderId),
    schema: schemaRef(e.schema),
    review_status: str(e.reviewRecord?.status),
    creator: person(e.creator),
    authors: (e.authors ?? []).map(person).filter((x): x is string => x !== null),
    created_at: str(e.createdAt),
    modified_at: str(e.modifiedAt),
    archived_reason: archived(e.archiveRecord),
    web_url: str(e.webURL),
  };
}

function clip(v: unknown): unknown {
  return typeof v === 'string' && v.length > MAX_FIELD_TEXT ? `${v.slice(0, MAX_FIELD_TEXT)}…` : v;
}

export function shapeFields(fields: Record<string, ApiField> | undefined): z.infer<typeof fieldsOut> {
  const out: z.infer<typeof fieldsOut> = {};
  for (const [name, f] of Object.entries(fields ?? {})) {
    const display = f?.displayValue ?? f?.textValue ?? null;
    out[name] = { type: str(f?.type), value: clip(f?.value ?? null), display: typeof display === 'string' ? (clip(display) as string) : null };
  }
  return out;
}

export function shapeCustomFields(custom: Record<string, { value?: unknown }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(custom ?? {})) out[name] = String(clip(v?.value ?? ''));
  return out;
}

function entityBase(e: ApiEntity) {
  return {
    id: e.id,
    name: e.name ?? '',
    folder_id: str(e.folderId),
    schema: schemaRef(e.schema),
    registry_id: str(e.registryId),
    entity_registry_id: str(e.entityRegistryId),
    aliases: Array.isArray(e.aliases) ? e.aliases.filter((a): a is string => typeof a === 'string') : [],
    creator: person(e.creator),
    created_at: str(e.createdAt),
    modified_at: str(e.modifiedAt),
    archived_reason: archived(e.archiveRecord),
    web_url: str(e.webURL),
  };
}

export function shapeDnaSummary(s: ApiDnaSequence): z.infer<typeof dnaSummaryOut> {
  const length = typeof s.length === 'number' ? s.length : typeof s.bases === 'string' ? s.bases.length : null;
  return { ...entityBase(s), length, is_circular: typeof s.isCircular === 'boolean' ? s.isCircular : null };
}

export function shapeAaSummary(s: ApiAaSequence): z.infer<typeof aaSummaryOut> {
  const length = typeof s.length === 'number' ? s.length : typeof s.aminoAcids === 'string' ? s.aminoAcids.length : null;
  return { ...entityBase(s), length };
}

export function shapeCustomEntitySummary(e: ApiEntity): z.infer<typeof customEntitySummaryOut> {
  return entityBase(e);
}

export function shapeSchema(s: ApiSchema, kind?: string): z.infer<typeof schemaOut> {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    id: s.id,
    name: s.name ?? '',
    kind: s.type ?? kind ?? 'unknown',
    prefix: s.prefix ? s.prefix : null,
    registry_id: s.registryId ? s.registryId : null,
    archived_reason: archived(s.archiveRecord),
    fields: (s.fieldDefinitions ?? []).map((d) => ({
      name: d.name,
      type: d.type,
      required: d.isRequired === true,
      multi: d.isMulti === true,
      archived: Boolean(d.archiveRecord),
      linked_schema_id: str(d.schemaId),
      numeric_min: num(d.numericMin),
      numeric_max: num(d.numericMax),
      dropdown_id: str(d.dropdownId),
    })),
  };
}
