import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiEntity } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { customEntitySummaryOut, listPage, shapeCustomEntitySummary } from './common.js';
import { entityListInput, entityListQuery, entityTargets } from './entity-lists.js';

export const customEntitiesList = benchlingTool({
  name: 'custom_entities_list',
  title: 'List Benchling custom entities',
  description:
    "Lists custom entities (strains, cell lines, antibodies, sgRNAs... whatever the tenant's schemas define) your API key can see, " +
    'a page at a time, filtered by folder, project, schema, name, registry and modification time. custom_entity_get returns their fields.',
  input: z.object(entityListInput),
  output: z.object({ custom_entities: z.array(customEntitySummaryOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: entityTargets,
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiEntity>(ctx, 'custom_entities_list', filters, {
      path: '/custom-entities',
      envelope: 'customEntities',
      query: entityListQuery(args),
      pageSize: page_size,
      cursor,
    });
    return { custom_entities: page.items.map(shapeCustomEntitySummary), next_cursor: page.next_cursor };
  },
});
