import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { boundedJson, hashOut, logicalKeyArg, packageArg, packageTargets, READ_SCOPE, registryArg, revisionArg } from './common.js';
import { contentOut, readArgs, readContent } from './object-content.js';

export const packageFileRead = quiltTool({
  name: 'package_file_read',
  title: 'Read a file of a Quilt package',
  description:
    'Reads one file of a package revision by logical key. Text comes a window at a time (offset, max_bytes; next_offset continues); ' +
    'binary files give their metadata and the first 64 bytes in hex and base64, never the whole file (use bucket_object_link for a download URL on S3).',
  input: z.object({
    registry: registryArg,
    package: packageArg,
    revision: revisionArg,
    logical_key: logicalKeyArg,
    ...readArgs,
  }),
  output: contentOut.extend({
    registry: z.string(),
    package: z.string(),
    top_hash: z.string(),
    logical_key: z.string(),
    physical_key: z.string(),
    hash: hashOut,
    meta: z.unknown(),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ ...packageTargets(args), logical_key: args.logical_key }),
  summarize: (r) =>
    r.is_text
      ? `${r.logical_key} (${r.size} bytes, bytes ${r.offset}-${r.offset + r.bytes_read}${r.truncated ? `, more from offset ${r.next_offset}` : ''}):\n${r.text}`
      : `${r.logical_key}: binary, ${r.size} bytes; first bytes (hex): ${r.head_hex}`,
  run: async (args, ctx) => {
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const topHash = await opened.resolveRevision(args.package, args.revision);
    const entry = await opened.findEntry(topHash, args.logical_key, ctx.signal);
    if (!entry) {
      throw new ToolError(
        `${args.package}@${topHash.slice(0, 12)} has no file ${JSON.stringify(args.logical_key)} (package_browse lists its files).`,
        'not_found',
      );
    }
    const physicalKey = entry.physical_keys[0] as string;
    const object = await opened.physical(physicalKey);
    const content = await readContent(args.logical_key, entry.size, (range) => object.get({ ...(range ? { range } : {}), signal: ctx.signal }), args);
    return {
      registry: opened.ref.url,
      package: args.package,
      top_hash: topHash,
      logical_key: entry.logical_key,
      physical_key: physicalKey,
      hash: { type: entry.hash.type, value: entry.hash.value },
      meta: boundedJson(entry.meta),
      ...content,
    };
  },
});
