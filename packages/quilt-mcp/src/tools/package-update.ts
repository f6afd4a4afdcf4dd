import { ToolError, WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import {
  checkHeader,
  dumpsForManifest,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type ManifestEntry,
  type ManifestHeader,
  ManifestWriter,
  orderedEntries,
  orderedObject,
  withUpdates,
} from '../quilt/index.js';
import { type BuildStats, buildEntries, loadWorkflowConfig, planEntries, type WorkflowCheck, workflowCheck } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import {
  committedOut,
  dryRun,
  dryRunRevisionOut,
  metaArg,
  type PlannedEntry,
  packageArg,
  plannedEntry,
  plannedEntryOut,
  plannedManifestEntries,
  progressReporter,
  registryArg,
  TOP_HASH,
  WRITE_SCOPE,
  workflowOut,
} from './common.js';
import { directoryInputs, directorySpec, entryInputs, entryMeta, entrySpec, MAX_ENTRY_SPECS } from './entry-args.js';
import { metaFrom, metaJsonArg } from './meta-text.js';
import { messageArg, workflowArg } from './package-create.js';
import { parseQuiltUri, resolved, uriArg } from './quilt-uri.js';
import { mergeUpdate, noChanges, type UpdateChange, type UpdateEdits } from './update-merge.js';

const changesOut = z.object({ added: z.number(), replaced: z.number(), removed: z.number(), meta_updated: z.number() });

export const packageUpdate = quiltTool({
  name: 'package_update',
  title: 'Update a Quilt package',
  description:
    'Makes a new revision from the latest one: set adds or replaces files (physical_key: an object of the same registry; text: small inline content; ' +
    'neither: only replace that file\'s metadata), remove drops files (a key, or "folder/" for everything under it), directories adds whole prefixes, ' +
    'meta replaces (or with meta_mode "merge" updates; null deletes a key) the package metadata. The latest manifest is streamed and merged; new ' +
    'files are hashed server-side (sha2-256-chunked) with MCP progress. With expected_top_hash, the update is refused (a conflict naming the new latest) ' +
    'if someone else pushed in between; without it, a push in between is merged: the changes are applied again on the new latest.',
  input: z.object({
    uri: uriArg.describe('The registry and package as a Quilt+ URI; a pinned one (@<top hash>) acts as expected_top_hash'),
    registry: registryArg,
    package: packageArg.optional(),
    message: messageArg,
    expected_top_hash: z
      .string()
      .regex(TOP_HASH, 'must be 6-64 lowercase hex digits')
      .optional()
      .describe('Refuse unless latest is (starts with) this top hash'),
    set: z.array(entrySpec).max(MAX_ENTRY_SPECS).default([]).describe('Files to add or replace'),
    remove: z.array(z.string().min(1).max(1024)).max(MAX_ENTRY_SPECS).default([]).describe('Logical keys to remove; "folder/" removes everything under it'),
    directories: z.array(directorySpec).max(20).default([]).describe('Whole prefixes of the storage to add'),
    meta: metaArg.optional().describe('Package metadata (user_meta)'),
    meta_json: metaJsonArg.optional(),
    workflow: workflowArg,
    meta_mode: z.enum(['replace', 'merge']).default('replace').describe('replace user_meta with meta, or merge meta into it (top-level keys; null deletes)'),
    dry_run: dryRun.arg('what the update would change on latest (changes, user_meta_changed; planned: the entries added, replaced and removed)'),
  }),
  output: dryRunRevisionOut.extend({
    base_top_hash: z.string(),
    changes: changesOut,
    user_meta_changed: z.boolean().describe("Whether the package metadata (user_meta) of the new revision differs from the base's"),
    planned: z
      .object({
        added: z.array(plannedEntryOut),
        replaced: z.array(plannedEntryOut).describe('The new entries of the replaced files'),
        removed: z.array(z.string()).describe('Logical keys'),
        meta_updated: z.array(z.string()).describe('Logical keys of the files whose metadata alone is set'),
      })
      .nullable()
      .describe(`dry_run: what would change, each list in walk order (the first ${dryRun.MAX_PLANNED}; changes, entries and total_size count all)`),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: WRITE_SCOPE,
  targets: (args) => ({
    ...(args.registry !== undefined && { registry: args.registry }),
    package: args.package,
    set: args.set?.length ?? 0,
    remove: args.remove?.length ?? 0,
    ...(args.dry_run === true && { dry_run: true }),
  }),
  summarize: (r) =>
    r.dry_run
      ? `Dry run: ${r.package} from ${r.base_top_hash.slice(0, 12)} would get ${r.changes.added} added, ${r.changes.replaced} replaced, ${r.changes.removed} removed, ` +
        `${r.changes.meta_updated} metadata changes${r.user_meta_changed ? ', new package metadata' : ''}; ${r.entries} entries, ${r.total_size} bytes; ` +
        `nothing was hashed or written.\n${plannedLines(r.planned)}`
      : `Updated ${r.package}: ${r.base_top_hash.slice(0, 12)} → ${r.top_hash} (${r.changes.added} added, ${r.changes.replaced} replaced, ${r.changes.removed} removed, ` +
        `${r.changes.meta_updated} metadata changes; ${r.entries} entries, ${r.total_size} bytes)\n${r.uri}`,
  run: async (input, ctx) => {
    const pinned = input.uri === undefined ? undefined : parseQuiltUri(input.uri).revision;
    const expected = pinned === undefined || pinned === 'latest' ? input.expected_top_hash : (input.expected_top_hash ?? pinned);
    if (expected !== undefined && pinned !== undefined && pinned !== 'latest' && !expected.startsWith(pinned) && !pinned.startsWith(expected)) {
      throw new ToolError(`expected_top_hash ${expected} disagrees with the Quilt+ URI's @${pinned}: give one of them.`, 'invalid_request');
    }
    const args = { ...resolved({ ...input, uri: input.uri?.replace(/@[0-9a-fA-F]+/, '') }), expected_top_hash: expected };
    if (
      args.set.length + args.remove.length + args.directories.length === 0 &&
      args.meta === undefined &&
      args.meta_json === undefined &&
      args.message === undefined
    ) {
      throw new ToolError('Nothing to change: give set, remove, directories, meta (or meta_json) or message.', 'invalid_request');
    }
    const opened = await ctx.access.open(ctx.caller, args.registry);
    // Latest and the workflows config are independent reads: made together.
    const [latest, config] = await Promise.all([opened.resolveRevision(args.package, 'latest'), loadWorkflowConfig(opened, ctx.signal)]);
    let base = latest;
    if (args.expected_top_hash !== undefined && !base.startsWith(args.expected_top_hash)) {
      throw new ToolError(
        `Conflict: the latest revision of ${args.package} is ${base}, not ${args.expected_top_hash}: someone pushed in between. Look again and retry.`,
        'conflict',
      );
    }

    const seen = new Set<string>();
    for (const key of [...args.set.map((s) => s.logical_key), ...args.remove]) {
      if (seen.has(key)) throw new ToolError(`${JSON.stringify(key)} is named twice in set/remove.`, 'invalid_request');
      seen.add(key);
    }
    const contentSpecs = args.set.filter((s) => s.physical_key !== undefined || s.text !== undefined);
    const metaOnly = new Map<string, JsonObject>();
    for (const s of args.set) {
      if (s.physical_key !== undefined || s.text !== undefined) continue;
      if (s.meta === undefined && s.meta_json === undefined)
        throw new ToolError(`set entry ${JSON.stringify(s.logical_key)} has no physical_key, text or meta: nothing to set.`, 'invalid_request');
      metaOnly.set(s.logical_key, entryMeta(s, `meta of ${s.logical_key}`).user_meta as JsonObject);
    }
    const removeExact = new Set(args.remove.filter((k) => !k.endsWith('/')));
    const removePrefixes = args.remove.filter((k) => k.endsWith('/'));
    const given = metaFrom(args.meta, args.meta_json, 'meta');
    // As quilt3 pushes a revised package: the workflow (given, or the config's default) is checked again and
    // recorded anew; without a config the revision has none.
    const workflow = await workflowCheck(opened, config, args.workflow, ctx.signal);
    // The new header, on latest as it is now, is checked before anything is hashed: the workflow's rules, and
    // quilt3's record limit, which user_meta merged into latest's can outgrow. Both again at commit.
    const current = await opened.openManifest(base, ctx.signal);
    await current.records.return(undefined);
    const headerNow = newHeader(current.header, args.message, given, args.meta_mode, workflow);
    workflow?.check({ name: args.package, message: args.message, userMeta: headerNow.user_meta });
    checkHeader(headerNow);

    const specs = entryInputs(contentSpecs);
    const dirs = directoryInputs(args.directories);
    const edits = (adds: ManifestEntry[]): UpdateEdits => ({ adds, removeExact, removePrefixes, metaOnly });
    const answerBase = {
      registry: opened.ref.url,
      package: args.package,
      workflow: workflowOut(workflow),
    };

    if (args.dry_run) {
      // What the write checks before it writes, on latest as it is now: the files (existence, sizes, the storage
      // guard, limits), then the merge (keys to remove, entries_schema); nothing is hashed, nothing written.
      const plan = specs.length + dirs.length > 0 ? await planEntries(opened, specs, dirs, ctx.limits) : undefined;
      const { records } = await opened.openManifest(base, ctx.signal);
      // Every record the revision would have, encoded as the write encodes it (a planned entry's hash has its
      // final length; an inline text's physical key, not known before it is stored, counts as empty).
      const encoder = new ManifestWriter(headerNow);
      const changes = noChanges();
      const planned = { added: [] as PlannedEntry[], replaced: [] as PlannedEntry[], removed: [] as string[], meta_updated: [] as string[] };
      const onChange = (c: UpdateChange) => {
        if (planned[c.kind].length >= dryRun.MAX_PLANNED) return;
        if ('entry' in c) planned[c.kind].push(plannedEntry(c.entry));
        else planned[c.kind].push(c.logicalKey);
      };
      let entries = 0;
      let totalSize = 0;
      try {
        const merged = mergeUpdate(records, edits(plan === undefined ? [] : plannedManifestEntries(plan, specs)), changes, {
          base: `${args.package}@${base.slice(0, 12)}`,
          workflow,
          onChange,
          checkWalkOrder: true,
        });
        for await (const item of merged) {
          if (!('entry' in item)) {
            encoder.directory(item.directory);
            continue;
          }
          encoder.entry(item.entry.physical_keys.length > 0 ? item.entry : { ...item.entry, physical_keys: [''] });
          entries++;
          totalSize += item.entry.size;
        }
      } finally {
        await records.return(undefined);
      }
      return {
        ...answerBase,
        ...dryRun.noRevision,
        base_top_hash: base,
        entries,
        total_size: totalSize,
        changes,
        user_meta_changed: userMetaChanged(current.header, headerNow),
        planned,
      };
    }

    const nothingBuilt = {
      entries: [] as ManifestEntry[],
      newObjects: [],
      attach: () => undefined,
      stats: { files: 0, bytes_hashed: 0, inline_written: 0 } as BuildStats,
    };
    const built =
      specs.length + dirs.length > 0
        ? await buildEntries(opened, specs, dirs, { limits: ctx.limits, signal: ctx.signal, onProgress: progressReporter(ctx) })
        : nothingBuilt;
    let changes = noChanges();
    let metaChanged = false;

    const committed = await opened.writeRevision(
      args.package,
      built,
      async (attempt) => {
        // A rebase: someone else's revision became latest meanwhile; the same changes are applied to it.
        if (attempt > 0) base = await opened.resolveRevision(args.package, 'latest');
        const { header: baseHeader, records } = await opened.openManifest(base, ctx.signal);
        changes = noChanges();
        const header = newHeader(baseHeader, args.message, given, args.meta_mode, workflow);
        workflow?.check({ name: args.package, message: args.message, userMeta: header.user_meta });
        metaChanged = userMetaChanged(baseHeader, header);
        return {
          header,
          // A refusal in the merge (a missing key, the entries_schema) fails the write, which the write protocol undoes.
          items: mergeUpdate(records, edits(built.entries), changes, { base: `${args.package}@${base.slice(0, 12)}`, workflow }),
          condition: { kind: 'latest', topHash: base },
          close: async () => {
            await records.return(undefined);
          },
        };
      },
      { rebase: args.expected_top_hash === undefined, logger: ctx.logger },
    );
    return {
      ...answerBase,
      dry_run: false,
      base_top_hash: base,
      ...committedOut(committed, quiltPlusUri(opened.ref, args.package, { topHash: committed.topHash })),
      changes,
      user_meta_changed: metaChanged,
      planned: null,
    };
  },
});

/**
 * The new revision's header in quilt3's key order: version, user_meta, workflow (the one checked now; none without a
 * workflows config), message, then anything else the base had.
 */
function newHeader(
  base: ManifestHeader,
  message: string | undefined,
  given: JsonObject | undefined,
  mode: 'replace' | 'merge',
  workflow: WorkflowCheck | undefined,
): ManifestHeader {
  let userMeta = base.user_meta;
  if (given !== undefined) {
    if (mode === 'replace') userMeta = given;
    else {
      // Python's dict update: kept keys keep their places, new ones go last (null deletes).
      const updates = orderedEntries(given).map(([k, v]) => [k, v === null ? undefined : v] as const);
      userMeta = withUpdates(isJsonObject(base.user_meta) ? base.user_meta : {}, updates);
    }
  }
  const fields: [string, JsonValue][] = [['version', base.version]];
  if (userMeta !== undefined) fields.push(['user_meta', userMeta]);
  if (workflow !== undefined) fields.push(['workflow', workflow.header]);
  fields.push(['message', message ?? null]);
  const named = new Set(['version', 'user_meta', 'workflow', 'message', 'top_hash']);
  for (const [k, v] of orderedEntries(base)) if (!named.has(k)) fields.push([k, v]);
  return orderedObject(fields) as ManifestHeader;
}

/** Whether the new header's user_meta differs from the base's, as the manifest line has it (key order, int vs float). */
function userMetaChanged(base: ManifestHeader, next: ManifestHeader): boolean {
  const text = (h: ManifestHeader) => (h.user_meta === undefined ? undefined : dumpsForManifest(h.user_meta));
  return text(base) !== text(next);
}

/** A dry run's planned changes, one line each: + added, ~ replaced (with their sizes), - removed, m metadata set. */
function plannedLines(planned: { added: PlannedEntry[]; replaced: PlannedEntry[]; removed: string[]; meta_updated: string[] } | null): string {
  if (planned === null) return '';
  return [
    ...planned.added.map((e) => `+ ${e.logical_key}\t${e.size}`),
    ...planned.replaced.map((e) => `~ ${e.logical_key}\t${e.size}`),
    ...planned.removed.map((k) => `- ${k}`),
    ...planned.meta_updated.map((k) => `m ${k}`),
  ].join('\n');
}
