import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiSchema } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { cursorArg, listPage, pageSizeArg, schemaOut, shapeSchema } from './common.js';

export const assaySchemasList = benchlingTool({
  name: 'assay_schemas_list',
  title: 'List Benchling assay schemas',
  description:
    'Lists assay result schemas (kind "result") or assay run schemas (kind "run") with their fields. Field names are the system ' +
    'names that assay_results_list and assay_get use as keys.',
  input: z.object({ kind: z.enum(['result', 'run']).default('result'), page_size: pageSizeArg(50), cursor: cursorArg }),
  output: z.object({ schemas: z.array(schemaOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ kind: args.kind }),
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const result = args.kind === 'result';
    const page = await listPage<ApiSchema>(ctx, 'assay_schemas_list', filters, {
      path: result ? '/assay-result-schemas' : '/assay-run-schemas',
      envelope: result ? 'assayResultSchemas' : 'assayRunSchemas',
      query: {},
      pageSize: page_size,
      cursor,
    });
    return { schemas: page.items.map((s) => shapeSchema(s, result ? 'assay_result' : 'assay_run')), next_cursor: page.next_cursor };
  },
});
