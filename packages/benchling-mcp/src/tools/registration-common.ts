import { z } from 'zod';
import type { BenchlingSession } from '../benchling/client.js';
import { BenchlingError } from '../benchling/errors.js';
import type { ApiEntity } from '../benchling/types.js';

export const registryIdSchema = z
  .string()
  .max(80)
  .regex(/^src_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a registry id: src_ followed by letters and digits (registries_list shows them)');

export const registrableIdSchema = z
  .string()
  .max(80)
  .regex(/^(seq|prtn|bfi)_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be an entity id: seq_ (DNA or RNA sequence), prtn_ (AA sequence) or bfi_ (custom entity)');

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

export const registeredEntityOut = z.object({
  id: z.string(),
  type: z.string().nullable(),
  name: z.string().nullable(),
  entity_registry_id: z.string().nullable(),
  registry_id: z.string().nullable(),
  schema_id: z.string().nullable(),
  web_url: z.string().nullable(),
});

export function shapeRegistered(e: ApiEntity & { entityType?: string }, type?: string): z.infer<typeof registeredEntityOut> {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: e.id,
    type: type ?? str(e.entityType),
    name: str(e.name),
    entity_registry_id: str(e.entityRegistryId),
    registry_id: str(e.registryId),
    schema_id: str(e.schema?.id),
    web_url: str(e.webURL),
  };
}
