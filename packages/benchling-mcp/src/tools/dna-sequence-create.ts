import { WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiDnaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { aliasesArg, dnaSummaryOut, fieldsArg, nameArg, shapeDnaSummary } from './common.js';
import { fieldsForSchema } from './create-common.js';
import { annotationProblems, annotationsArg, annotationsBody } from './sequence-common.js';

/** Stays below the MCP request body limit (1 MiB by default) with room for the rest of the call. */
const MAX_BASES = 500_000;

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
      bases: z
        .string()
        .min(1)
        .max(MAX_BASES)
        .regex(/^[ACGTUNRYKMSWBDHVacgtunrykmswbdhv]+$/, 'must be IUPAC nucleotide letters only (ACGTUNRYKMSWBDHV), without spaces or numbers')
        .describe('The bases, IUPAC letters'),
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
  run: async (args, ctx) => {
    const fields = await fieldsForSchema(ctx, { schemaId: args.schema_id, kind: 'dna_sequence', fields: args.fields });
    const created = await api(ctx).post<ApiDnaSequence>('/dna-sequences', {
      name: args.name,
      bases: args.bases,
      isCircular: args.is_circular,
      folderId: args.folder_id,
      ...(args.schema_id && { schemaId: args.schema_id }),
      ...(fields && { fields }),
      ...(args.aliases?.length && { aliases: args.aliases }),
      ...(args.annotations?.length && { annotations: annotationsBody(args.annotations, args.bases.length) }),
    });
    ctx.log.info({ audit: true, event: 'created', created: { type: 'dna_sequence', id: created.id }, folderId: args.folder_id }, 'DNA sequence created');
    return { dna_sequence: shapeDnaSummary(created) };
  },
});
