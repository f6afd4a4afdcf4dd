import { AMINO_ACIDS } from '../bio.js';
import { badRequest, notFound } from '../http/errors.js';
import type { AaSequenceRecord } from '../store/types.js';
import { compact, ENTITY_LIST_PARAMS, ENTITY_LIST_UNSUPPORTED, entityFilters, listResponse, type Predicate } from './listing.js';
import type { Operation } from './operation.js';

export const aaSequenceOperations: Operation[] = [
  {
    method: 'GET',
    path: '/aa-sequences',
    operationId: 'listAASequences',
    query: { allowed: [...ENTITY_LIST_PARAMS, 'aminoAcids'], unsupported: ENTITY_LIST_UNSUPPORTED, prefixes: ['schemaField.'] },
    handle: (ctx) => {
      const aminoAcids = ctx.query.get('aminoAcids')?.toUpperCase();
      if (aminoAcids !== undefined && !AMINO_ACIDS.test(aminoAcids)) throw badRequest('aminoAcids: only amino acid letters are allowed.');
      return listResponse<AaSequenceRecord>(ctx, {
        envelope: 'aaSequences',
        items: ctx.snapshot.all('aaSequences'),
        defaultSort: 'modifiedAt:desc',
        filters: compact<Predicate<AaSequenceRecord>>([
          ...entityFilters<AaSequenceRecord>(ctx, 'aa_sequence', (id) => ctx.snapshot.get('aaSequences', id)),
          aminoAcids !== undefined && ((s) => s.aminoAcids.toUpperCase() === aminoAcids),
        ]),
        render: (s) => ctx.render.aaSequence(s),
        resultCount: true,
      });
    },
  },
  {
    method: 'GET',
    path: '/aa-sequences/{aa_sequence_id}',
    operationId: 'getAASequence',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => {
      const id = ctx.params.aa_sequence_id!;
      const seq = ctx.snapshot.get('aaSequences', id);
      if (!seq || !ctx.visibility.filed(seq)) throw notFound('AA sequence', id);
      return { status: 200, body: ctx.render.aaSequence(seq) };
    },
  },
];
