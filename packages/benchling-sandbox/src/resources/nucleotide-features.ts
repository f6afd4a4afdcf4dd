import { z } from 'zod';
import { reverseComplement, translate } from '../bio.js';
import { badRequest } from '../http/errors.js';
import type { Snapshot } from '../store/tenant-store.js';
import type { DnaAnnotationRecord, SequencePartRecord, TranslationRecord } from '../store/types.js';
import { type Range, sliceRange, storedRange } from './features.js';
import type { Visibility } from './visibility.js';

/**
 * The features of DNA and RNA sequence creates (annotations, translations, parts, primers), accepted as the
 * spec's request schemas allow them (DnaAnnotation/RnaAnnotation, Translation, DnaSequencePart/RnaSequencePart,
 * Primer), read-only properties echoed back from a GET ignored, and checked against the new sequence.
 */

export const MAX_FEATURES = 1000;

const featureCustomFields = z.array(z.object({ name: z.string().max(1000).optional(), value: z.string().max(10_000).optional() })).max(100);

const featureBase = {
  name: z.string().max(2048).optional(),
  color: z.string().max(32).optional(),
  notes: z.string().max(10_000).optional(),
  customFields: featureCustomFields.optional(),
};

/** `strand` of DnaAnnotation is -1..1; RnaAnnotation's is 0..1. */
export function annotationInput(strands: readonly number[]) {
  return z.object({
    ...featureBase,
    start: z.number().int(),
    end: z.number().int(),
    strand: z
      .number()
      .int()
      .refine((s) => strands.includes(s), `must be one of ${strands.join(', ')}`)
      .optional(),
    type: z.string().max(255).optional(),
  });
}

const coordinate = z.number().int();

export const translationInput = z.object({
  ...featureBase,
  start: coordinate.optional(),
  end: coordinate.optional(),
  strand: z.union([z.literal(-1), z.literal(1)]).optional(),
  regions: z
    .array(z.object({ start: coordinate, end: coordinate }))
    .min(1)
    .max(100)
    .optional(),
  geneticCode: z.string().optional(),
  coerceStartCodonToMethionine: z.boolean().optional(),
  // read-only in the spec; a body copied from a GET may carry it
  aminoAcids: z.string().optional(),
});

export const partInput = z.object({ sequenceId: z.string().min(1), start: coordinate, end: coordinate, strand: z.number().int().min(-1).max(1).optional() });

/** Primer: only oligoId, start, end and strand are writable (bases, bindPosition, ... are read-only). */
export const primerInput = z.object({
  oligoId: z.string().optional(),
  start: coordinate.optional(),
  end: coordinate.optional(),
  strand: z.number().int().optional(),
  bases: z.string().optional(),
  bindPosition: z.number().optional(),
  color: z.string().optional(),
  name: z.string().optional(),
  overhangLength: z.number().optional(),
});

export interface FeatureInputs {
  annotations?: z.infer<ReturnType<typeof annotationInput>>[] | undefined;
  translations?: z.infer<typeof translationInput>[] | undefined;
  parts?: z.infer<typeof partInput>[] | undefined;
  primers?: z.infer<typeof primerInput>[] | undefined;
}

export interface Features {
  annotations: DnaAnnotationRecord[];
  translations: TranslationRecord[];
  parts: SequencePartRecord[];
}

const customFieldsOf = (c: z.infer<typeof featureCustomFields> | undefined) => (c ?? []).map((f) => ({ name: f.name ?? '', value: f.value ?? '' }));

/**
 * Checks and converts the features of a new sequence. `partKind` is the collection a part's sequenceId must
 * name (DNA parts point at DNA sequences, RNA parts at RNA sequences), visible to the caller.
 */
export function buildFeatures(
  input: FeatureInputs,
  sequence: { bases: string; isCircular: boolean },
  lookup: { snapshot: Snapshot; visibility: Visibility; partCollection: 'dnaSequences' | 'rnaSequences'; defaultStrand: -1 | 0 | 1 },
): Features {
  const { bases, isCircular } = sequence;
  const length = bases.length;
  for (const list of [input.annotations, input.translations, input.parts, input.primers]) {
    if (list && list.length > MAX_FEATURES) throw badRequest(`At most ${MAX_FEATURES} features of one kind per sequence.`);
  }
  const annotations: DnaAnnotationRecord[] = (input.annotations ?? []).map((a, i) => {
    const range = storedRange({ start: a.start, end: a.end }, length, isCircular, `annotations[${i}] "${a.name ?? ''}"`);
    return {
      name: a.name ?? '',
      type: a.type ?? 'misc_feature',
      ...range,
      strand: (a.strand ?? lookup.defaultStrand) as -1 | 0 | 1,
      color: a.color ?? '#85DAE9',
      notes: a.notes ?? '',
      customFields: customFieldsOf(a.customFields),
    };
  });
  const translations: TranslationRecord[] = (input.translations ?? []).map((t, i) => {
    const what = `translations[${i}] "${t.name ?? ''}"`;
    const hasRange = t.start !== undefined || t.end !== undefined;
    if (hasRange && t.regions) throw badRequest(`${what}: give either start and end or regions, not both.`);
    if (!t.regions && (t.start === undefined || t.end === undefined)) throw badRequest(`${what}: needs start and end, or regions.`);
    if (t.geneticCode !== undefined && t.geneticCode !== 'STANDARD') {
      throw badRequest(`${what}: geneticCode ${t.geneticCode} is not modelled by this sandbox, which translates with the STANDARD code only.`);
    }
    const regions: Range[] = t.regions
      ? t.regions.map((r, j) => storedRange(r, length, isCircular, `${what} regions[${j}]`))
      : [storedRange({ start: t.start!, end: t.end! }, length, isCircular, what)];
    const cds = regions.map((r) => sliceRange(bases, r)).join('');
    let aminoAcids = translate(t.strand === -1 ? reverseComplement(cds) : cds).replace(/\*$/, '');
    // "Whether to override the translation of the start codon to Methionine."
    if (t.coerceStartCodonToMethionine && aminoAcids.length > 0) aminoAcids = `M${aminoAcids.slice(1)}`;
    return {
      name: t.name ?? '',
      start: regions[0]!.start,
      end: regions.at(-1)!.end,
      strand: t.strand ?? 1,
      aminoAcids,
      color: t.color ?? '#F58A5E',
      notes: t.notes ?? '',
      ...(t.regions ? { regions } : {}),
      coerceStartCodonToMethionine: t.coerceStartCodonToMethionine ?? false,
      customFields: customFieldsOf(t.customFields),
    };
  });
  const parts: SequencePartRecord[] = (input.parts ?? []).map((p, i) => {
    const source = lookup.snapshot.get(lookup.partCollection, p.sequenceId);
    if (!source || !lookup.visibility.filed(source)) throw badRequest(`parts[${i}]: sequence ${p.sequenceId} not found.`);
    return { sequenceId: p.sequenceId, ...storedRange(p, length, isCircular, `parts[${i}]`), strand: (p.strand ?? 1) as -1 | 0 | 1 };
  });
  // Primers bind oligos, which this sandbox does not have: every oligoId is unknown here, as an unknown id is in Benchling.
  for (const [i, p] of (input.primers ?? []).entries()) {
    throw badRequest(`primers[${i}]: oligo ${p.oligoId ?? '(no oligoId)'} not found.`);
  }
  return { annotations, translations, parts };
}
