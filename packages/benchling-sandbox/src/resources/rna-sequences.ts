import { z } from 'zod';
import { basesMatch } from '../bio.js';
import { badRequest } from '../http/errors.js';
import { authorIdsInput, CREATE_LIMITS, customFieldsInput, fieldsInput, nameInput, parseBody, registrationInput } from './create-common.js';
import { annotationInput, partInput, primerInput, translationInput } from './nucleotide-features.js';
import { nucleotideOperations } from './nucleotide-sequences.js';
import type { Operation } from './operation.js';

/** IUPAC nucleotide letters as RNA bases (T is accepted as Benchling accepts it in the bases filter and create). */
const RNA_BASES = /^[ACGUTNRYKMSWBDHVacgutnrykmswbdhv]*$/;

/** components.schemas.RnaSequenceCreate: RnaSequenceBaseRequestForCreate + CreateEntityIntoRegistry (additionalProperties: false). */
const rnaSequenceCreate = z.strictObject({
  name: nameInput,
  bases: z.string().optional(),
  isCircular: z.boolean().optional(),
  helm: z.string().max(1_000_000).optional(),
  customNotation: z.string().optional(),
  customNotationId: z.string().optional(),
  folderId: z.string().min(1).optional(),
  schemaId: z.string().optional(),
  fields: fieldsInput.optional(),
  customFields: customFieldsInput.optional(),
  aliases: z.array(z.string().max(CREATE_LIMITS.alias)).optional(),
  authorIds: authorIdsInput.optional(),
  annotations: z.array(annotationInput([0, 1])).optional(),
  translations: z.array(translationInput).optional(),
  parts: z.array(partInput).optional(),
  primers: z.array(primerInput).optional(),
  ...registrationInput,
});

/** Natural RNA in HELM (`RNA1{r(A)p.r(C)p...}$$$$V2.0`) to bases; chemically modified monomers are not modelled. */
export function basesFromHelm(helm: string): string {
  const m = /^RNA1\{(.*)\}\$\$\$\$(V2\.0)?$/.exec(helm.trim());
  if (!m) throw badRequest('helm: this sandbox reads single-chain natural RNA only, e.g. RNA1{r(A)p.r(C)p.r(G)p}$$$$V2.0.');
  const monomers = m[1]!.split('.');
  let bases = '';
  for (const monomer of monomers) {
    const unit = /^r\(([ACGU])\)p?$/.exec(monomer);
    if (!unit) throw badRequest(`helm: monomer "${monomer.slice(0, 40)}" is a modification this sandbox does not model; use natural r(A|C|G|U)p units.`);
    bases += unit[1];
  }
  return bases;
}

export const rnaSequenceOperations: Operation[] = nucleotideOperations({
  collection: 'rnaSequences',
  kind: 'rna_sequence',
  label: 'RNA sequence',
  path: '/rna-sequences',
  idParam: 'rna_sequence_id',
  operationIds: { list: 'listRNASequences', get: 'getRNASequence', create: 'createRNASequence' },
  unsupported: ['customNotationId'],
  bases: RNA_BASES,
  // RNA is linear; U and T match each other.
  basesMatch: (query, s) => basesMatch(query.replace(/[Uu]/g, 'T'), s.bases.replace(/[Uu]/g, 'T'), false),
  render: (render, s) => render.rnaSequence(s),
  parseCreate: (body) => {
    const input = parseBody(rnaSequenceCreate, body, 'RNA sequence');
    // "RNA sequences can only be linear".
    if (input.isCircular === true) throw badRequest('isCircular: RNA sequences can only be linear.');
    if (input.customNotationId !== undefined || input.customNotation !== undefined) {
      throw badRequest(`customNotationId: custom notation ${input.customNotationId ?? '(none given)'} not found.`);
    }
    if (input.bases !== undefined && input.helm !== undefined) throw badRequest('Give the sequence as bases or as helm, not both.');
    const bases = input.helm !== undefined ? basesFromHelm(input.helm) : (input.bases ?? '');
    if (bases === '') throw badRequest('bases: an RNA sequence needs bases (or helm).');
    if (!RNA_BASES.test(bases)) throw badRequest('bases: only IUPAC nucleotide letters (ACGUNRYKMSWBDHV) are allowed.');
    return { input, sequence: { bases, isCircular: false } };
  },
});
