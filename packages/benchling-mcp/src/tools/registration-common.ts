import { z } from 'zod';
import type { ApiEntity } from '../benchling/types.js';

export const registryIdSchema = z
  .string()
  .max(80)
  .regex(/^src_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a registry id: src_ followed by letters and digits (registries_list shows them)');

export const registrableIdSchema = z
  .string()
  .max(80)
  .regex(/^(seq|prtn|bfi)_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be an entity id: seq_ (DNA or RNA sequence), prtn_ (AA sequence) or bfi_ (custom entity)');

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
