import { z } from 'zod';
import { quiltTool } from '../context.js';
import { READ_SCOPE } from './common.js';

export const registriesList = quiltTool({
  name: 'registries_list',
  title: 'List Quilt registries',
  description:
    'Lists the Quilt registries (S3 buckets or local folders) this server can read, the default first. Pass a url as registry to the other tools; ' +
    'S3 registries are read with your own AWS credentials.',
  input: z.object({}),
  output: z.object({
    registries: z.array(z.object({ url: z.string(), kind: z.enum(['s3', 'local']), isDefault: z.boolean() })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scope: READ_SCOPE,
  summarize: (r) => r.registries.map((x) => `${x.url}${x.isDefault ? ' (default)' : ''}`).join('\n'),
  run: async (_args, ctx) => ({ registries: ctx.registries.map(({ url, kind, isDefault }) => ({ url, kind, isDefault })) }),
});
