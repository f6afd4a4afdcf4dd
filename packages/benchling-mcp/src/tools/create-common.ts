import { ToolError } from '@labmcp/service-kit';
import { BenchlingError } from '../benchling/errors.js';
import { checkFields, type FieldInput } from '../benchling/fields.js';
import type { ApiSchema } from '../benchling/types.js';
import { api, type ToolCtx } from '../context.js';

const ENTITY_LABEL: Record<string, string> = {
  dna_sequence: 'DNA sequence',
  rna_sequence: 'RNA sequence',
  aa_sequence: 'AA sequence',
  custom_entity: 'custom entity',
  entry: 'entry',
};
const PLURAL: Record<string, string> = {
  'DNA sequence': 'DNA sequences',
  'RNA sequence': 'RNA sequences',
  'custom entity': 'custom entities',
  entry: 'entries',
};

/**
 * Fetches the target schema and checks the field values against it before anything is written: the schema
 * must exist, be of the right kind and not be archived, and the values must fit (see checkFields). Returns
 * the fields in Benchling's request shape; throws one ToolError listing every problem.
 */
export async function fieldsForSchema(
  ctx: ToolCtx,
  options: {
    schemaId: string | undefined;
    kind: 'entry' | 'dna_sequence' | 'rna_sequence' | 'custom_entity';
    fields: Record<string, FieldInput> | undefined;
    /** An update of an existing object: only the fields given are checked (and its schema may be archived since). */
    update?: boolean;
  },
): Promise<Record<string, { value: FieldInput }> | undefined> {
  const { schemaId, kind } = options;
  const given = options.fields && Object.keys(options.fields).length > 0 ? options.fields : undefined;
  const label = ENTITY_LABEL[kind] ?? kind;
  if (!schemaId) {
    if (given)
      throw new ToolError(
        `fields need a schema_id: without a schema a ${label} has no fields to set. schemas_list shows the schemas and their fields.`,
        'schema_validation',
      );
    return undefined;
  }
  const session = api(ctx);
  const family = kind === 'entry' ? 'entry' : 'entity';
  let schema: ApiSchema;
  try {
    schema = await ctx.cache.get(session, `${family}-schema`, schemaId, () =>
      session.get<ApiSchema>(family === 'entry' ? `/entry-schemas/${schemaId}` : `/entity-schemas/${schemaId}`),
    );
  } catch (err) {
    if (err instanceof BenchlingError && err.kind === 'not_found') {
      throw new ToolError(
        `${schemaId} is not ${family === 'entry' ? 'an entry' : 'an entity'} schema in this Benchling tenant; schemas_list with kind "${family}" lists them.`,
        'schema_validation',
      );
    }
    throw err;
  }
  if (kind !== 'entry' && schema.type && schema.type !== kind) {
    throw new ToolError(
      `Schema "${schema.name ?? schemaId}" (${schemaId}) is for ${ENTITY_LABEL[schema.type] ?? schema.type} objects, not ${PLURAL[label] ?? label}; pick a ${label} schema (schemas_list).`,
      'schema_validation',
    );
  }
  if (schema.archiveRecord && !options.update)
    throw new ToolError(`Schema "${schema.name ?? schemaId}" (${schemaId}) is archived: new objects cannot use it.`, 'schema_validation');
  const { fields, problems } = checkFields(schema, given, { partial: options.update === true });
  if (problems.length) {
    throw new ToolError(
      `Nothing was ${options.update ? 'changed' : 'created'}: the values do not fit schema "${schema.name ?? schemaId}" (${schemaId}):\n${problems.map((p) => `- ${p}`).join('\n')}`,
      'schema_validation',
    );
  }
  return Object.keys(fields).length ? fields : undefined;
}
