import { ToolError, WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import type { ManifestEntry, ManifestHeader } from '../quilt/index.js';
import { buildEntries, loadWorkflowConfig, MAX_WORKFLOW_ENTRIES, planEntries, workflowCheck } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import {
  committedOut,
  dryRun,
  dryRunRevisionOut,
  metaArg,
  packageArg,
  plannedEntryOut,
  plannedManifestEntries,
  progressReporter,
  registryArg,
  WRITE_SCOPE,
  workflowOut,
} from './common.js';
import { directoryInputs, directorySpec, entryInputs, entrySpec, MAX_ENTRY_SPECS } from './entry-args.js';
import { metaFrom, metaJsonArg } from './meta-text.js';
import { parseQuiltUri, resolved, uriArg } from './quilt-uri.js';

export const messageArg = z.string().max(10_000).optional().describe('Commit message of the new revision');

export const workflowArg = z
  .string()
  .min(1)
  .max(64)
  .nullable()
  .optional()
  .describe(
    "quilt3 workflow id from the registry's .quilt/workflows/config.yml (workflows_list shows them); left out: the config's default_workflow; " +
      'null: no workflow (only where the config does not require one). Its checks (message, handle_pattern, metadata and entries schemas) must pass.',
  );

/** The entries (walk order) as a workflow's entries_schema sees them; refused past MAX_WORKFLOW_ENTRIES (the array is held in memory). */
export function workflowEntries(entries: ManifestEntry[]): ManifestEntry[] {
  if (entries.length > MAX_WORKFLOW_ENTRIES) {
    throw new ToolError(`The workflow's entries_schema is checked for at most ${MAX_WORKFLOW_ENTRIES} entries; this revision has more.`, 'too_large');
  }
  return entries;
}

export const packageCreate = quiltTool({
  name: 'package_create',
  title: 'Create a Quilt package revision',
  description:
    "Creates a package revision from objects already in the registry's storage (entries[].physical_key: a key or s3:// / file:// URL in the same " +
    'bucket or folder; or directories[]: everything under a prefix) and/or small inline texts (entries[].text). The server hashes every file ' +
    '(sha2-256-chunked, reporting MCP progress if asked) and writes a quilt3-compatible manifest, then the revision pointer and latest. ' +
    'Refuses an existing package unless replace_existing is true (package_update edits the latest revision instead); of concurrent creates of ' +
    'one new package, one wins and the others get a conflict naming its top hash.',
  input: z.object({
    uri: uriArg.describe('The registry and package as a Quilt+ URI (quilt+s3://bucket#package=user/pkg), instead of registry and package'),
    registry: registryArg,
    package: packageArg.optional(),
    message: messageArg,
    meta: metaArg.optional().describe('Package metadata (user_meta), a JSON object'),
    meta_json: metaJsonArg.optional(),
    workflow: workflowArg,
    entries: z.array(entrySpec).max(MAX_ENTRY_SPECS).default([]).describe(`Files, at most ${MAX_ENTRY_SPECS}`),
    directories: z.array(directorySpec).max(20).default([]).describe('Whole prefixes of the storage to include'),
    dry_run: dryRun.arg('the entries and bytes that would be packaged (planned)'),
    replace_existing: z.boolean().default(false).describe('Allow a new revision of an existing package built from these entries alone'),
  }),
  output: dryRunRevisionOut.extend({
    bytes_hashed: z.number(),
    inline_written: z.number(),
    planned: z
      .array(plannedEntryOut)
      .nullable()
      .describe(`dry_run: the entries that would be packaged, in walk order (the first ${dryRun.MAX_PLANNED}; entries and total_size count all)`),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: WRITE_SCOPE,
  targets: (args) => ({
    ...(args.registry !== undefined && { registry: args.registry }),
    package: args.package,
    entries: args.entries?.length ?? 0,
    directories: args.directories?.length ?? 0,
    ...(args.dry_run === true && { dry_run: true }),
  }),
  summarize: (r) =>
    r.dry_run
      ? `Dry run: ${r.package} would have ${r.entries} entries, ${r.total_size} bytes, in ${r.registry}; nothing was hashed or written.\n` +
        (r.planned ?? []).map((e) => `${e.logical_key}\t${e.size}`).join('\n')
      : `Created ${r.package}@${r.top_hash} (${r.entries} entries, ${r.total_size} bytes) in ${r.registry}\n${r.uri}`,
  run: async (input, ctx) => {
    if (input.uri !== undefined && parseQuiltUri(input.uri).revision !== undefined)
      throw new ToolError('package_create makes a new revision: give a Quilt+ URI without @<top hash> or :latest.', 'invalid_request');
    const args = resolved(input);
    if (args.entries.length === 0 && args.directories.length === 0) throw new ToolError('Give at least one entry or directory.', 'invalid_request');
    const userMeta = metaFrom(args.meta, args.meta_json, 'meta');
    const entries = entryInputs(args.entries);
    const opened = await ctx.access.open(ctx.caller, args.registry);
    // quilt3's order: the workflow's checks before anything is hashed or written; entries once they are known.
    // The config and the early existence check are independent reads: made together.
    const [config, existing] = await Promise.all([loadWorkflowConfig(opened, ctx.signal), args.replace_existing ? undefined : opened.latest(args.package)]);
    const workflow = await workflowCheck(opened, config, args.workflow, ctx.signal);
    workflow?.check({ name: args.package, message: args.message, userMeta });
    // quilt3's header key order: version, user_meta, workflow, message.
    const header: ManifestHeader = { version: 'v0' };
    if (userMeta !== undefined) header.user_meta = userMeta;
    if (workflow !== undefined) header.workflow = workflow.header;
    header.message = args.message ?? null;
    // An early, cheap refusal; the same condition is checked again, atomically, when latest moves.
    if (existing !== undefined) {
      throw new ToolError(
        `Conflict: ${args.package} already exists in ${opened.ref.url} (latest is ${existing}): use package_update to change it, or pass replace_existing: true.`,
        'conflict',
      );
    }
    if (args.dry_run) {
      const plan = await planEntries(opened, entries, directoryInputs(args.directories), ctx.limits);
      if (workflow?.hasEntriesSchema) workflow.checkEntries(workflowEntries(plannedManifestEntries(plan, entries)));
      return {
        registry: opened.ref.url,
        package: args.package,
        ...dryRun.noRevision,
        entries: plan.entries.length,
        total_size: plan.total_bytes,
        workflow: workflowOut(workflow),
        bytes_hashed: 0,
        inline_written: 0,
        planned: plan.entries.slice(0, dryRun.MAX_PLANNED),
      };
    }
    const built = await buildEntries(opened, entries, directoryInputs(args.directories), {
      limits: ctx.limits,
      signal: ctx.signal,
      onProgress: progressReporter(ctx),
    });
    if (workflow?.hasEntriesSchema) workflow.checkEntries(workflowEntries(built.entries));
    const committed = await opened.writeRevision(
      args.package,
      built,
      async () => ({ header, items: built.entries.map((entry) => ({ entry })), condition: args.replace_existing ? { kind: 'any' } : { kind: 'new' } }),
      { rebase: false, logger: ctx.logger },
    );
    return {
      registry: opened.ref.url,
      package: args.package,
      ...committedOut(committed, quiltPlusUri(opened.ref, args.package, { topHash: committed.topHash })),
      workflow: workflowOut(workflow),
      dry_run: false,
      planned: null,
      bytes_hashed: built.stats.bytes_hashed,
      inline_written: committed.manifestCreated ? built.stats.inline_written : 0,
    };
  },
});
