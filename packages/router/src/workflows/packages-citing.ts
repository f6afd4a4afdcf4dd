import { z } from 'zod';
import { BENCHLING_ID, provenanceOf } from './provenance.js';
import { defineWorkflow, type WorkflowContext } from './workflow.js';

type Json = Record<string, unknown>;

export const packagesCitingBenchling = defineWorkflow({
  name: 'lab_packages_for_benchling_object',
  title: 'Find the Quilt packages for a Benchling object',
  description:
    'Finds the Quilt package revisions whose metadata cite a Benchling id (an entry etr_, DNA sequence seq_, AA sequence prtn_ or custom entity bfi_) ' +
    'in the provenance that lab_package_benchling_entry records. Packages are found by quilt_search on their latest revision (within its scan ' +
    "limits), then each one's history is read, newest first, up to max_revisions; name a package to look through its history even when its " +
    'latest revision no longer cites the id.',
  input: z.object({
    benchling_id: z.string().regex(BENCHLING_ID, 'must be a Benchling id: etr_, seq_, prtn_ or bfi_ followed by letters and digits'),
    registry: z.string().trim().min(1).max(1100).optional().describe('Only this registry (default: all)'),
    package: z
      .string()
      .regex(/^[\w-]+\/[\w-]+$/)
      .max(256)
      .optional()
      .describe('Also look through this package (in registry, or the default one)'),
    max_packages: z.number().int().min(1).max(50).default(10),
    max_revisions: z.number().int().min(1).max(200).default(20).describe('Revisions read per package, newest first'),
  }),
  output: z.object({
    benchling_id: z.string(),
    revisions: z.array(
      z.object({
        registry: z.string(),
        package: z.string(),
        top_hash: z.string(),
        time: z.string(),
        is_latest: z.boolean(),
        cited_as: z.string().describe('What the id is in that package: entry, dna_sequence, aa_sequence or custom_entity'),
        entry_id: z.string(),
        retrieved_at: z.string(),
      }),
    ),
    packages_searched: z.number(),
    truncated: z.boolean().describe('A limit (search scan, max_packages, max_revisions) may have left revisions out'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  needs: { quilt: ['search', 'package_history', 'package_browse'], benchling: [] },
  run: async (args, ctx) => {
    const found = (await ctx.call('quilt', 'search', { query: args.benchling_id, limit: 50, ...(args.registry && { registry: args.registry }) })) as {
      results: { registry: string; package: string; matches: { field: string }[] }[];
      truncated: boolean;
    };
    const candidates = new Map<string, { registry: string | undefined; package: string }>();
    if (args.package) candidates.set(`${args.registry ?? ''} ${args.package}`, { registry: args.registry, package: args.package });
    for (const hit of found.results) {
      if (hit.matches.some((m) => m.field === 'package_meta'))
        candidates.set(`${hit.registry} ${hit.package}`, { registry: hit.registry, package: hit.package });
    }
    let truncated = found.truncated || candidates.size > args.max_packages;
    const revisions = [];
    for (const candidate of [...candidates.values()].slice(0, args.max_packages)) {
      const history = await historyOf(ctx, candidate.registry, candidate.package, args.max_revisions);
      truncated ||= history.more;
      for (const revision of history.revisions) {
        const browsed = (await ctx.call('quilt', 'package_browse', {
          ...(candidate.registry && { registry: candidate.registry }),
          package: candidate.package,
          revision: revision.top_hash,
          page_size: 1,
        })) as Json;
        const provenance = provenanceOf((browsed.meta as Json | undefined)?.user_meta);
        const cited = provenance?.objects.find((o) => o.id === args.benchling_id);
        if (!provenance || !cited) continue;
        revisions.push({
          registry: String(browsed.registry),
          package: candidate.package,
          top_hash: revision.top_hash,
          time: revision.time,
          is_latest: revision.is_latest,
          cited_as: cited.type,
          entry_id: provenance.entry_id,
          retrieved_at: provenance.retrieved_at,
        });
      }
    }
    return { benchling_id: args.benchling_id, revisions, packages_searched: candidates.size, truncated };
  },
});

async function historyOf(
  ctx: WorkflowContext,
  registry: string | undefined,
  name: string,
  max: number,
): Promise<{ revisions: { top_hash: string; time: string; is_latest: boolean }[]; more: boolean }> {
  const history = (await ctx.call('quilt', 'package_history', {
    ...(registry && { registry }),
    package: name,
    with_messages: false,
    page_size: Math.min(max, 200),
  })) as {
    revisions: { top_hash: string; time: string; is_latest: boolean; timestamp: number }[];
    next_cursor: string | null;
  };
  const newestFirst = [...history.revisions].sort((a, b) => b.timestamp - a.timestamp);
  // The same top hash can be pointed to by several timestamps: read it once.
  const seen = new Set<string>();
  const revisions = newestFirst.filter((r) => !seen.has(r.top_hash) && seen.add(r.top_hash)).slice(0, max);
  return { revisions, more: history.next_cursor !== null || newestFirst.length > max };
}
