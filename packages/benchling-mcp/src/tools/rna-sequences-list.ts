import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiRnaSequence } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { dnaSummaryOut, listPage, shapeDnaSummary } from './common.js';
import { entityListInput, entityListQuery, entityTargets } from './entity-lists.js';

export const rnaSequencesList = benchlingTool({
  name: 'rna_sequences_list',
  title: 'List Benchling RNA sequences',
  description:
    'Lists RNA sequences (mRNAs, guide RNAs, siRNAs...) your API key can see, a page at a time, filtered by folder, project, schema, ' +
    'name, registry and modification time. Summaries only (length); rna_sequence_get returns the bases.',
  input: z.object(entityListInput),
  output: z.object({ rna_sequences: z.array(dnaSummaryOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: entityTargets,
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiRnaSequence>(ctx, 'rna_sequences_list', filters, {
      path: '/rna-sequences',
      envelope: 'rnaSequences',
      query: entityListQuery(args),
      pageSize: page_size,
      cursor,
    });
    return { rna_sequences: page.items.map(shapeDnaSummary), next_cursor: page.next_cursor };
  },
});
