import { cursorArg, nextCursorOut, pageSizeArg, READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import type { ObjectInfo } from '../quilt/index.js';
import type { OpenedRegistry } from '../registry/index.js';
import { expiresSecondsArg, objectKeyArg, READ_SCOPE, refuseNoPresign, registryArg } from './common.js';
import { contentOut, readArgs, readContent } from './object-content.js';

const objectOut = z.object({
  key: z.string(),
  size: z.number(),
  last_modified: z.string().nullable(),
  etag: z.string().nullable(),
});

function shapeObject(o: ObjectInfo): z.infer<typeof objectOut> {
  return { key: o.key, size: o.size, last_modified: o.lastModified?.toISOString() ?? null, etag: o.etag ?? null };
}

function checkKey(key: string): void {
  if (key.startsWith('/')) throw new ToolError(`Refused: ${JSON.stringify(key)} is absolute; keys are relative to the registry root.`, 'path_escape');
  if (key.split('/').includes('..'))
    throw new ToolError(`Refused: ${JSON.stringify(key)} has a ".." segment; nothing outside the registry is read.`, 'path_escape');
}

async function headOrThrow(opened: OpenedRegistry, key: string): Promise<ObjectInfo> {
  checkKey(key);
  const info = await opened.storage.head(key);
  if (!info) throw new ToolError(`No object ${JSON.stringify(key)} in ${opened.ref.url} (bucket_objects_list shows what is there).`, 'not_found');
  return info;
}

const keyTargets = (args: { registry?: string | undefined; key: string }) => ({
  ...(args.registry !== undefined && { registry: args.registry }),
  key: args.key,
});

export const bucketObjectsList = quiltTool({
  name: 'bucket_objects_list',
  title: "List objects in a registry's bucket",
  description:
    "Lists the objects of a registry's S3 bucket (or local folder) under a prefix, a page at a time, in key order. With delimiter (default) it lists one " +
    'level: objects directly under prefix and the sub-"folders" as prefixes; without, everything under prefix. ".quilt/" holds the manifests and revision pointers.',
  input: z.object({
    registry: registryArg,
    prefix: z.string().max(1024).default('').describe('Key prefix, e.g. "raw/2024/"'),
    delimiter: z.boolean().default(true).describe('Group keys by "/" into folders (one level at a time)'),
    page_size: pageSizeArg(100, 1000),
    cursor: cursorArg(),
  }),
  output: z.object({
    registry: z.string(),
    prefix: z.string(),
    objects: z.array(objectOut),
    prefixes: z.array(z.string()).describe('Folders directly under prefix (with delimiter)'),
    next_cursor: nextCursorOut,
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ ...(args.registry !== undefined && { registry: args.registry }), prefix: args.prefix }),
  summarize: (r) =>
    [...r.prefixes.map((p) => `${p}`), ...r.objects.map((o) => `${o.key}\t${o.size}`)].join('\n') + (r.next_cursor ? '\n(more: pass next_cursor)' : '') ||
    `Nothing under ${JSON.stringify(r.prefix)} in ${r.registry}`,
  run: async (args, ctx) => {
    if (args.prefix !== '') checkKey(args.prefix);
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const page = await opened.storage.list(args.prefix, {
      maxKeys: args.page_size,
      ...(args.delimiter ? { delimiter: '/' as const } : {}),
      ...(args.cursor ? { continuationToken: args.cursor } : {}),
    });
    return {
      registry: opened.ref.url,
      prefix: args.prefix,
      objects: page.objects.map(shapeObject),
      prefixes: page.commonPrefixes,
      next_cursor: page.nextContinuationToken ?? null,
    };
  },
});

export const bucketObjectInfo = quiltTool({
  name: 'bucket_object_info',
  title: 'Describe an object in a registry',
  description: "Size, last-modified time, ETag and content type of one object in a registry's bucket (or local folder), and its s3:// or file:// URL.",
  input: z.object({ registry: registryArg, key: objectKeyArg }),
  output: objectOut.extend({ registry: z.string(), url: z.string(), content_type: z.string().nullable() }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: keyTargets,
  run: async (args, ctx) => {
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const info = await headOrThrow(opened, args.key);
    return { registry: opened.ref.url, url: opened.physicalKey(args.key), ...shapeObject(info), content_type: info.contentType ?? null };
  },
});

export const bucketObjectText = quiltTool({
  name: 'bucket_object_text',
  title: 'Read an object in a registry as text',
  description:
    "Reads an object of a registry's bucket (or local folder) by key: text a window at a time (offset, max_bytes; next_offset continues), " +
    'binary objects as metadata plus the first 64 bytes in hex and base64.',
  input: z.object({ registry: registryArg, key: objectKeyArg, ...readArgs }),
  output: contentOut.extend({ registry: z.string(), key: z.string() }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: keyTargets,
  summarize: (r) =>
    r.is_text
      ? `${r.key} (${r.size} bytes, bytes ${r.offset}-${r.offset + r.bytes_read}${r.truncated ? `, more from offset ${r.next_offset}` : ''}):\n${r.text}`
      : `${r.key}: binary, ${r.size} bytes; first bytes (hex): ${r.head_hex}`,
  run: async (args, ctx) => {
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const info = await headOrThrow(opened, args.key);
    const content = await readContent(args.key, info.size, (range) => opened.storage.get(args.key, { ...(range ? { range } : {}), signal: ctx.signal }), args);
    return { registry: opened.ref.url, key: args.key, ...content };
  },
});

export const bucketObjectLink = quiltTool({
  name: 'bucket_object_link',
  title: 'Make a download link for an S3 object',
  description:
    'A presigned HTTPS GET URL for an object of an S3 registry, signed with your credentials and valid for expires_seconds (bounded by the server). ' +
    'Anyone holding the URL can download the object until it expires. Local registries have no links.',
  input: z.object({
    registry: registryArg,
    key: objectKeyArg,
    expires_seconds: expiresSecondsArg,
  }),
  output: z.object({ registry: z.string(), key: z.string(), url: z.string(), expires_at: z.string(), expires_seconds: z.number(), size: z.number() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scope: READ_SCOPE,
  targets: (args) => ({ ...keyTargets(args), expires_seconds: args.expires_seconds }),
  summarize: (r) => `${r.url}\n(valid until ${r.expires_at})`,
  run: async (args, ctx) => {
    refuseNoPresign(ctx, args.registry, args.expires_seconds, 'presigned links need S3. Read the object with bucket_object_text instead.');
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const info = await headOrThrow(opened, args.key);
    const url = await opened.storage.presign(args.key, args.expires_seconds);
    return {
      registry: opened.ref.url,
      key: args.key,
      url,
      expires_at: new Date(Date.now() + args.expires_seconds * 1000).toISOString(),
      expires_seconds: args.expires_seconds,
      size: info.size,
    };
  },
});
