import { z } from 'zod';
import { quiltTool } from '../context.js';

export const registriesList = quiltTool({
  name: 'registries_list',
  title: 'List Quilt registries',
  description: 'Lists the Quilt registries (S3 buckets or local folders) this server can read, the default first.',
  input: z.object({}),
  output: z.object({
    registries: z.array(z.object({ url: z.string(), kind: z.enum(['s3', 'local']), isDefault: z.boolean() })),
  }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  summarize: (r) => r.registries.map((x) => `${x.url}${x.isDefault ? ' (default)' : ''}`).join('\n'),
  run: async (_args, ctx) => ({ registries: ctx.registries }),
});
