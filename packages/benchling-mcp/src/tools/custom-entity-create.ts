import { WRITE_ANNOTATIONS, writeAudit } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiEntity } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { aliasesArg, customEntitySummaryOut, fieldsArg, nameArg, shapeCustomEntitySummary } from './common.js';
import { fieldsForSchema } from './create-common.js';

export const customEntityCreate = benchlingTool({
  name: 'custom_entity_create',
  title: 'Create a Benchling custom entity',
  description:
    'Creates a custom entity (a strain, cell line, sgRNA... as the schema defines) in a folder, with its field values and aliases. ' +
    'Values are checked against the schema first (required fields, types, bounds, link ids); nothing is written unless they all ' +
    'fit. Each call creates a new entity, so do not repeat a call that succeeded.',
  input: z.object({
    name: nameArg.describe('The entity name'),
    schema_id: idSchema('schema').describe('Custom entity schema (ts_...); schemas_list shows its fields'),
    folder_id: idSchema('folder').describe('Where the entity goes (lib_...)'),
    fields: fieldsArg,
    aliases: aliasesArg,
  }),
  output: z.object({ custom_entity: customEntitySummaryOut }),
  annotations: WRITE_ANNOTATIONS,
  targets: (args) => ({ folder_id: args.folder_id, schema_id: args.schema_id }),
  run: async (args, ctx) => {
    const fields = await fieldsForSchema(ctx, { schemaId: args.schema_id, kind: 'custom_entity', fields: args.fields });
    const created = await api(ctx).post<ApiEntity>('/custom-entities', {
      name: args.name,
      schemaId: args.schema_id,
      folderId: args.folder_id,
      ...(fields && { fields }),
      ...(args.aliases?.length && { aliases: args.aliases }),
    });
    writeAudit(ctx.log, { event: 'created', created: { type: 'custom_entity', id: created.id }, folderId: args.folder_id }, 'custom entity created');
    return { custom_entity: shapeCustomEntitySummary(created) };
  },
});
