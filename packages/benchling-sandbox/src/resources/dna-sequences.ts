import { z } from 'zod';
import { basesMatch, DNA_BASES } from '../bio.js';
import { badRequest, notFound } from '../http/errors.js';
import type { DnaSequenceRecord } from '../store/types.js';
import { authorIdsInput, buildEntity, CREATE_LIMITS, customFieldsInput, fieldsInput, nameInput, parseBody, registrationInput } from './create-common.js';
import { compact, ENTITY_LIST_PARAMS, ENTITY_LIST_UNSUPPORTED, entityFilters, listResponse, type Predicate } from './listing.js';
import { annotationInput, buildFeatures, partInput, primerInput, translationInput } from './nucleotide-features.js';
import type { Operation } from './operation.js';
import { Visibility } from './visibility.js';

/** components.schemas.DnaSequenceCreate: DnaSequenceBaseRequestForCreate + CreateEntityIntoRegistry (additionalProperties: false). */
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
  annotations: z.array(annotationInput([-1, 0, 1])).optional(),
  translations: z.array(translationInput).optional(),
  parts: z.array(partInput).optional(),
  primers: z.array(primerInput).optional(),
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
      const created = await ctx.store.mutate((tx) => {
        const features = buildFeatures(input, input, {
          snapshot: tx.snapshot,
          visibility: new Visibility(ctx.user, tx.snapshot),
          partCollection: 'dnaSequences',
          defaultStrand: 1,
        });
        const record: DnaSequenceRecord = {
          ...buildEntity(ctx, tx, input, 'dna_sequence', 'dnaSequences'),
          bases: input.bases,
          isCircular: input.isCircular,
          ...features,
        };
        tx.insert('dnaSequences', record);
        return record;
      });
      return { status: 201, body: ctx.render.dnaSequence(created) };
    },
  },
];
