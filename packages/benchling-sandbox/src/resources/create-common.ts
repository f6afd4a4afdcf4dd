import { z } from 'zod';
import { type ApiError, badRequest } from '../http/errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { Transaction } from '../store/tenant-store.js';
import type { CollectionName, EntityRecord, FieldValue, SchemaKind, SchemaRecord } from '../store/types.js';
import { validateFields } from './fields.js';
import type { OperationContext } from './operation.js';
import { Visibility } from './visibility.js';

/** Bounds on what one create may carry, on top of the body size limit: the tenant lives in memory. */
export const CREATE_LIMITS = { name: 1000, aliases: 50, alias: 1000, customFields: 100, customFieldValue: 10_000, authors: 50 } as const;

export const fieldValueInput = z.union([z.string().max(100_000), z.number(), z.boolean(), z.array(z.string().max(1000)).max(1000), z.null()]);
/** Request `fields`: `{"<field name>": {"value": ...}}`; the read-only parts of Field are ignored if echoed back. */
export const fieldsInput = z.record(z.string().max(1000), z.object({ value: fieldValueInput }));
export const customFieldsInput = z
  .record(z.string().min(1).max(1000), z.object({ value: z.string().max(CREATE_LIMITS.customFieldValue) }))
  .refine((o) => Object.keys(o).length <= CREATE_LIMITS.customFields, `at most ${CREATE_LIMITS.customFields} custom fields`);
export const nameInput = z.string().trim().min(1, 'must not be empty').max(CREATE_LIMITS.name);
export const authorIdsInput = z.array(z.string()).max(CREATE_LIMITS.authors);

const PREFIX_OF: Partial<Record<CollectionName, string>> = {
  entries: ID_PREFIX.entry,
  dnaSequences: ID_PREFIX.dnaSequence,
  // RNA sequences share the seq_ prefix with DNA sequences in Benchling.
  rnaSequences: ID_PREFIX.dnaSequence,
  aaSequences: ID_PREFIX.aaSequence,
  customEntities: ID_PREFIX.customEntity,
};

/** A fresh id for `collection`; random ids essentially never collide, but checking is cheaper than being wrong. */
export function uniqueId(tx: Transaction, collection: 'entries' | 'dnaSequences' | 'rnaSequences' | 'aaSequences' | 'customEntities'): string {
  for (;;) {
    const id = newId(PREFIX_OF[collection]!);
    // DNA and RNA sequences share one id space (seq_).
    const clash =
      collection === 'dnaSequences' || collection === 'rnaSequences'
        ? tx.snapshot.get('dnaSequences', id) || tx.snapshot.get('rnaSequences', id)
        : tx.snapshot.get(collection, id);
    if (!clash) return id;
  }
}

/** Parses a request body with `schema`, turning zod's issues into one Benchling-style 400. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`The request body for ${what} must be a JSON object.`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw invalidBody(result.error.issues, what);
}

function invalidBody(issues: z.core.$ZodIssue[], what: string): ApiError {
  const problems = issues.slice(0, 10).map((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') return `unknown propert${issue.keys.length > 1 ? 'ies' : 'y'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `"${at}" is required`;
    return `"${at}": ${issue.message}`;
  });
  return badRequest(`Invalid ${what}: ${problems.join('; ')}.`);
}

export function resolveAuthors(ctx: OperationContext, authorIds: string[] | undefined): string[] {
  if (!authorIds || authorIds.length === 0) return [ctx.user.id];
  for (const id of authorIds) if (!ctx.snapshot.get('users', id)) throw badRequest(`authorIds: user ${id} not found.`);
  return [...new Set(authorIds)];
}

export function resolveSchema(tx: Transaction, schemaId: string | undefined, kind: SchemaKind, label: string): SchemaRecord | undefined {
  if (schemaId === undefined) return undefined;
  const schema = tx.snapshot.get('schemas', schemaId);
  if (!schema || schema.kind !== kind) throw badRequest(`schemaId: ${label} schema ${schemaId} not found.`);
  if (schema.archiveReason !== null) throw badRequest(`schemaId: schema ${schemaId} is archived.`);
  return schema;
}

/** The folder a new object goes into: it must exist, be visible to the caller and not be archived. */
export function resolveFolder(tx: Transaction, visibility: Visibility, folderId: string): void {
  const folder = tx.snapshot.get('folders', folderId);
  if (!folder || !visibility.folder(folderId)) throw badRequest(`folderId: folder ${folderId} not found.`);
  if (folder.archiveReason !== null) throw badRequest(`folderId: folder ${folderId} is archived.`);
}

export const registrationInput = {
  registryId: z.string().optional(),
  entityRegistryId: z.string().trim().min(1).max(200).optional(),
  namingStrategy: z
    .enum(['NEW_IDS', 'IDS_FROM_NAMES', 'DELETE_NAMES', 'SET_FROM_NAME_PARTS', 'REPLACE_NAMES_FROM_PARTS', 'KEEP_NAMES', 'REPLACE_ID_AND_NAME_FROM_PARTS'])
    .optional(),
};

