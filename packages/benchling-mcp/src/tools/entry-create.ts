import { WRITE_ANNOTATIONS, writeAudit } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiEntry } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { entrySummaryOut, fieldsArg, nameArg, shapeEntrySummary } from './common.js';
import { fieldsForSchema } from './create-common.js';

export const entryCreate = benchlingTool({
  name: 'entry_create',
  title: 'Create a Benchling notebook entry',
  description:
    'Creates a notebook entry in a folder, optionally with an entry schema and its field values. The values are checked against ' +
    'the schema first (required fields, types, bounds, link ids); nothing is written unless they all fit. Each call creates a new ' +
    'entry, so do not repeat a call that succeeded.',
  input: z.object({
    name: nameArg.describe('The entry name'),
    folder_id: idSchema('folder').describe('Where the entry goes (lib_...)'),
    schema_id: idSchema('schema').optional().describe('Entry schema (ts_...); needed to set fields'),
    fields: fieldsArg,
    author_ids: z.array(idSchema('user')).min(1).max(50).optional().describe("Authors (ent_...); default: the key's user"),
  }),
  output: z.object({ entry: entrySummaryOut }),
  annotations: WRITE_ANNOTATIONS,
  targets: (args) => ({ folder_id: args.folder_id, ...(args.schema_id && { schema_id: args.schema_id }) }),
  run: async (args, ctx) => {
    const fields = await fieldsForSchema(ctx, { schemaId: args.schema_id, kind: 'entry', fields: args.fields });
    const created = await api(ctx).post<ApiEntry>('/entries', {
      name: args.name,
      folderId: args.folder_id,
      ...(args.schema_id && { schemaId: args.schema_id }),
      ...(fields && { fields }),
      ...(args.author_ids && { authorIds: args.author_ids }),
    });
    writeAudit(ctx.log, { event: 'created', created: { type: 'entry', id: created.id }, folderId: args.folder_id }, 'entry created');
    return { entry: shapeEntrySummary(created) };
  },
});
