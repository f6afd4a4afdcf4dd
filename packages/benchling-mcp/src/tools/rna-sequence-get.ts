import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiRnaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { basesArgs, nucleotideDetailOut, shapeNucleotideDetail } from './sequence-common.js';

export const rnaSequenceGet = benchlingTool({
  name: 'rna_sequence_get',
  title: 'Read a Benchling RNA sequence',
  description:
    'Reads one RNA sequence: metadata, schema fields, annotations, translations, HELM and, unless include_bases is false, the bases ' +
    '(cut at max_bases). Feature ends are exclusive and never 0: a feature up to the last base ends at the length.',
  input: z.object({
    rna_sequence_id: idSchema('dnaSequence').describe('The RNA sequence (seq_..., the same prefix as DNA sequences)'),
    ...basesArgs,
  }),
  output: z.object({ rna_sequence: nucleotideDetailOut.extend({ helm: z.string().nullable().describe('HELM notation, with any chemical modifications') }) }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ rna_sequence_id: args.rna_sequence_id }),
  run: async (args, ctx) => {
    const s = await api(ctx).get<ApiRnaSequence>(`/rna-sequences/${args.rna_sequence_id}`);
    const helm = typeof s.helm === 'string' ? s.helm : null;
    return { rna_sequence: { ...shapeNucleotideDetail(s, args), helm: helm && helm.length <= 100_000 ? helm : null } };
  },
});
