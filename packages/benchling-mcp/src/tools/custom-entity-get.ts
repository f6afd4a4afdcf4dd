import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiEntity } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { customEntitySummaryOut, customFieldsOut, fieldsOut, shapeCustomEntitySummary, shapeCustomFields, shapeFields } from './common.js';

export const customEntityGet = benchlingTool({
  name: 'custom_entity_get',
  title: 'Read a Benchling custom entity',
  description: 'Reads one custom entity (a strain, cell line, sgRNA...): metadata, registry id, aliases and schema fields.',
  input: z.object({
    custom_entity_id: idSchema('customEntity').describe('The custom entity (bfi_...)'),
  }),
  output: z.object({
    custom_entity: customEntitySummaryOut.extend({ fields: fieldsOut, custom_fields: customFieldsOut }),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ custom_entity_id: args.custom_entity_id }),
  run: async (args, ctx) => {
    const e = await api(ctx).get<ApiEntity>(`/custom-entities/${args.custom_entity_id}`);
    return { custom_entity: { ...shapeCustomEntitySummary(e), fields: shapeFields(e.fields), custom_fields: shapeCustomFields(e.customFields) } };
  },
});
