import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiDnaSequence } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { dnaSummaryOut, listPage, shapeDnaSummary } from './common.js';
import { entityListInput, entityListQuery, entityTargets } from './entity-lists.js';

export const dnaSequencesList = benchlingTool({
  name: 'dna_sequences_list',
  title: 'List Benchling DNA sequences',
  description:
    'Lists DNA sequences (plasmids, constructs, oligos...) your API key can see, a page at a time, filtered by folder, project, ' +
    'schema, name, registry and modification time. Summaries only (length, topology); dna_sequence_get returns the bases.',
  input: z.object(entityListInput),
  output: z.object({ dna_sequences: z.array(dnaSummaryOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: entityTargets,
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiDnaSequence>(ctx, 'dna_sequences_list', filters, {
      path: '/dna-sequences',
      envelope: 'dnaSequences',
      query: entityListQuery(args),
      pageSize: page_size,
      cursor,
    });
    return { dna_sequences: page.items.map(shapeDnaSummary), next_cursor: page.next_cursor };
  },
});
