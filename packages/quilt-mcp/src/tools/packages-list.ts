import { cursorArg, nextCursorOut, pageSizeArg, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { quiltPlusUri } from './catalog-uri.js';
import { READ_SCOPE, registryArg } from './common.js';

export const packagesList = quiltTool({
  name: 'packages_list',
  title: 'List Quilt packages',
  description:
    'Lists the packages ("user/package") of a registry in name order, a page at a time. prefix filters by user ("de") or by user and package ' +
    'name start ("demo/ce"). Use package_history for revisions and package_browse for contents.',
  input: z.object({
    registry: registryArg,
    prefix: z
      .string()
      .max(256)
      .regex(/^[\w-]*(\/[\w-]*)?$/, 'must be a user prefix ("de") or "user/package-prefix"')
      .optional()
      .describe('Only packages whose name starts with this'),
    page_size: pageSizeArg(100, 1000),
    cursor: cursorArg(),
  }),
  output: z.object({
    registry: z.string(),
    packages: z.array(z.object({ name: z.string(), uri: z.string().describe('Quilt+ URI of the package (:latest)') })),
    next_cursor: nextCursorOut,
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ ...(args.registry !== undefined && { registry: args.registry }), ...(args.prefix && { prefix: args.prefix }) }),
  summarize: (r) =>
    (r.packages.length === 0 ? `No packages in ${r.registry}` : r.packages.map((p) => p.name).join('\n')) + (r.next_cursor ? '\n(more: pass next_cursor)' : ''),
  run: async (args, ctx) => {
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const page = await opened.registry.listPackages({
      maxKeys: args.page_size,
      ...(args.prefix ? { prefix: args.prefix } : {}),
      ...(args.cursor ? { continuationToken: args.cursor } : {}),
    });
    return {
      registry: opened.ref.url,
      packages: page.packages.map((name) => ({ name, uri: quiltPlusUri(opened.ref, name, 'latest') })),
      next_cursor: page.nextContinuationToken ?? null,
    };
  },
});
