import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiDnaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { customFieldsOut, dnaSummaryOut, fieldsOut, shapeCustomFields, shapeDnaSummary, shapeFields } from './common.js';

const MAX_FEATURES = 500;

export const dnaSequenceGet = benchlingTool({
  name: 'dna_sequence_get',
  title: 'Read a Benchling DNA sequence',
  description:
    'Reads one DNA sequence: metadata, schema fields, annotations (features), translations and, unless include_bases is false, ' +
    'the bases (cut at max_bases; bases_truncated says so).',
  input: z.object({
    dna_sequence_id: idSchema('dnaSequence').describe('The DNA sequence (seq_...)'),
    include_bases: z.boolean().default(true).describe('Also return the bases'),
    max_bases: z.number().int().min(1).max(1_000_000).default(50_000).describe('Return at most this many bases'),
  }),
  output: z.object({
    dna_sequence: dnaSummaryOut.extend({
      fields: fieldsOut,
      custom_fields: customFieldsOut,
      bases: z.string().nullable(),
      bases_truncated: z.boolean(),
      annotations: z.array(
        z.object({ name: z.string(), type: z.string().nullable(), start: z.number().nullable(), end: z.number().nullable(), strand: z.number().nullable() }),
      ),
      translations: z.array(
        z.object({
          name: z.string(),
          start: z.number().nullable(),
          end: z.number().nullable(),
          strand: z.number().nullable(),
          amino_acids: z.string().nullable(),
        }),
      ),
      features_truncated: z.boolean().describe(`true when there were more than ${MAX_FEATURES} annotations or translations`),
    }),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ dna_sequence_id: args.dna_sequence_id }),
  run: async (args, ctx) => {
    const s = await api(ctx).get<ApiDnaSequence>(`/dna-sequences/${args.dna_sequence_id}`);
    const bases = typeof s.bases === 'string' ? s.bases : null;
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    const annotations = s.annotations ?? [];
    const translations = s.translations ?? [];
    return {
      dna_sequence: {
        ...shapeDnaSummary(s),
        fields: shapeFields(s.fields),
        custom_fields: shapeCustomFields(s.customFields),
        bases: args.include_bases && bases !== null ? bases.slice(0, args.max_bases) : null,
        bases_truncated: args.include_bases && bases !== null && bases.length > args.max_bases,
        annotations: annotations
          .slice(0, MAX_FEATURES)
          .map((a) => ({ name: a.name ?? '', type: a.type ?? null, start: num(a.start), end: num(a.end), strand: num(a.strand) })),
        translations: translations.slice(0, MAX_FEATURES).map((t) => ({
          name: t.name ?? '',
          start: num(t.start),
          end: num(t.end),
          strand: num(t.strand),
          amino_acids: typeof t.aminoAcids === 'string' ? t.aminoAcids.slice(0, 10_000) : null,
        })),
        features_truncated: annotations.length > MAX_FEATURES || translations.length > MAX_FEATURES,
      },
    };
  },
});
