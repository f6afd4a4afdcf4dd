import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import type { RegistryRef } from '../context.js';
import { quiltTool } from '../context.js';
import { pyQuote } from '../registry/physical-keys.js';
import { packageArg, packageTargets, READ_SCOPE, registryArg, revisionArg } from './common.js';
import { resolved, uriArg } from './quilt-uri.js';

/**
 * The Quilt+ URI of a package: `quilt+s3://bucket#package=user/pkg@<top hash>&path=a/b.csv` (or `:latest`
 * unpinned). A local registry gets the same form on its file URL: `quilt+file:///abs/path#package=…`.
 */
export function quiltPlusUri(ref: RegistryRef, name: string, revision: { topHash: string } | 'latest', path?: string): string {
  const pkg = revision === 'latest' ? `${name}:latest` : `${name}@${revision.topHash}`;
  return `quilt+${ref.url}#package=${pkg}${path ? `&path=${pyQuote(path)}` : ''}`;
}

export const catalogUri = quiltTool({
  name: 'catalog_uri',
  title: 'Quilt+ URI of a package',
  description:
    'The Quilt+ URI naming a package, revision and optionally a path inside it, e.g. quilt+s3://bucket#package=user/pkg@<top hash>&path=data/a.csv, ' +
    'for quilt3, the Quilt catalog and other tools. pin (default) resolves the revision to its top hash; pin=false gives ":latest". ' +
    'For a local registry the URI is quilt+file:///absolute/path#package=….',
  input: z.object({
    uri: uriArg,
    registry: registryArg,
    package: packageArg.optional(),
    revision: revisionArg,
    path: z.string().min(1).max(1024).optional().describe('A file or folder of the package (checked to exist)'),
    pin: z.boolean().default(true).describe('Pin the URI to the revision\'s top hash (default) rather than ":latest"'),
  }),
  output: z.object({
    uri: z.string(),
    registry: z.string(),
    package: z.string(),
    top_hash: z.string(),
    path: z.string().nullable(),
    path_kind: z.enum(['file', 'folder']).nullable(),
    pinned: z.boolean(),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ ...packageTargets(args), ...(args.path !== undefined && { path: args.path }) }),
  summarize: (r) => r.uri,
  run: async (input, ctx) => {
    const args = resolved(input, 'path');
    if (!args.pin && args.revision !== 'latest')
      throw new ToolError('pin=false makes a ":latest" URI; leave revision at "latest" or pin it.', 'invalid_request');
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const topHash = await opened.resolveRevision(args.package, args.revision);
    let kind: 'file' | 'folder' | undefined;
    if (args.path !== undefined) {
      kind = await opened.pathInManifest(topHash, args.path, ctx.signal);
      if (kind === undefined) throw new ToolError(`${args.package}@${topHash.slice(0, 12)} has no file or folder ${JSON.stringify(args.path)}.`, 'not_found');
    }
    return {
      uri: quiltPlusUri(opened.ref, args.package, args.pin ? { topHash } : 'latest', args.path),
      registry: opened.ref.url,
      package: args.package,
      top_hash: topHash,
      path: args.path ?? null,
      path_kind: kind ?? null,
      pinned: args.pin,
    };
  },
});
