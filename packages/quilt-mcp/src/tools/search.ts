import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import type { RegistryRef } from '../context.js';
import { quiltTool } from '../context.js';
import { forEachLimit } from '../quilt/index.js';
import type { OpenedRegistry } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import { progressReporter, type QuiltCtx, READ_SCOPE } from './common.js';
import { type EntryHit, type Match, PackageScorer, queryTerms } from './search-score.js';

const MANIFEST_CONCURRENCY = 4;
/** Names listed per registry: cheap (pointer listings), and every listed name is matched by name. */
const MAX_LISTED_PER_REGISTRY = 5000;
const ACTIONS = new Set(['unified_search', 'search', 'search_packages', 'packages_search']);

const matchOut = z.object({ field: z.enum(['name', 'message', 'package_meta', 'logical_key', 'entry_meta']), term: z.string(), text: z.string() });

const queryText = z.string().trim().min(1).max(500);

export const search = quiltTool({
  name: 'search',
  title: 'Search Quilt packages',
  description:
    'Finds packages across your registries by name, commit message, package metadata, file names (logical keys) and file metadata — no catalog or ' +
    'search cluster needed: registries are listed and the latest manifests streamed, within per-call limits (scanned says how much; truncated ' +
    'when a limit stopped it). Returns the top matches ranked, each with its score, why it matched and up to 5 matching files. ' +
    'Also accepts {"action": "unified_search", "params": {"query": …}} from older clients.',
  input: z.object({
    query: queryText.optional().describe('Words to look for, e.g. "cells csv"; a package must match at least one'),
    registry: z.string().trim().min(1).max(1100).optional().describe('Only this registry (default: all of them)'),
    limit: z.number().int().min(1).max(50).default(10).describe('Most results, 1-50'),
    action: z.string().max(64).optional().describe('Legacy call shape: "unified_search" with params'),
    params: z
      .looseObject({
        query: z.string().max(500).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        bucket: z.string().max(255).optional(),
        registry: z.string().max(1100).optional(),
      })
      .optional()
      .describe('Legacy call shape: the arguments of "action"'),
  }),
  output: z.object({
    query: z.string(),
    terms: z.array(z.string()),
    results: z.array(
      z.object({
        registry: z.string(),
        package: z.string(),
        top_hash: z.string().nullable().describe('The latest revision searched (null when matched by name only, unscanned)'),
        uri: z.string().describe('Quilt+ URI of the revision searched (pinned), or of the package (:latest) when only its name matched'),
        message: z.string().nullable(),
        score: z.number(),
        matches: z.array(matchOut),
        entries: z.array(z.object({ logical_key: z.string(), size: z.number(), terms: z.array(z.string()), field: z.enum(['logical_key', 'entry_meta']) })),
        scanned: z.boolean().describe('Whether its manifest was read (otherwise only its name was matched)'),
      }),
    ),
    scanned: z.object({ registries: z.number(), packages_listed: z.number(), manifests: z.number(), entries: z.number() }),
    truncated: z.boolean().describe('A per-call limit (packages, entries or time) stopped the scan; narrow the query with registry or be more specific'),
    skipped: z.array(z.object({ registry: z.string(), reason: z.string() })).describe('Registries that could not be searched'),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ query: (args.query ?? args.params?.query ?? '').slice(0, 100), ...(args.registry !== undefined && { registry: args.registry }) }),
  summarize: (r) =>
    r.results.length === 0
      ? `No package matches ${JSON.stringify(r.query)}${r.truncated ? ' (the scan was truncated)' : ''}`
      : r.results.map((x) => `${x.score}\t${x.package} (${x.registry})\t${x.matches.map((m) => `${m.field}:${m.term}`).join(', ')}`).join('\n') +
        (r.truncated ? '\n(scan truncated by per-call limits)' : ''),
  run: async (args, ctx) => {
    if (args.action !== undefined && !ACTIONS.has(args.action)) {
      throw new ToolError(`Unknown action ${JSON.stringify(args.action)}: this tool only searches (use {"query": "…"}).`, 'invalid_request');
    }
    const query = (args.query ?? args.params?.query ?? '').trim();
    if (query === '') throw new ToolError('Give a query, e.g. {"query": "cells csv"}.', 'invalid_request');
    if (query.length > 500) throw new ToolError('The query may be at most 500 characters.', 'invalid_request');
    const terms = queryTerms(query);
    if (terms.length === 0) throw new ToolError('The query has no words to search for.', 'invalid_request');
    const limit = Math.min(50, args.params?.limit ?? args.limit);
    const registryArg = args.registry ?? args.params?.registry ?? (args.params?.bucket ? `s3://${args.params.bucket.replace(/^s3:\/\//, '')}` : undefined);
    const refs: RegistryRef[] = registryArg !== undefined ? [ctx.access.ref(registryArg)] : ctx.access.refs;
    return runSearch(ctx, query, terms, refs, limit);
  },
});

