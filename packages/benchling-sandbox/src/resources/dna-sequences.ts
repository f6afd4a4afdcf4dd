import { z } from 'zod';
import { basesMatch, DNA_BASES, reverseComplement, translate } from '../bio.js';
import { badRequest, notFound } from '../http/errors.js';
import type { DnaAnnotationRecord, DnaSequenceRecord, TranslationRecord } from '../store/types.js';
import { authorIdsInput, buildEntity, CREATE_LIMITS, customFieldsInput, fieldsInput, nameInput, parseBody, registrationInput } from './create-common.js';
import { compact, ENTITY_LIST_PARAMS, ENTITY_LIST_UNSUPPORTED, entityFilters, listResponse, type Predicate } from './listing.js';
import type { Operation } from './operation.js';

const MAX_FEATURES = 1000;

const strand = z.union([z.literal(-1), z.literal(0), z.literal(1)]);

/** components.schemas.DnaSequenceCreate: DnaSequenceBaseRequestForCreate + CreateEntityIntoRegistry. */
const dnaSequenceCreate = z.strictObject({
  name: nameInput,
  bases: z.string().min(1, 'must not be empty'),
  isCircular: z.boolean(),
  folderId: z.string().min(1).optional(),
  schemaId: z.string().optional(),
  fields: fieldsInput.optional(),
  customFields: customFieldsInput.optional(),
  aliases: z.array(z.string().max(CREATE_LIMITS.alias)).optional(),
  authorIds: authorIdsInput.optional(),
  annotations: z
    .array(
      z.strictObject({
        start: z.number().int().min(0),
        end: z.number().int().min(0),
        strand: strand.optional(),
        type: z.string().max(255).optional(),
        name: z.string().max(2048).optional(),
        color: z.string().max(32).optional(),
        notes: z.string().max(10_000).optional(),
      }),
    )
    .max(MAX_FEATURES)
    .optional(),
  translations: z
    .array(
      z.strictObject({
        start: z.number().int().min(0),
        end: z.number().int().min(0),
        strand: z.union([z.literal(-1), z.literal(1)]).optional(),
        name: z.string().max(2048).optional(),
        color: z.string().max(32).optional(),
        notes: z.string().max(10_000).optional(),
      }),
    )
    .max(MAX_FEATURES)
    .optional(),
  // Parts and primers link to other objects (features, oligos) the sandbox does not model.
  parts: z.array(z.unknown()).max(0, 'parts are not supported by this sandbox').optional(),
  primers: z.array(z.unknown()).max(0, 'primers are not supported by this sandbox').optional(),
  ...registrationInput,
});

export const dnaSequenceOperations: Operation[] = [
  {
    method: 'GET',
    path: '/dna-sequences',
    operationId: 'listDNASequences',
    query: { allowed: [...ENTITY_LIST_PARAMS, 'bases'], unsupported: ENTITY_LIST_UNSUPPORTED, prefixes: ['schemaField.'] },
    handle: (ctx) => {
      const bases = ctx.query.get('bases');
      if (bases !== undefined && !DNA_BASES.test(bases)) throw badRequest('bases: only IUPAC nucleotide letters are allowed.');
      return listResponse<DnaSequenceRecord>(ctx, {
        envelope: 'dnaSequences',
        items: ctx.snapshot.all('dnaSequences'),
        defaultSort: 'modifiedAt:desc',
        filters: compact<Predicate<DnaSequenceRecord>>([
          ...entityFilters<DnaSequenceRecord>(ctx, 'dna_sequence', (id) => ctx.snapshot.get('dnaSequences', id)),
          bases !== undefined && ((s) => basesMatch(bases, s.bases, s.isCircular)),
        ]),
        render: (s) => ctx.render.dnaSequence(s),
        resultCount: true,
      });
    },
  },
  {
    method: 'GET',
    path: '/dna-sequences/{dna_sequence_id}',
    operationId: 'getDNASequence',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => {
      const id = ctx.params.dna_sequence_id!;
      const seq = ctx.snapshot.get('dnaSequences', id);
      if (!seq || !ctx.visibility.filed(seq)) throw notFound('DNA sequence', id);
      return { status: 200, body: ctx.render.dnaSequence(seq) };
    },
  },
  {
    method: 'POST',
    path: '/dna-sequences',
    operationId: 'createDNASequence',
    query: { allowed: [] },
    handle: async (ctx) => {
      const input = parseBody(dnaSequenceCreate, await ctx.readBody(), 'DNA sequence');
      if (!DNA_BASES.test(input.bases)) throw badRequest('bases: only IUPAC nucleotide letters (ACGTUNRYKMSWBDHV) are allowed.');
      const length = input.bases.length;
      const inRange = (f: { start: number; end: number }, what: string) => {
        if (f.end > length || f.start > f.end) throw badRequest(`${what}: start ${f.start} / end ${f.end} must lie within the ${length} bases, start <= end.`);
      };
      const annotations: DnaAnnotationRecord[] = (input.annotations ?? []).map((a) => {
        inRange(a, `annotation "${a.name ?? ''}"`);
        return {
          name: a.name ?? '',
          type: a.type ?? 'misc_feature',
          start: a.start,
          end: a.end,
          strand: a.strand ?? 1,
          color: a.color ?? '#85DAE9',
          notes: a.notes ?? '',
        };
      });
      const translations: TranslationRecord[] = (input.translations ?? []).map((t) => {
        inRange(t, `translation "${t.name ?? ''}"`);
        const cds = input.bases.slice(t.start, t.end);
        return {
          name: t.name ?? '',
          start: t.start,
          end: t.end,
          strand: t.strand ?? 1,
          aminoAcids: translate(t.strand === -1 ? reverseComplement(cds) : cds).replace(/\*$/, ''),
          color: t.color ?? '#F58A5E',
          notes: t.notes ?? '',
        };
      });
      const created = await ctx.store.mutate((tx) => {
        const record: DnaSequenceRecord = {
          ...buildEntity(ctx, tx, input, 'dna_sequence', 'dnaSequences'),
          bases: input.bases,
          isCircular: input.isCircular,
          annotations,
          translations,
        };
        tx.insert('dnaSequences', record);
        return record;
      });
      return { status: 201, body: ctx.render.dnaSequence(created) };
    },
  },
];
