import { z } from 'zod';
import { readEntry, readLinked } from './benchling-objects.js';
import { provenanceOf } from './provenance.js';
import { defineWorkflow, WorkflowError } from './workflow.js';

type Json = Record<string, unknown>;

export const benchlingForPackage = defineWorkflow({
  name: 'lab_benchling_objects_for_package',
  title: 'Find the Benchling objects of a Quilt package',
  description:
    'Reads the Benchling provenance of a Quilt package revision (made by lab_package_benchling_entry) and looks up each Benchling object it ' +
    'cites, live, with your Benchling key: each is "unchanged" (what was packaged is what Benchling holds now), "changed" since packaging, or ' +
    '"gone" (deleted, or no longer visible to you).',
  input: z.object({
    registry: z.string().trim().min(1).max(1100).optional().describe('Quilt registry (default: the default registry)'),
    package: z
      .string()
      .regex(/^[\w-]+\/[\w-]+$/)
      .max(256),
    revision: z.string().trim().min(1).max(64).default('latest').describe('"latest", a top hash, or what quilt_package_browse takes'),
  }),
  output: z.object({
    registry: z.string(),
    package: z.string(),
    top_hash: z.string(),
    entry_id: z.string(),
    retrieved_at: z.string(),
    objects: z.array(
      z.object({
        type: z.string(),
        id: z.string(),
        name: z.string().nullable(),
        web_url: z.string().nullable(),
        state: z.enum(['unchanged', 'changed', 'gone']),
        detail: z.string().nullable().describe('Why it reads as gone'),
        name_now: z.string().nullable(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  needs: { quilt: ['package_browse'], benchling: ['entry_get', 'dna_sequence_get', 'aa_sequence_get', 'custom_entity_get'] },
  run: async (args, ctx) => {
    const browsed = (await ctx.call('quilt', 'package_browse', {
      ...(args.registry && { registry: args.registry }),
      package: args.package,
      revision: args.revision,
      page_size: 1,
    })) as Json;
    const provenance = provenanceOf((browsed.meta as Json | undefined)?.user_meta);
    if (!provenance)
      throw new WorkflowError(`${args.package} (${String(browsed.top_hash)}) has no Benchling provenance in its metadata (see the README for its format).`);
    const objects = [];
    for (const [i, cited] of provenance.objects.entries()) {
      await ctx.progress(i, provenance.objects.length, `looking up ${cited.id}`);
      try {
        const live = cited.type === 'entry' ? (await readEntry(ctx, cited.id, provenance.write_back_field)).object : await readLinked(ctx, cited.id);
        objects.push({
          type: cited.type,
          id: cited.id,
          name: cited.name,
          web_url: cited.web_url,
          state: live.meta.digest === cited.digest ? ('unchanged' as const) : ('changed' as const),
          detail: null,
          name_now: live.meta.name,
        });
      } catch (err) {
        // Only Benchling's "not found" (deleted, or not visible with this key) means gone; anything else fails the call.
        if (!(err instanceof WorkflowError) || !/Not found in Benchling/.test(err.message)) throw err;
        objects.push({ type: cited.type, id: cited.id, name: cited.name, web_url: cited.web_url, state: 'gone' as const, detail: err.message, name_now: null });
      }
    }
    return {
      registry: String(browsed.registry),
      package: args.package,
      top_hash: String(browsed.top_hash),
      entry_id: provenance.entry_id,
      retrieved_at: provenance.retrieved_at,
      objects,
    };
  },
});
