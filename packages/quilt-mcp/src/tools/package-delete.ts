import { DESTRUCTIVE_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { packageArg, REVISION, registryArg, WRITE_SCOPE } from './common.js';
import { parseQuiltUri, resolved, uriArg } from './quilt-uri.js';

export const packageDelete = quiltTool({
  name: 'package_delete',
  title: 'Delete a Quilt package (or one revision)',
  description:
    "Deletes a package's revision pointers: all of them (the package disappears from packages_list), or with revision only those naming that " +
    'revision (latest moves to the newest remaining one). Manifests and data files are never deleted, so a revision stays reachable by its top hash. ' +
    'Refuses unless confirm repeats the package name exactly.',
  input: z.object({
    registry: registryArg,
    uri: uriArg.describe('The package as a Quilt+ URI; with @<top hash> only that revision is deleted'),
    package: packageArg.optional(),
    revision: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(REVISION, 'must be "latest", a top hash or 6+ digit prefix, a unix timestamp, or an ISO date-time')
      .optional()
      .describe('Delete only this revision; default: the whole package'),
    confirm: z.string().max(256).optional().describe('Must equal the package name ("user/package") to delete'),
  }),
  output: z.object({
    registry: z.string(),
    package: z.string(),
    deleted: z.enum(['package', 'revision']),
    top_hash: z.string().nullable().describe('The revision deleted (revision mode)'),
    deleted_pointers: z.number(),
    latest: z.string().nullable().describe('Where latest points now (revision mode); null when the package has no revision left'),
    data_kept: z.literal(true).describe('Manifests and data files are kept'),
  }),
  annotations: DESTRUCTIVE_ANNOTATIONS,
  scope: WRITE_SCOPE,
  targets: (args) => ({
    ...(args.registry !== undefined && { registry: args.registry }),
    package: args.package,
    ...(args.revision !== undefined && { revision: args.revision }),
  }),
  summarize: (r) =>
    r.deleted === 'package'
      ? `Deleted ${r.package} from ${r.registry} (${r.deleted_pointers} pointers); its manifests and data are kept.`
      : `Deleted revision ${r.top_hash} of ${r.package} (${r.deleted_pointers} pointers); latest is now ${r.latest ?? 'gone'}. Data kept.`,
  run: async (input, ctx) => {
    // A Quilt+ URI names the package; with @<top hash> (or :latest) it names one revision to delete.
    const fromUri = input.uri === undefined ? undefined : parseQuiltUri(input.uri);
    const named = resolved({ ...input, revision: undefined });
    const args = { ...input, registry: named.registry, package: named.package, revision: input.revision ?? fromUri?.revision };
    if (input.revision !== undefined && fromUri?.revision !== undefined && input.revision !== fromUri.revision) {
      throw new ToolError(`revision ${input.revision} disagrees with the Quilt+ URI's ${fromUri.revision}: give one of them.`, 'invalid_request');
    }
    if (args.confirm !== args.package) {
      throw new ToolError(
        `Refusing to delete ${args.package}${args.revision ? ` revision ${args.revision}` : ''} without confirmation: call again with confirm: "${args.package}".`,
        'confirmation_required',
      );
    }
    const opened = await ctx.access.open(ctx.caller, args.registry);
    if (args.revision === undefined) {
      const result = await opened.registry.deletePackage(args.package);
      return {
        registry: opened.ref.url,
        package: args.package,
        deleted: 'package' as const,
        top_hash: null,
        deleted_pointers: result.deletedPointers,
        latest: null,
        data_kept: true as const,
      };
    }
    const topHash = await opened.resolveRevision(args.package, args.revision);
    const result = await opened.registry.deleteRevision(args.package, topHash);
    const latestRemoved = result.deletedPointers.includes('latest');
    const latest = result.latest ?? (latestRemoved ? null : await opened.resolveRevision(args.package, 'latest').catch(() => null));
    return {
      registry: opened.ref.url,
      package: args.package,
      deleted: 'revision' as const,
      top_hash: result.topHash,
      deleted_pointers: result.deletedPointers.length,
      latest,
      data_kept: true as const,
    };
  },
});
