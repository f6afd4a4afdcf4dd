import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { api, benchlingTool } from '../context.js';

interface ApiRegistry {
  id: string;
  name?: string;
  modifiedAt?: string;
  owner?: { name?: string } | null;
}

const MAX_REGISTRIES = 100;

export const registriesList = benchlingTool({
  name: 'registries_list',
  title: 'List Benchling registries',
  description: "Lists the tenant's registries (usually one): the registry_id entities_register and registered_entities_get take.",
  input: z.object({ name: z.string().trim().min(1).max(200).optional().describe('Only the registry with exactly this name') }),
  output: z.object({ registries: z.array(z.object({ id: z.string(), name: z.string(), owner: z.string().nullable(), modified_at: z.string().nullable() })) }),
  annotations: READ_ANNOTATIONS,
  targets: () => ({}),
  run: async (args, ctx) => {
    // RegistriesList is not paged: a tenant has a handful.
    const body = await api(ctx).get<{ registries?: ApiRegistry[] }>('/registries', { name: args.name });
    const registries = (body.registries ?? []).slice(0, MAX_REGISTRIES);
    return {
      registries: registries.map((r) => ({ id: r.id, name: r.name ?? '', owner: r.owner?.name ?? null, modified_at: r.modifiedAt ?? null })),
    };
  },
});
