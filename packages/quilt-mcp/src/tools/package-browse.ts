import { cursorArg, nextCursorOut, pageSizeArg, READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { compareLogicalKeys, type ManifestEntry, type ManifestHeader } from '../quilt/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import {
  boundedJson,
  decodeCursor,
  type EntryOut,
  encodeCursor,
  entryOut,
  packageArg,
  packageTargets,
  READ_SCOPE,
  registryArg,
  revisionArg,
} from './common.js';
import { storedJson } from './meta-text.js';
import { resolved, uriArg } from './quilt-uri.js';

const MAX_DIRECTORIES = 100;

export const headerOut = z.object({
  version: z.string(),
  message: z.string().nullable(),
  user_meta: z.unknown().describe('Package metadata (null when none)'),
  user_meta_json: z
    .string()
    .nullable()
    .describe(
      'The package metadata exactly as stored in the manifest (JSON text: 1.0, big integers and key order as quilt3 reads them); null when none or over 16 KiB',
    ),
  workflow: z.unknown().describe('Quilt workflow information (null when none)'),
});

export function shapeHeader(header: ManifestHeader): z.infer<typeof headerOut> {
  return {
    version: header.version,
    message: typeof header.message === 'string' ? header.message : null,
    user_meta: boundedJson(header.user_meta, 16 * 1024),
    user_meta_json: storedJson(header.user_meta, 16 * 1024),
    workflow: boundedJson(header.workflow, 4096),
  };
}

export function shapeEntry(entry: ManifestEntry): EntryOut {
  return {
    logical_key: entry.logical_key,
    size: entry.size,
    hash: { type: entry.hash.type, value: entry.hash.value },
    physical_key: entry.physical_keys[0] ?? null,
    meta: boundedJson(entry.meta),
    meta_json: storedJson(entry.meta, 4096),
  };
}

interface BrowseCursor extends Record<string, unknown> {
  h: string;
  k: string;
  p: string;
}

const isBrowseCursor = (v: Record<string, unknown>): v is BrowseCursor =>
  typeof v.h === 'string' && /^[0-9a-f]{64}$/.test(v.h) && typeof v.k === 'string' && typeof v.p === 'string';

export const packageBrowse = quiltTool({
  name: 'package_browse',
  title: 'Browse a Quilt package revision',
  description:
    "Shows a package revision: its metadata (message, user_meta) and its entries (logical key, size, hash, physical key, metadata) in the package's " +
    'own order, optionally only those under path (e.g. "data/"), a page at a time. The manifest is streamed; summary counts the entries and ' +
    'bytes under path and is complete on the last page. Paging stays on the revision of the first page even if latest moves.',
  input: z.object({
    uri: uriArg,
    registry: registryArg,
    package: packageArg.optional(),
    revision: revisionArg,
    path: z.string().max(1024).optional().describe('Only entries whose logical key starts with this, e.g. "data/"'),
    page_size: pageSizeArg(100, 1000),
    cursor: cursorArg(),
  }),
  output: z.object({
    registry: z.string(),
    package: z.string(),
    top_hash: z.string(),
    uri: z.string().describe('Quilt+ URI of this revision (and path)'),
    meta: headerOut,
    path: z.string().nullable(),
    entries: z.array(entryOut),
    directories: z
      .array(z.object({ logical_key: z.string(), meta: z.unknown(), meta_json: z.string().nullable() }))
      .describe('Folder metadata under path (first page only)'),
    summary: z.object({
      entries: z.number().describe('Entries under path seen so far (all of them when complete)'),
      total_size: z.number().describe('Their bytes'),
      complete: z.boolean().describe('True when the whole of path was read (the last page)'),
    }),
    next_cursor: nextCursorOut,
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: packageTargets,
  summarize: (r) =>
    `${r.package}@${r.top_hash.slice(0, 12)}${r.meta.message ? ` "${r.meta.message}"` : ''}: ${r.entries.length} entries shown` +
    (r.summary.complete ? ` of ${r.summary.entries} (${r.summary.total_size} bytes)` : '') +
    `\n${r.entries.map((e) => `${e.logical_key}\t${e.size}`).join('\n')}${r.next_cursor ? '\n(more: pass next_cursor)' : ''}`,
  run: async (input, ctx) => {
    const args = resolved(input, 'path');
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const prefix = args.path ?? '';
    let after: string | undefined;
    let topHash: string;
    if (args.cursor) {
      const cursor = decodeCursor(args.cursor, isBrowseCursor);
      if (cursor.p !== prefix) throw new ToolError('This cursor belongs to another path; pass the same path as on the first page.', 'invalid_cursor');
      topHash = cursor.h;
      after = cursor.k;
    } else {
      topHash = await opened.resolveRevision(args.package, args.revision);
    }
    const { header, records } = await opened.openManifest(topHash, ctx.signal);
    const entries: EntryOut[] = [];
    const directories: { logical_key: string; meta: unknown; meta_json: string | null }[] = [];
    let count = 0;
    let bytes = 0;
    let seen = false;
    let complete = true;
    try {
      for await (const record of records) {
        if (record.kind === 'directory') {
          if (after === undefined && directories.length < MAX_DIRECTORIES && record.directory.logical_key.startsWith(prefix)) {
            directories.push({
              logical_key: record.directory.logical_key,
              meta: boundedJson(record.directory.meta),
              meta_json: storedJson(record.directory.meta, 4096),
            });
          }
          continue;
        }
        if (record.kind !== 'entry') continue;
        const entry = record.entry;
        if (!entry.logical_key.startsWith(prefix)) {
          // Walk order keeps the keys under a prefix together: once past them, nothing more matches.
          if (seen) break;
          continue;
        }
        seen = true;
        if (after !== undefined && compareLogicalKeys(entry.logical_key, after) <= 0) {
          count++;
          bytes += entry.size;
          continue;
        }
        if (entries.length === args.page_size) {
          complete = false;
          break;
        }
        count++;
        bytes += entry.size;
        entries.push(shapeEntry(entry));
      }
    } finally {
      await records.return(undefined);
    }
    const last = entries[entries.length - 1];
    return {
      registry: opened.ref.url,
      package: args.package,
      top_hash: topHash,
      uri: quiltPlusUri(opened.ref, args.package, { topHash }, args.path),
      meta: shapeHeader(header),
      path: args.path ?? null,
      entries,
      directories,
      summary: { entries: count, total_size: bytes, complete },
      next_cursor: !complete && last ? encodeCursor({ h: topHash, k: last.logical_key, p: prefix }) : null,
    };
  },
});
