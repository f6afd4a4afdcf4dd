import { z } from 'zod';
import { basesMatch, DNA_BASES } from '../bio.js';
import { badRequest } from '../http/errors.js';
import { authorIdsInput, CREATE_LIMITS, customFieldsInput, fieldsInput, nameInput, parseBody, registrationInput } from './create-common.js';
import { annotationInput, partInput, primerInput, translationInput } from './nucleotide-features.js';
import { nucleotideOperations } from './nucleotide-sequences.js';
import type { Operation } from './operation.js';

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

export const dnaSequenceOperations: Operation[] = nucleotideOperations({
  collection: 'dnaSequences',
  kind: 'dna_sequence',
  label: 'DNA sequence',
  path: '/dna-sequences',
  idParam: 'dna_sequence_id',
  operationIds: { list: 'listDNASequences', get: 'getDNASequence', create: 'createDNASequence' },
  unsupported: [],
  bases: DNA_BASES,
  basesMatch: (query, s) => basesMatch(query, s.bases, s.isCircular),
  render: (render, s) => render.dnaSequence(s),
  parseCreate: (body) => {
    const input = parseBody(dnaSequenceCreate, body, 'DNA sequence');
    if (!DNA_BASES.test(input.bases)) throw badRequest('bases: only IUPAC nucleotide letters (ACGTUNRYKMSWBDHV) are allowed.');
    return { input, sequence: { bases: input.bases, isCircular: input.isCircular } };
  },
});
