import { WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import { benchlingTool } from '../context.js';
import { aliasesArg, dnaSummaryOut, fieldsArg, nameArg, shapeDnaSummary } from './common.js';
import { annotationProblems, annotationsArg } from './sequence-common.js';
import { basesArg, createSequence } from './sequence-create.js';

export const dnaSequenceCreate = benchlingTool({
  name: 'dna_sequence_create',
  title: 'Create a Benchling DNA sequence',
  description:
    'Creates a DNA sequence in a folder, optionally with a DNA sequence schema and its field values, aliases and annotations. ' +
    'Values are checked against the schema first; nothing is written unless they all fit. Each call creates a new sequence, so do ' +
    'not repeat a call that succeeded.',
  input: z
    .object({
      name: nameArg.describe('The sequence name'),
      bases: basesArg('ACGTUNRYKMSWBDHV').describe('The bases, IUPAC letters'),
      is_circular: z.boolean().describe('true for a plasmid (circular), false for a linear sequence'),
      folder_id: idSchema('folder').describe('Where the sequence goes (lib_...)'),
      schema_id: idSchema('schema').optional().describe('DNA sequence schema (ts_...); needed to set fields'),
      fields: fieldsArg,
      aliases: aliasesArg,
      annotations: annotationsArg([1, -1, 0]),
    })
    .superRefine((a, issue) => {
      for (const message of annotationProblems(a.annotations, a.bases.length, a.is_circular))
        issue.addIssue({ code: 'custom', message, path: ['annotations'] });
    }),
  output: z.object({ dna_sequence: dnaSummaryOut }),
  annotations: WRITE_ANNOTATIONS,
  targets: (args) => ({ folder_id: args.folder_id, ...(args.schema_id && { schema_id: args.schema_id }) }),
  run: async (args, ctx) => ({ dna_sequence: shapeDnaSummary(await createSequence(ctx, 'dna_sequence', args, args.is_circular)) }),
});
