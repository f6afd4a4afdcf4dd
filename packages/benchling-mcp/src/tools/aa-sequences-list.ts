import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiAaSequence } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { aaSummaryOut, listPage, shapeAaSummary } from './common.js';
import { entityListInput, entityListQuery, entityTargets } from './entity-lists.js';

export const aaSequencesList = benchlingTool({
  name: 'aa_sequences_list',
  title: 'List Benchling AA sequences',
  description:
    'Lists amino acid sequences (proteins, peptides) your API key can see, a page at a time, filtered by folder, project, schema, ' +
    'name, registry and modification time. Summaries only; aa_sequence_get returns the residues.',
  input: z.object(entityListInput),
  output: z.object({ aa_sequences: z.array(aaSummaryOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: entityTargets,
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiAaSequence>(ctx, 'aa_sequences_list', filters, {
      path: '/aa-sequences',
      envelope: 'aaSequences',
      query: entityListQuery(args),
      pageSize: page_size,
      cursor,
    });
    return { aa_sequences: page.items.map(shapeAaSummary), next_cursor: page.next_cursor };
  },
});
