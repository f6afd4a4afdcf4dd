import { z } from 'zod';
import { benchlingEnd, plainEnd } from '../benchling/features.js';
import type { ApiDnaSequence } from '../benchling/types.js';
import { customFieldsOut, dnaSummaryOut, fieldsOut, shapeCustomFields, shapeDnaSummary, shapeFields } from './common.js';

/** What DNA and RNA sequence reads and creates share: features in plain coordinates (see benchling/features.ts). */

export const MAX_FEATURES = 500;

const coordinatesNote = 'start 0-based inclusive, end exclusive (1..length; Benchling writes the end of the sequence as 0, shown here as the length)';

export const nucleotideDetailOut = dnaSummaryOut.extend({
  fields: fieldsOut,
  custom_fields: customFieldsOut,
  bases: z.string().nullable(),
  bases_truncated: z.boolean(),
  annotations: z
    .array(z.object({ name: z.string(), type: z.string().nullable(), start: z.number().nullable(), end: z.number().nullable(), strand: z.number().nullable() }))
    .describe(`Features: ${coordinatesNote}; start > end runs across the origin of a circular sequence`),
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
});

export const basesArgs = {
  include_bases: z.boolean().default(true).describe('Also return the bases'),
  max_bases: z.number().int().min(1).max(1_000_000).default(50_000).describe('Return at most this many bases'),
};

export function shapeNucleotideDetail(s: ApiDnaSequence, args: { include_bases: boolean; max_bases: number }): z.infer<typeof nucleotideDetailOut> {
  const bases = typeof s.bases === 'string' ? s.bases : null;
  const length = typeof s.length === 'number' ? s.length : (bases?.length ?? null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const annotations = s.annotations ?? [];
  const translations = s.translations ?? [];
  return {
    ...shapeDnaSummary(s),
    fields: shapeFields(s.fields),
    custom_fields: shapeCustomFields(s.customFields),
    bases: args.include_bases && bases !== null ? bases.slice(0, args.max_bases) : null,
    bases_truncated: args.include_bases && bases !== null && bases.length > args.max_bases,
    annotations: annotations.slice(0, MAX_FEATURES).map((a) => ({
      name: a.name ?? '',
      type: a.type ?? null,
      start: num(a.start),
      end: plainEnd(num(a.end), length),
      strand: num(a.strand),
    })),
    translations: translations.slice(0, MAX_FEATURES).map((t) => ({
      name: t.name ?? '',
      start: num(t.start),
      end: plainEnd(num(t.end), length),
      strand: num(t.strand),
      amino_acids: typeof t.aminoAcids === 'string' ? t.aminoAcids.slice(0, 10_000) : null,
    })),
    features_truncated: annotations.length > MAX_FEATURES || translations.length > MAX_FEATURES,
  };
}

/** Annotations as create tools take them: plain coordinates, start > end only across the origin of a circular sequence. */
export function annotationsArg(strands: readonly [number, ...number[]]) {
  return z
    .array(
      z.object({
        name: z.string().trim().min(1).max(255),
        start: z.number().int().min(0).describe('0-based start'),
        end: z.number().int().min(1).describe('0-based end, exclusive (the length for a feature up to the last base)'),
        strand: z
          .number()
          .int()
          .refine((v) => strands.includes(v), `must be one of ${strands.join(', ')}`)
          .default(1),
        type: z.string().trim().min(1).max(255).default('misc_feature').describe('Feature type, e.g. CDS, promoter'),
      }),
    )
    .max(200)
    .optional()
    .describe('Features on the sequence');
}

type AnnotationArg = { name: string; start: number; end: number; strand: number; type: string };

/** Problems with annotations against the bases, in words; empty when they fit. */
export function annotationProblems(annotations: AnnotationArg[] | undefined, length: number, circular: boolean): string[] {
  const problems: string[] = [];
  for (const a of annotations ?? []) {
    if (a.end > length || a.start >= length) problems.push(`annotation "${a.name}" (${a.start}..${a.end}) lies outside the ${length} bases`);
    else if (a.start === a.end) problems.push(`annotation "${a.name}" is empty (start = end)`);
    else if (a.start > a.end && !circular) problems.push(`annotation "${a.name}" has start > end, which only a circular sequence allows (across the origin)`);
  }
  return problems;
}

/** The request form of annotations: Benchling's end convention. */
export function annotationsBody(annotations: AnnotationArg[] | undefined, length: number): Record<string, unknown>[] | undefined {
  if (!annotations?.length) return undefined;
  return annotations.map((a) => ({ name: a.name, start: a.start, end: benchlingEnd(a.end, length), strand: a.strand, type: a.type }));
}
