import { ToolError, WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import type { ManifestHeader } from '../quilt/index.js';
import { buildEntries } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import { metaArg, packageArg, progressReporter, registryArg, WRITE_SCOPE } from './common.js';
import { directoryInputs, directorySpec, entryInputs, entrySpec, MAX_ENTRY_SPECS } from './entry-args.js';
import { metaFrom, metaJsonArg } from './meta-text.js';

export const messageArg = z.string().max(10_000).optional().describe('Commit message of the new revision');

export const revisionOut = z.object({
  registry: z.string(),
  package: z.string(),
  top_hash: z.string(),
  timestamp: z.number(),
  entries: z.number(),
  total_size: z.number(),
  manifest_bytes: z.number(),
  uri: z.string().describe('Quilt+ URI of the new revision'),
});

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
    registry: registryArg,
    package: packageArg,
    message: messageArg,
    meta: metaArg.optional().describe('Package metadata (user_meta), a JSON object'),
    meta_json: metaJsonArg.optional(),
    entries: z.array(entrySpec).max(MAX_ENTRY_SPECS).default([]).describe(`Files, at most ${MAX_ENTRY_SPECS}`),
    directories: z.array(directorySpec).max(20).default([]).describe('Whole prefixes of the storage to include'),
    replace_existing: z.boolean().default(false).describe('Allow a new revision of an existing package built from these entries alone'),
  }),
  output: revisionOut.extend({ bytes_hashed: z.number(), inline_written: z.number() }),
  annotations: WRITE_ANNOTATIONS,
  scope: WRITE_SCOPE,
  targets: (args) => ({
    ...(args.registry !== undefined && { registry: args.registry }),
    package: args.package,
    entries: args.entries?.length ?? 0,
    directories: args.directories?.length ?? 0,
  }),
  summarize: (r) => `Created ${r.package}@${r.top_hash} (${r.entries} entries, ${r.total_size} bytes) in ${r.registry}\n${r.uri}`,
  run: async (args, ctx) => {
    if (args.entries.length === 0 && args.directories.length === 0) throw new ToolError('Give at least one entry or directory.', 'invalid_request');
    const header: ManifestHeader = { version: 'v0' };
    const userMeta = metaFrom(args.meta, args.meta_json, 'meta');
    if (userMeta !== undefined) header.user_meta = userMeta;
    header.message = args.message ?? null;
    const entries = entryInputs(args.entries);
    const opened = await ctx.access.open(ctx.caller, args.registry);
    // An early, cheap refusal; the same condition is checked again, atomically, when latest moves.
    const existing = args.replace_existing ? undefined : await opened.latest(args.package);
    if (existing !== undefined) {
      throw new ToolError(
        `Conflict: ${args.package} already exists in ${opened.ref.url} (latest is ${existing}): use package_update to change it, or pass replace_existing: true.`,
        'conflict',
      );
    }
    const built = await buildEntries(opened, entries, directoryInputs(args.directories), {
      limits: ctx.limits,
      signal: ctx.signal,
      onProgress: progressReporter(ctx),
    });
    const committed = await opened.writeRevision(
      args.package,
      built,
      async () => ({ header, items: built.entries.map((entry) => ({ entry })), condition: args.replace_existing ? { kind: 'any' } : { kind: 'new' } }),
      { rebase: false, logger: ctx.logger },
    );
    return {
      registry: opened.ref.url,
      package: args.package,
      top_hash: committed.topHash,
      timestamp: committed.timestamp,
      entries: committed.entries,
      total_size: committed.totalSize,
      manifest_bytes: committed.bytes,
      uri: quiltPlusUri(opened.ref, args.package, { topHash: committed.topHash }),
      bytes_hashed: built.stats.bytes_hashed,
      inline_written: committed.manifestCreated ? built.stats.inline_written : 0,
    };
  },
});
