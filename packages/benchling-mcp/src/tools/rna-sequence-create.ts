import { WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import { benchlingTool } from '../context.js';
import { aliasesArg, dnaSummaryOut, fieldsArg, nameArg, shapeDnaSummary } from './common.js';
import { annotationProblems, annotationsArg } from './sequence-common.js';
import { basesArg, createSequence } from './sequence-create.js';

export const rnaSequenceCreate = benchlingTool({
  name: 'rna_sequence_create',
  title: 'Create a Benchling RNA sequence',
  description:
    'Creates a (linear) RNA sequence in a folder, optionally with an RNA sequence schema and its field values, aliases and annotations. ' +
    'Values are checked against the schema first; nothing is written unless they all fit. Each call creates a new sequence, so do ' +
    'not repeat a call that succeeded.',
  input: z
    .object({
      name: nameArg.describe('The sequence name'),
      bases: basesArg('ACGUNRYKMSWBDHV').describe('The bases, IUPAC letters (U for uracil)'),
      folder_id: idSchema('folder').describe('Where the sequence goes (lib_...)'),
      schema_id: idSchema('schema').optional().describe('RNA sequence schema (ts_...); needed to set fields'),
      fields: fieldsArg,
      aliases: aliasesArg,
      // RnaAnnotation strands are 0 or 1.
      annotations: annotationsArg([1, 0]),
    })
    .superRefine((a, issue) => {
      for (const message of annotationProblems(a.annotations, a.bases.length, false)) issue.addIssue({ code: 'custom', message, path: ['annotations'] });
    }),
  output: z.object({ rna_sequence: dnaSummaryOut }),
  annotations: WRITE_ANNOTATIONS,
  targets: (args) => ({ folder_id: args.folder_id, ...(args.schema_id && { schema_id: args.schema_id }) }),
  run: async (args, ctx) => ({ rna_sequence: shapeDnaSummary(await createSequence(ctx, 'rna_sequence', args, false)) }),
});
