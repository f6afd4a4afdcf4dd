import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiAaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { aaSummaryOut, customFieldsOut, fieldsOut, shapeAaSummary, shapeCustomFields, shapeFields } from './common.js';

const MAX_FEATURES = 500;

export const aaSequenceGet = benchlingTool({
  name: 'aa_sequence_get',
  title: 'Read a Benchling AA sequence',
  description:
    'Reads one amino acid sequence: metadata, schema fields, annotations and, unless include_residues is false, the amino acids ' +
    '(cut at max_residues; amino_acids_truncated says so).',
  input: z.object({
    aa_sequence_id: idSchema('aaSequence').describe('The AA sequence (prtn_...)'),
    include_residues: z.boolean().default(true).describe('Also return the amino acids'),
    max_residues: z.number().int().min(1).max(1_000_000).default(50_000).describe('Return at most this many residues'),
  }),
  output: z.object({
    aa_sequence: aaSummaryOut.extend({
      fields: fieldsOut,
      custom_fields: customFieldsOut,
      amino_acids: z.string().nullable(),
      amino_acids_truncated: z.boolean(),
      annotations: z.array(z.object({ name: z.string(), type: z.string().nullable(), start: z.number().nullable(), end: z.number().nullable() })),
    }),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ aa_sequence_id: args.aa_sequence_id }),
  run: async (args, ctx) => {
    const s = await api(ctx).get<ApiAaSequence>(`/aa-sequences/${args.aa_sequence_id}`);
    const residues = typeof s.aminoAcids === 'string' ? s.aminoAcids : null;
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    return {
      aa_sequence: {
        ...shapeAaSummary(s),
        fields: shapeFields(s.fields),
        custom_fields: shapeCustomFields(s.customFields),
        amino_acids: args.include_residues && residues !== null ? residues.slice(0, args.max_residues) : null,
        amino_acids_truncated: args.include_residues && residues !== null && residues.length > args.max_residues,
        annotations: (s.annotations ?? [])
          .slice(0, MAX_FEATURES)
          .map((a) => ({ name: a.name ?? '', type: a.type ?? null, start: num(a.start), end: num(a.end) })),
      },
    };
  },
});
