import { WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiRnaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { aliasesArg, dnaSummaryOut, fieldsArg, nameArg, shapeDnaSummary } from './common.js';
import { fieldsForSchema } from './create-common.js';
import { annotationProblems, annotationsArg, annotationsBody } from './sequence-common.js';

/** As for DNA: below the MCP request body limit with room for the rest of the call. */
const MAX_BASES = 500_000;

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
      bases: z
        .string()
        .min(1)
        .max(MAX_BASES)
        .regex(/^[ACGUTNRYKMSWBDHVacgutnrykmswbdhv]+$/, 'must be IUPAC nucleotide letters only (ACGUNRYKMSWBDHV), without spaces or numbers')
        .describe('The bases, IUPAC letters (U for uracil)'),
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
  run: async (args, ctx) => {
    const fields = await fieldsForSchema(ctx, { schemaId: args.schema_id, kind: 'rna_sequence', fields: args.fields });
    const annotations = annotationsBody(args.annotations, args.bases.length);
    const created = await api(ctx).post<ApiRnaSequence>('/rna-sequences', {
      name: args.name,
      bases: args.bases,
      isCircular: false,
      folderId: args.folder_id,
      ...(args.schema_id && { schemaId: args.schema_id }),
      ...(fields && { fields }),
      ...(args.aliases?.length && { aliases: args.aliases }),
      ...(annotations && { annotations }),
    });
    ctx.log.info({ audit: true, event: 'created', created: { type: 'rna_sequence', id: created.id }, folderId: args.folder_id }, 'RNA sequence created');
    return { rna_sequence: shapeDnaSummary(created) };
  },
});
