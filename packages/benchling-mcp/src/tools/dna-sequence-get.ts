import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiDnaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { basesArgs, nucleotideDetailOut, shapeNucleotideDetail } from './sequence-common.js';

export const dnaSequenceGet = benchlingTool({
  name: 'dna_sequence_get',
  title: 'Read a Benchling DNA sequence',
  description:
    'Reads one DNA sequence: metadata, schema fields, annotations (features), translations and, unless include_bases is false, ' +
    'the bases (cut at max_bases; bases_truncated says so). Feature ends are exclusive and never 0: a feature up to the last base ends at the length.',
  input: z.object({
    dna_sequence_id: idSchema('dnaSequence').describe('The DNA sequence (seq_...)'),
    ...basesArgs,
  }),
  output: z.object({ dna_sequence: nucleotideDetailOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ dna_sequence_id: args.dna_sequence_id }),
  run: async (args, ctx) => {
    const s = await api(ctx).get<ApiDnaSequence>(`/dna-sequences/${args.dna_sequence_id}`);
    return { dna_sequence: shapeNucleotideDetail(s, args) };
  },
});
