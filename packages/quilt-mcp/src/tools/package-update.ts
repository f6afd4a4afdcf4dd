import { ToolError, WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import {
  compareLogicalKeys,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type ManifestEntry,
  type ManifestHeader,
  type ManifestItem,
  orderedEntries,
  orderedObject,
  withUpdates,
} from '../quilt/index.js';
import { type BuildStats, buildEntries, loadWorkflowConfig, MAX_WORKFLOW_ENTRIES, type WorkflowCheck, workflowCheck } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import { metaArg, packageArg, progressReporter, registryArg, TOP_HASH, WRITE_SCOPE } from './common.js';
import { directoryInputs, directorySpec, entryInputs, entryMeta, entrySpec, MAX_ENTRY_SPECS } from './entry-args.js';
import { metaFrom, metaJsonArg } from './meta-text.js';
import { messageArg, revisionOut, workflowArg } from './package-create.js';
import { parseQuiltUri, resolved, uriArg } from './quilt-uri.js';

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
  }),
  output: revisionOut.extend({
    base_top_hash: z.string(),
    changes: z.object({ added: z.number(), replaced: z.number(), removed: z.number(), meta_updated: z.number() }),
  }),
  annotations: WRITE_ANNOTATIONS,
  scope: WRITE_SCOPE,
  targets: (args) => ({
    ...(args.registry !== undefined && { registry: args.registry }),
    package: args.package,
    set: args.set?.length ?? 0,
    remove: args.remove?.length ?? 0,
  }),
  summarize: (r) =>
    `Updated ${r.package}: ${r.base_top_hash.slice(0, 12)} → ${r.top_hash} (${r.changes.added} added, ${r.changes.replaced} replaced, ${r.changes.removed} removed, ` +
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
    if (workflow !== undefined) {
      const current = await opened.openManifest(base, ctx.signal);
      await current.records.return(undefined);
      workflow.check({
        name: args.package,
        message: args.message,
        userMeta: newHeader(current.header, args.message, given, args.meta_mode, workflow).user_meta,
      });
    }

    const nothingBuilt = {
      entries: [] as ManifestEntry[],
      newObjects: [],
      attach: () => undefined,
      stats: { files: 0, bytes_hashed: 0, inline_written: 0 } as BuildStats,
    };
    const built =
      contentSpecs.length + args.directories.length > 0
        ? await buildEntries(opened, entryInputs(contentSpecs), directoryInputs(args.directories), {
            limits: ctx.limits,
            signal: ctx.signal,
            onProgress: progressReporter(ctx),
          })
        : nothingBuilt;
    const adds = built.entries;
    let changes = { added: 0, replaced: 0, removed: 0, meta_updated: 0 };

    const committed = await opened.writeRevision(
      args.package,
      built,
      async (attempt) => {
        // A rebase: someone else's revision became latest meanwhile; the same changes are applied to it.
        if (attempt > 0) base = await opened.resolveRevision(args.package, 'latest');
        const { header: baseHeader, records } = await opened.openManifest(base, ctx.signal);
        const counted = { added: 0, replaced: 0, removed: 0, meta_updated: 0 };
        changes = counted;
        const removedSeen = new Set<string>();
        const prefixSeen = new Set<string>();
        const metaSeen = new Set<string>();
        const underRemoved = (key: string) => removePrefixes.find((p) => key.startsWith(p));
        const baseHash = base;
        const header = newHeader(baseHeader, args.message, given, args.meta_mode, workflow);
        workflow?.check({ name: args.package, message: args.message, userMeta: header.user_meta });
        // entries_schema needs every entry of the new revision: gathered as they are written, checked at the end
        // (a refusal then fails the write, which the write protocol undoes).
        const forSchema: ManifestEntry[] | undefined = workflow?.hasEntriesSchema ? [] : undefined;
        const keep = (entry: ManifestEntry): ManifestEntry => {
          if (forSchema !== undefined) {
            if (forSchema.length >= MAX_WORKFLOW_ENTRIES) {
              throw new ToolError(`The workflow's entries_schema is checked for at most ${MAX_WORKFLOW_ENTRIES} entries; this revision has more.`, 'too_large');
            }
            forSchema.push(entry);
          }
          return entry;
        };

        async function* items(): AsyncGenerator<ManifestItem> {
          let i = 0;
          for await (const record of records) {
            if (record.kind === 'directory') {
              if (underRemoved(record.directory.logical_key) === undefined) yield { directory: record.directory };
              continue;
            }
            if (record.kind !== 'entry') continue;
            const entry = record.entry;
            while (i < adds.length && compareLogicalKeys((adds[i] as ManifestEntry).logical_key, entry.logical_key) < 0) {
              yield { entry: keep(adds[i++] as ManifestEntry) };
              counted.added++;
            }
            if (i < adds.length && (adds[i] as ManifestEntry).logical_key === entry.logical_key) {
              yield { entry: keep(adds[i++] as ManifestEntry) };
              counted.replaced++;
              const prefix = underRemoved(entry.logical_key);
              if (prefix !== undefined) prefixSeen.add(prefix);
              continue;
            }
            if (removeExact.has(entry.logical_key)) {
              removedSeen.add(entry.logical_key);
              counted.removed++;
              continue;
            }
            const prefix = underRemoved(entry.logical_key);
            if (prefix !== undefined) {
              prefixSeen.add(prefix);
              counted.removed++;
              continue;
            }
            const userMeta = metaOnly.get(entry.logical_key);
            if (userMeta !== undefined) {
              metaSeen.add(entry.logical_key);
              counted.meta_updated++;
              yield { entry: keep({ ...entry, meta: withUpdates(entry.meta, [['user_meta', userMeta]]) }) };
              continue;
            }
            yield { entry: keep(entry) };
          }
          while (i < adds.length) {
            yield { entry: keep(adds[i++] as ManifestEntry) };
            counted.added++;
          }
          const missing = [
            ...[...removeExact].filter((k) => !removedSeen.has(k)),
            ...removePrefixes.filter((p) => !prefixSeen.has(p)),
            ...[...metaOnly.keys()].filter((k) => !metaSeen.has(k)),
          ];
          if (missing.length > 0) {
            throw new ToolError(
              `${args.package}@${baseHash.slice(0, 12)} has no ${missing.map((k) => JSON.stringify(k)).join(', ')} (package_browse lists its files); nothing was changed.`,
              'not_found',
            );
          }
          if (forSchema !== undefined) workflow?.checkEntries(forSchema);
        }

        return {
          header,
          items: items(),
          condition: { kind: 'latest', topHash: base },
          close: async () => {
            await records.return(undefined);
          },
        };
      },
      { rebase: args.expected_top_hash === undefined, logger: ctx.logger },
    );
    const pushed = {
      topHash: committed.topHash,
      timestamp: committed.timestamp,
      entries: committed.entries,
      totalSize: committed.totalSize,
      bytes: committed.bytes,
    };
    return {
      registry: opened.ref.url,
      package: args.package,
      base_top_hash: base,
      top_hash: pushed.topHash,
      timestamp: pushed.timestamp,
      entries: pushed.entries,
      total_size: pushed.totalSize,
      manifest_bytes: pushed.bytes,
      uri: quiltPlusUri(opened.ref, args.package, { topHash: pushed.topHash }),
      workflow: workflow === undefined ? null : { id: workflow.id, config: String(workflow.header.config) },
      changes,
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
