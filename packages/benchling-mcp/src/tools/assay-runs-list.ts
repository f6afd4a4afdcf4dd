import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { benchlingTool } from '../context.js';
import { type ApiAssay, assayOut, assaySchemaIdSchema, shapeAssay } from './assay-common.js';
import { cursorArg, listPage, pageSizeArg } from './common.js';

export const assayRunsList = benchlingTool({
  name: 'assay_runs_list',
  title: 'List Benchling assay runs',
  description: "Lists the assay runs of one run schema, a page at a time, oldest first; assay_results_list with run_id gives a run's results.",
  input: z.object({
    schema_id: assaySchemaIdSchema.describe('Assay run schema (assaysch_...); Benchling lists runs per schema'),
    page_size: pageSizeArg(25),
    cursor: cursorArg,
  }),
  output: z.object({ assay_runs: z.array(assayOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ schema_id: args.schema_id }),
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiAssay>(ctx, 'assay_runs_list', filters, {
      path: '/assay-runs',
      envelope: 'assayRuns',
      query: { schemaId: args.schema_id },
      pageSize: page_size,
      cursor,
    });
    return { assay_runs: page.items.map(shapeAssay), next_cursor: page.next_cursor };
  },
});
