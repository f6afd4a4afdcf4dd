import { DATE_OR_DATE_TIME, nextCursorOut, READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { benchlingTool } from '../context.js';
import { type ApiAssay, assayIdSchema, assayOut, assaySchemaIdSchema, shapeAssay } from './assay-common.js';
import { archivedArg, archiveQuery, cursorArg, listPage, pageSizeArg } from './common.js';
import { storageIdSchema } from './inventory-common.js';

/** Benchling: "Filter by comma-separated list of related Entity IDs, maximum of 20." (and the same for storage) */
const MAX_RELATED = 20;

const entityIdSchema = z
  .string()
  .max(80)
  .regex(/^(seq|prtn|bfi)_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be an entity id (seq_, prtn_ or bfi_)');

export const assayResultsList = benchlingTool({
  name: 'assay_results_list',
  title: 'List Benchling assay results',
  description:
    'Lists assay results a page at a time, oldest first: by schema, by the entities they concern (sequences, custom entities), by ' +
    'the inventory they concern (containers, plates...), by run, by creation time. Give at least one of schema_id, entity_ids, ' +
    'storage_ids or run_id. Fields are shown as the entity tools show them, keyed by system name.',
  input: z.object({
    schema_id: assaySchemaIdSchema.optional().describe('Assay result schema (assaysch_...); assay_schemas_list shows them'),
    entity_ids: z.array(entityIdSchema).min(1).max(MAX_RELATED).optional().describe(`Results about any of these entities (at most ${MAX_RELATED})`),
    storage_ids: z
      .array(storageIdSchema(['location', 'box', 'plate', 'container']))
      .min(1)
      .max(MAX_RELATED)
      .optional()
      .describe(`Results about any of these containers, plates, boxes or locations (at most ${MAX_RELATED})`),
    run_id: assayIdSchema.optional().describe('Results of this assay run'),
    created_since: z.string().max(40).regex(DATE_OR_DATE_TIME, 'must be a date or an RFC 3339 date-time').optional(),
    archived: archivedArg,
    sort: z.enum(['created_asc', 'created_desc', 'modified_desc']).default('created_asc'),
    page_size: pageSizeArg(25),
    cursor: cursorArg,
  }),
  output: z.object({ assay_results: z.array(assayOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({
    ...(args.schema_id && { schema_id: args.schema_id }),
    ...(args.entity_ids && { entity_ids: args.entity_ids }),
    ...(args.run_id && { run_id: args.run_id }),
  }),
  run: async (args, ctx) => {
    if (!args.schema_id && !args.entity_ids && !args.storage_ids && !args.run_id) {
      throw new ToolError(
        'Give schema_id, entity_ids, storage_ids or run_id: listing every assay result of the tenant is not useful. assay_schemas_list shows the schemas.',
      );
    }
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiAssay>(ctx, 'assay_results_list', filters, {
      path: '/assay-results',
      envelope: 'assayResults',
      query: {
        schemaId: args.schema_id,
        entityIds: args.entity_ids?.join(','),
        storageIds: args.storage_ids?.join(','),
        assayRunIds: args.run_id,
        'createdAt.gte': args.created_since,
        archiveReason: archiveQuery(args.archived),
        sort: { created_asc: 'createdAt:asc', created_desc: 'createdAt:desc', modified_desc: 'modifiedAt:desc' }[args.sort],
      },
      pageSize: page_size,
      cursor,
    });
    return { assay_results: page.items.map(shapeAssay), next_cursor: page.next_cursor };
  },
});
