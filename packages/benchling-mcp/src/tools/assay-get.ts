import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { api, benchlingTool } from '../context.js';
import { type ApiAssay, assayIdSchema, assayOut, shapeAssay } from './assay-common.js';

export const assayGet = benchlingTool({
  name: 'assay_get',
  title: 'Read a Benchling assay result or run',
  description: 'Reads one assay result or assay run by id (a UUID): its schema, entry, project, review state and fields (by system name).',
  input: z.object({ kind: z.enum(['result', 'run']).describe('An assay result or an assay run'), id: assayIdSchema }),
  output: z.object({ assay: assayOut.extend({ kind: z.enum(['result', 'run']) }) }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ kind: args.kind, id: args.id }),
  run: async (args, ctx) => {
    const a = await api(ctx).get<ApiAssay>(`${args.kind === 'result' ? '/assay-results' : '/assay-runs'}/${args.id}`);
    return { assay: { ...shapeAssay(a), kind: args.kind } };
  },
});
