/**
 * Putting objects into a registry's storage, to build packages from (package_create's physical_key): small ones
 * through the call (text, or base64), larger ones through a presigned PUT link (S3). Both only create: an object
 * that exists is never replaced (the same rule the write protocol keeps for package data), and both are confined
 * as reads are (keys inside the registry; none under .quilt/, which is the registry's own).
 */
import { ToolError, WRITE_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import type { OpenedRegistry } from '../registry/index.js';
import { expiresSecondsArg, objectKeyArg, refuseNoPresign, registryArg, WRITE_SCOPE } from './common.js';

const RESERVED_PREFIXES = ['.quilt/', '.~labmcp-work/'];

function uploadKey(opened: OpenedRegistry, input: string): string {
  const key = opened.storageKey(input);
  if (key.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new ToolError(`Refused: ${JSON.stringify(input)} is not a plain key (no empty, "." or ".." segments).`, 'path_escape');
  }
  if (RESERVED_PREFIXES.some((p) => key.startsWith(p))) {
    throw new ToolError(`Refused: ${JSON.stringify(key)} is inside the registry's own ${key.split('/')[0]}/ folder; choose another key.`, 'invalid_key');
  }
  return key;
}

const exists = (opened: OpenedRegistry, key: string) =>
  new ToolError(`${opened.ref.url} already has an object ${JSON.stringify(key)}; objects are never replaced here: choose another key.`, 'conflict');

export const bucketObjectPut = quiltTool({
  name: 'bucket_object_put',
  title: "Put a small object into a registry's storage",
  description:
    "Creates one object in the registry's bucket or folder from text (UTF-8) or base64, at most QUILT_INLINE_MAX_BYTES (default 1 MiB); " +
    'use bucket_object_upload_link for larger files. Never replaces an existing object. The answer gives the physical_key to pass to ' +
    'package_create / package_update.',
  input: z.object({
    registry: registryArg,
    key: objectKeyArg,
    text: z
      .string()
      .max(1024 * 1024)
      .optional()
      .describe('The content as UTF-8 text'),
    base64: z
      .string()
      .max(1_400_000)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64')
      .optional()
      .describe('The content as base64 (binary files)'),
    content_type: z.string().max(200).optional().describe('Content-Type to store (S3), e.g. "text/csv"'),
  }),
  output: z.object({
    registry: z.string(),
    key: z.string(),
    physical_key: z.string().describe('Pass this (or key) as physical_key to package_create / package_update'),
    size: z.number(),
    etag: z.string().nullable(),
  }),
  annotations: { ...WRITE_ANNOTATIONS, idempotentHint: false },
  scope: WRITE_SCOPE,
  targets: (args) => ({ ...(args.registry !== undefined && { registry: args.registry }), key: args.key }),
  summarize: (r) => `Stored ${r.size} bytes at ${r.physical_key}`,
  run: async (args, ctx) => {
    if ((args.text === undefined) === (args.base64 === undefined)) throw new ToolError('Give exactly one of text and base64.', 'invalid_request');
    const bytes = args.text !== undefined ? Buffer.from(args.text, 'utf8') : Buffer.from(args.base64 as string, 'base64');
    if (bytes.length > ctx.limits.inlineMaxBytes) {
      throw new ToolError(
        `That is ${bytes.length} bytes; at most ${ctx.limits.inlineMaxBytes} through a call on this server. Use bucket_object_upload_link for larger files.`,
        'too_large',
      );
    }
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const key = uploadKey(opened, args.key);
    const put = await opened.storage.putIfAbsent(key, bytes, { size: bytes.length, ...(args.content_type ? { contentType: args.content_type } : {}) });
    if (!put.created) throw exists(opened, key);
    return { registry: opened.ref.url, key, physical_key: opened.physicalKey(key, put.versionId), size: bytes.length, etag: put.etag ?? null };
  },
});

export const bucketObjectUploadLink = quiltTool({
  name: 'bucket_object_upload_link',
  title: 'A presigned upload link for an S3 registry',
  description:
    "A presigned HTTPS PUT URL that creates one object in an S3 registry's bucket, signed with your credentials and valid for expires_seconds " +
    '(bounded by the server). The upload must send the header "If-None-Match: *" (it is signed): the link can create the object but never ' +
    'replace one. Then pass key as physical_key to package_create. Local registries have no links (use bucket_object_put).',
  input: z.object({
    registry: registryArg,
    key: objectKeyArg,
    expires_seconds: expiresSecondsArg,
  }),
  output: z.object({
    registry: z.string(),
    key: z.string(),
    url: z.string(),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()).describe('Headers the upload must send'),
    expires_at: z.string(),
    physical_key: z.string().describe('The physical key of the object once uploaded'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scope: WRITE_SCOPE,
  targets: (args) => ({ ...(args.registry !== undefined && { registry: args.registry }), key: args.key, expires_seconds: args.expires_seconds }),
  summarize: (r) => `PUT ${r.url}\nwith header If-None-Match: * (valid until ${r.expires_at})`,
  run: async (args, ctx) => {
    refuseNoPresign(ctx, args.registry, args.expires_seconds, 'upload links need S3. Use bucket_object_put instead.');
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const key = uploadKey(opened, args.key);
    if (await opened.storage.head(key)) throw exists(opened, key);
    const url = await opened.storage.presign(key, args.expires_seconds, 'PUT');
    return {
      registry: opened.ref.url,
      key,
      url,
      method: 'PUT' as const,
      headers: { 'If-None-Match': '*' },
      expires_at: new Date(Date.now() + args.expires_seconds * 1000).toISOString(),
      physical_key: opened.physicalKey(key),
    };
  },
});
