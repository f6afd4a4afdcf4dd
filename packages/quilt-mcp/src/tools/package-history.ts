import { cursorArg, nextCursorOut, pageSizeArg, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { forEachLimit } from '../quilt/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import { packageArg, packageTargets, READ_SCOPE, registryArg } from './common.js';
import { resolved, uriArg } from './quilt-uri.js';

const HEADER_CONCURRENCY = 6;

export const packageHistory = quiltTool({
  name: 'package_history',
  title: 'List the revisions of a Quilt package',
  description:
    'Lists the revisions of a package, oldest first, a page at a time: unix timestamp (and ISO time), top hash, commit message, and which one is latest. ' +
    'Any top hash (or a 6+ digit prefix) or timestamp shown can be passed as revision to the other package tools.',
  input: z.object({
    uri: uriArg,
    registry: registryArg,
    package: packageArg.optional(),
    with_messages: z.boolean().default(true).describe("Read each revision's commit message (one small read per revision)"),
    page_size: pageSizeArg(50, 200),
    cursor: cursorArg(),
  }),
  output: z.object({
    registry: z.string(),
    package: z.string(),
    latest: z.string().nullable().describe('Top hash of latest'),
    revisions: z.array(
      z.object({
        timestamp: z.number(),
        time: z.string(),
        top_hash: z.string(),
        uri: z.string().describe('Quilt+ URI of this revision'),
        message: z.string().nullable(),
        is_latest: z.boolean(),
        problem: z.string().nullable().describe('Why the message could not be read (e.g. a missing manifest)'),
      }),
    ),
    next_cursor: nextCursorOut,
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: packageTargets,
  summarize: (r) =>
    r.revisions.map((v) => `${v.time}  ${v.top_hash.slice(0, 12)}  ${v.message ?? ''}${v.is_latest ? '  (latest)' : ''}`).join('\n') +
    (r.next_cursor ? '\n(more: pass next_cursor)' : ''),
  run: async (input, ctx) => {
    const args = resolved(input);
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const page = await opened.registry.listRevisions(args.package, { maxKeys: args.page_size, ...(args.cursor ? { continuationToken: args.cursor } : {}) });
    const revisions = [...page.revisions].sort((a, b) => a.timestamp - b.timestamp);
    const messages = new Map<string, { message: string | null; problem: string | null }>();
    if (args.with_messages) {
      const hashes = [...new Set(revisions.map((r) => r.topHash))];
      await forEachLimit(hashes, HEADER_CONCURRENCY, async (hash) => {
        try {
          const header = await opened.registry.readManifestHeader(hash, { signal: ctx.signal });
          messages.set(hash, { message: typeof header.message === 'string' ? header.message : null, problem: null });
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          messages.set(hash, { message: null, problem: (err as Error).message.slice(0, 300) });
        }
      });
    }
    return {
      registry: opened.ref.url,
      package: args.package,
      latest: page.latest ?? null,
      revisions: revisions.map((r) => ({
        timestamp: r.timestamp,
        time: new Date(r.timestamp * 1000).toISOString(),
        top_hash: r.topHash,
        uri: quiltPlusUri(opened.ref, args.package, { topHash: r.topHash }),
        message: messages.get(r.topHash)?.message ?? null,
        is_latest: r.topHash === page.latest,
        problem: messages.get(r.topHash)?.problem ?? null,
      })),
      next_cursor: page.nextContinuationToken ?? null,
    };
  },
});