interface Candidate {
  opened: OpenedRegistry;
  name: string;
  scorer: PackageScorer;
  topHash: string | null;
  message: string | null;
  scanned: boolean;
}

async function runSearch(ctx: QuiltCtx, query: string, terms: string[], refs: RegistryRef[], limit: number) {
  const deadline = Date.now() + ctx.limits.searchTimeoutMs;
  const skipped: { registry: string; reason: string }[] = [];
  const candidates: Candidate[] = [];
  let truncated = false;
  let registries = 0;
  for (const ref of refs) {
    let opened: OpenedRegistry;
    try {
      opened = await ctx.access.open(ctx.caller, ref.url);
      let token: string | undefined;
      let listed = 0;
      do {
        const page = await opened.registry.listPackages({ maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
        for (const name of page.packages) {
          const scorer = new PackageScorer(terms);
          scorer.name(name);
          candidates.push({ opened, name, scorer, topHash: null, message: null, scanned: false });
        }
        listed += page.packages.length;
        token = page.nextContinuationToken;
        if (token !== undefined && (listed >= MAX_LISTED_PER_REGISTRY || Date.now() > deadline)) {
          truncated = true;
          break;
        }
      } while (token !== undefined);
      registries++;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      skipped.push({ registry: ref.url, reason: (err as Error).message.slice(0, 300) });
    }
  }

  // Name matches first, so the per-call budget goes where the query already points.
  const order = [...candidates].sort((a, b) => b.scorer.score - a.scorer.score);
  const toScan = order.slice(0, ctx.limits.searchMaxPackages);
  if (toScan.length < order.length) truncated = true;
  let entriesLeft = ctx.limits.searchMaxEntries;
  let manifests = 0;
  let entries = 0;
  const progress = progressReporter(ctx);
  await forEachLimit(toScan, MANIFEST_CONCURRENCY, async (c) => {
    if (Date.now() > deadline || entriesLeft <= 0) {
      truncated = true;
      return;
    }
    try {
      const topHash = await c.opened.resolveRevision(c.name, 'latest');
      c.topHash = topHash;
      for await (const record of c.opened.registry.readManifest(topHash, { signal: ctx.signal })) {
        if (record.kind === 'header') {
          c.message = typeof record.header.message === 'string' ? record.header.message : null;
          c.scorer.header(record.header);
          continue;
        }
        if (record.kind !== 'entry') continue;
        c.scorer.entry(record.entry);
        entries++;
        if (--entriesLeft <= 0 || (entries % 1000 === 0 && Date.now() > deadline)) {
          truncated = true;
          break;
        }
      }
      c.scanned = true;
      manifests++;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.log.debug({ err, package: c.name, registry: c.opened.ref.url }, 'search: package skipped');
    }
    progress(manifests, toScan.length, `searched ${manifests} of ${toScan.length} packages`);
  });

  const results = candidates
    .filter((c) => c.scorer.score > 0)
    .sort((a, b) => b.scorer.score - a.scorer.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((c) => ({
      registry: c.opened.ref.url,
      package: c.name,
      top_hash: c.topHash,
      uri: quiltPlusUri(c.opened.ref, c.name, c.topHash ? { topHash: c.topHash } : 'latest'),
      message: c.message,
      score: c.scorer.score,
      matches: c.scorer.matches as Match[],
      entries: c.scorer.entries as EntryHit[],
      scanned: c.scanned,
    }));
  return { query, terms, results, scanned: { registries, packages_listed: candidates.length, manifests, entries }, truncated, skipped };
}
