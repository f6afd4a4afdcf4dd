import type { BenchlingSession } from '../benchling/client.js';
import { BenchlingError } from '../benchling/errors.js';
import type { ApiEntity } from '../benchling/types.js';

export type EntityType = 'dna_sequence' | 'rna_sequence' | 'aa_sequence' | 'custom_entity';

/** An entity by id, whatever its kind: seq_ ids are DNA or RNA sequences (one prefix), so DNA is asked first. */
export async function fetchEntity(session: BenchlingSession, id: string): Promise<{ type: EntityType; entity: ApiEntity }> {
  if (id.startsWith('prtn_')) return { type: 'aa_sequence', entity: await session.get<ApiEntity>(`/aa-sequences/${id}`) };
  if (id.startsWith('bfi_')) return { type: 'custom_entity', entity: await session.get<ApiEntity>(`/custom-entities/${id}`) };
  try {
    return { type: 'dna_sequence', entity: await session.get<ApiEntity>(`/dna-sequences/${id}`) };
  } catch (err) {
    if (!(err instanceof BenchlingError && err.kind === 'not_found')) throw err;
    return { type: 'rna_sequence', entity: await session.get<ApiEntity>(`/rna-sequences/${id}`) };
  }
}
