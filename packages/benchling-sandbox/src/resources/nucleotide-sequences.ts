import { badRequest, notFound } from '../http/errors.js';
import type { DnaSequenceRecord } from '../store/types.js';
import { buildEntity, type EntityInput } from './create-common.js';
import { compact, ENTITY_LIST_PARAMS, ENTITY_LIST_UNSUPPORTED, entityFilters, listResponse, type Predicate } from './listing.js';
import { buildFeatures, type FeatureInputs } from './nucleotide-features.js';
import type { Operation, OperationContext } from './operation.js';
import type { Renderer } from './render.js';
import { Visibility } from './visibility.js';

/** What the DNA and RNA sequence resources share: the list with its bases filter, the read by id, and the create. */
export interface NucleotideKind {
  /** The collection, which is also the list envelope. */
  collection: 'dnaSequences' | 'rnaSequences';
  kind: 'dna_sequence' | 'rna_sequence';
  /** As errors name it: 'DNA sequence'. */
  label: string;
  /** The list path, e.g. '/dna-sequences'; the read by id is `${path}/{${idParam}}`. */
  path: string;
  idParam: string;
  operationIds: { list: string; get: string; create: string };
  /** Query parameters of the spec this sandbox does not model, beyond those all entity reads share. */
  unsupported: readonly string[];
  /** The letters the bases filter accepts. */
  bases: RegExp;
  /** Whether a record's bases match the `bases` filter. */
  basesMatch: (query: string, record: DnaSequenceRecord) => boolean;
  render: (render: Renderer, record: DnaSequenceRecord) => Record<string, unknown>;
  /** The create request, checked (its schema and the kind's own rules), and the sequence it gives. */
  parseCreate: (body: unknown) => { input: EntityInput & FeatureInputs; sequence: { bases: string; isCircular: boolean } };
}

/** The list (with the `bases` filter), the read by id and the create of one nucleotide kind. */
export function nucleotideOperations(k: NucleotideKind): Operation[] {
  return [
    {
      method: 'GET',
      path: k.path,
      operationId: k.operationIds.list,
      query: { allowed: [...ENTITY_LIST_PARAMS, 'bases'], unsupported: [...ENTITY_LIST_UNSUPPORTED, ...k.unsupported], prefixes: ['schemaField.'] },
      handle: (ctx) => {
        const bases = ctx.query.get('bases');
        if (bases !== undefined && !k.bases.test(bases)) throw badRequest('bases: only IUPAC nucleotide letters are allowed.');
        return listResponse<DnaSequenceRecord>(ctx, {
          envelope: k.collection,
          items: ctx.snapshot.all(k.collection),
          defaultSort: 'modifiedAt:desc',
          filters: compact<Predicate<DnaSequenceRecord>>([
            ...entityFilters<DnaSequenceRecord>(ctx, k.kind, (id) => ctx.snapshot.get(k.collection, id)),
            bases !== undefined && ((s) => k.basesMatch(bases, s)),
          ]),
          render: (s) => k.render(ctx.render, s),
          resultCount: true,
        });
      },
    },
    {
      method: 'GET',
      path: `${k.path}/{${k.idParam}}`,
      operationId: k.operationIds.get,
      query: { allowed: [], unsupported: ['returning', ...k.unsupported] },
      handle: (ctx) => {
        const id = ctx.params[k.idParam]!;
        const seq = ctx.snapshot.get(k.collection, id);
        if (!seq || !ctx.visibility.filed(seq)) throw notFound(k.label, id);
        return { status: 200, body: k.render(ctx.render, seq) };
      },
    },
    {
      method: 'POST',
      path: k.path,
      operationId: k.operationIds.create,
      query: { allowed: [] },
      handle: async (ctx) => {
        const { input, sequence } = k.parseCreate(await ctx.readBody());
        return createNucleotide(ctx, k, input, sequence);
      },
    },
  ];
}

/** Writes a new sequence of kind `k` (entity, bases, features) in one transaction and answers 201 with it. */
async function createNucleotide(
  ctx: OperationContext,
  k: NucleotideKind,
  input: EntityInput & FeatureInputs,
  sequence: { bases: string; isCircular: boolean },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const created = await ctx.store.mutate((tx) => {
    const features = buildFeatures(input, sequence, {
      snapshot: tx.snapshot,
      visibility: new Visibility(ctx.user, tx.snapshot),
      partCollection: k.collection,
      defaultStrand: 1,
    });
    const record: DnaSequenceRecord = { ...buildEntity(ctx, tx, input, k.kind, k.collection), ...sequence, ...features };
    tx.insert(k.collection, record);
    return record;
  });
  return { status: 201, body: k.render(ctx.render, created) };
}
