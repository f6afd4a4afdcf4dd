import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiEntity } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { registeredEntityOut, registryIdSchema, shapeRegistered } from './registration-common.js';

export const registeredEntitiesGet = benchlingTool({
  name: 'registered_entities_get',
  title: 'Look up Benchling entities by registry id',
  description: 'Looks entities up by their registry ids (e.g. PLS001) in one registry; each comes back with its id, type, name and schema.',
  input: z.object({
    registry_id: registryIdSchema,
    entity_registry_ids: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(200)
          .regex(/^[^,]+$/, 'must not contain commas'),
      )
      .min(1)
      .max(100),
  }),
  output: z.object({ entities: z.array(registeredEntityOut) }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ registry_id: args.registry_id, entity_registry_ids: args.entity_registry_ids }),
  run: async (args, ctx) => {
    const body = await api(ctx).get<{ entities?: (ApiEntity & { entityType?: string })[] }>(`/registries/${args.registry_id}/registered-entities:bulk-get`, {
      entityRegistryIds: args.entity_registry_ids.join(','),
    });
    return { entities: (body.entities ?? []).slice(0, 100).map((e) => shapeRegistered(e)) };
  },
});