export type NamingStrategy = NonNullable<z.infer<typeof registrationInput.namingStrategy>>;

/**
 * The registry id (and name) a naming strategy gives an entity. Strategies that need name templates are
 * refused: the sandbox does not model templates.
 */
export function applyNamingStrategy(tx: Transaction, schema: SchemaRecord, name: string, strategy: NamingStrategy): { registryNumber: string; name: string } {
  const next = () => `${schema.prefix ?? ''}${String(tx.nextRegistryNumber(schema.prefix ?? '')).padStart(3, '0')}`;
  switch (strategy) {
    case 'NEW_IDS':
      return { registryNumber: next(), name };
    case 'DELETE_NAMES': {
      const id = next();
      return { registryNumber: id, name: id };
    }
    case 'IDS_FROM_NAMES':
    case 'KEEP_NAMES':
      return { registryNumber: name, name };
    default:
      throw badRequest(
        `namingStrategy ${strategy} needs name templates, which this sandbox does not model; use NEW_IDS, KEEP_NAMES, IDS_FROM_NAMES or DELETE_NAMES.`,
      );
  }
}

export function registryIdTaken(tx: Transaction, registryId: string, registryNumber: string): boolean {
  return [...tx.snapshot.all('dnaSequences'), ...tx.snapshot.all('rnaSequences'), ...tx.snapshot.all('aaSequences'), ...tx.snapshot.all('customEntities')].some(
    (e) => e.registryId === registryId && e.entityRegistryId === registryNumber,
  );
}

export interface EntityInput {
  name: string;
  folderId?: string | undefined;
  schemaId?: string | undefined;
  fields?: Record<string, { value: FieldValue }> | undefined;
  customFields?: Record<string, { value: string }> | undefined;
  aliases?: string[] | undefined;
  authorIds?: string[] | undefined;
  registryId?: string | undefined;
  entityRegistryId?: string | undefined;
  namingStrategy?: z.infer<typeof registrationInput.namingStrategy>;
}

/**
 * The common part of creating a DNA sequence, AA sequence or custom entity, run inside the write transaction
 * so checks (folder, schema, registry id uniqueness) see the state the write will apply to.
 */
export function buildEntity(
  ctx: OperationContext,
  tx: Transaction,
  input: EntityInput,
  kind: SchemaKind,
  collection: 'dnaSequences' | 'rnaSequences' | 'aaSequences' | 'customEntities',
): EntityRecord {
  const visibility = new Visibility(ctx.user, tx.snapshot);
  const schema = resolveSchema(tx, input.schemaId, kind, kind.replace('_', ' '));
  if (input.folderId !== undefined) resolveFolder(tx, visibility, input.folderId);
  else if (input.registryId === undefined) throw badRequest('folderId is required (it may be left out only when registering with registryId).');

  let name = input.name;
  let registration: Pick<EntityRecord, 'registryId' | 'entityRegistryId' | 'registeredAt'> = { registryId: null, entityRegistryId: null, registeredAt: null };
  const now = ctx.now().toISOString();
  if (input.registryId !== undefined) {
    if (input.registryId !== tx.snapshot.data.registryId) throw badRequest(`registryId: registry ${input.registryId} not found.`);
    if (!schema || schema.registryId !== input.registryId) throw badRequest('Registering an entity needs a schemaId whose schema belongs to the registry.');
    if ((input.entityRegistryId === undefined) === (input.namingStrategy === undefined)) {
      throw badRequest('When registering, give exactly one of entityRegistryId and namingStrategy.');
    }
    let registryNumber = input.entityRegistryId;
    if (input.namingStrategy !== undefined) ({ registryNumber, name } = applyNamingStrategy(tx, schema, name, input.namingStrategy));
    if (registryIdTaken(tx, input.registryId, registryNumber!))
      throw badRequest(`Entity registry id ${registryNumber} is already taken in registry ${input.registryId}.`);
    registration = { registryId: input.registryId, entityRegistryId: registryNumber ?? null, registeredAt: now };
  } else if (input.entityRegistryId !== undefined || input.namingStrategy !== undefined) {
    throw badRequest('entityRegistryId and namingStrategy need registryId.');
  }

  const aliases = input.aliases ?? [];
  if (aliases.length > CREATE_LIMITS.aliases) throw badRequest(`aliases: at most ${CREATE_LIMITS.aliases}.`);
  return {
    id: uniqueId(tx, collection),
    name,
    folderId: input.folderId ?? null,
    schemaId: schema?.id ?? null,
    fields: validateFields(tx.snapshot, visibility, schema, input.fields),
    customFields: Object.fromEntries(Object.entries(input.customFields ?? {}).map(([k, v]) => [k, v.value])),
    aliases: [...new Set(aliases.map((a) => a.trim()).filter(Boolean))],
    authorIds: resolveAuthors(ctx, input.authorIds),
    creatorId: ctx.user.id,
    createdAt: now,
    modifiedAt: now,
    archiveReason: null,
    ...registration,
  };
}
