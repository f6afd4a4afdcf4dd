import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { quiltPlusUri } from './catalog-uri.js';
import { boundedJson, hashOut, logicalKeyArg, packageArg, packageTargets, READ_SCOPE, registryArg, revisionArg } from './common.js';
import { storedJson } from './meta-text.js';
import { contentOut, readArgs, readContent } from './object-content.js';
import { resolved, uriArg } from './quilt-uri.js';

export const packageFileRead = quiltTool({
  name: 'package_file_read',
  title: 'Read a file of a Quilt package',
  description:
    'Reads one file of a package revision by logical key. Text comes a window at a time (offset, max_bytes; next_offset continues); ' +
    'binary files give their metadata and the first 64 bytes in hex and base64, never the whole file (use bucket_object_link for a download URL on S3).',
  input: z.object({
    uri: uriArg,
    registry: registryArg,
    package: packageArg.optional(),
    revision: revisionArg,
    logical_key: logicalKeyArg.optional().describe('Logical key of the file, e.g. "data/a.csv" (or the path of uri)'),
    ...readArgs,
  }),
  output: contentOut.extend({
    registry: z.string(),
    package: z.string(),
    top_hash: z.string(),
    logical_key: z.string(),
    uri: z.string().describe('Quilt+ URI of this file in this revision'),
    physical_key: z.string(),
    hash: hashOut,
    meta: z.unknown(),
    meta_json: z.string().nullable().describe("The entry's metadata exactly as stored in the manifest (JSON text); null when over 4 KiB"),
    object_size: z.number().nullable().describe('Bytes of the object in storage now (size is what the manifest records)'),
    size_mismatch: z
      .string()
      .nullable()
      .describe('Set when the object in storage is not the size the manifest records: what was read is not (all of) the file this revision named'),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ ...packageTargets(args), logical_key: args.logical_key }),
  summarize: (r) =>
    r.is_text
      ? `${r.size_mismatch ? `Warning: ${r.size_mismatch}\n` : ''}${r.logical_key} (${r.size} bytes, bytes ${r.offset}-${r.offset + r.bytes_read}${r.truncated ? `, more from offset ${r.next_offset}` : ''}):\n${r.text}`
      : `${r.logical_key}: binary, ${r.size} bytes; first bytes (hex): ${r.head_hex}${r.size_mismatch ? `\nWarning: ${r.size_mismatch}` : ''}`,
  run: async (input, ctx) => {
    const args = resolved(input, 'logical_key');
    const logicalKey = args.logical_key;
    if (logicalKey === undefined) throw new ToolError('Give logical_key (or a Quilt+ URI with &path=…).', 'invalid_request');
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const topHash = await opened.resolveRevision(args.package, args.revision);
    const entry = await opened.findEntry(topHash, logicalKey, ctx.signal);
    if (!entry) {
      throw new ToolError(`${args.package}@${topHash.slice(0, 12)} has no file ${JSON.stringify(logicalKey)} (package_browse lists its files).`, 'not_found');
    }
    const physicalKey = entry.physical_keys[0] as string;
    const object = await opened.physical(physicalKey);
    // Every read reports the object's whole size; compare it with the manifest's (an object replaced after the
    // revision was made would otherwise be cut to, or read past, the recorded size without a word).
    let objectSize: number | undefined;
    const content = await readContent(
      logicalKey,
      entry.size,
      async (range) => {
        const got = await object.get({ ...(range ? { range } : {}), signal: ctx.signal });
        objectSize = got.size;
        return got;
      },
      args,
    );
    if (objectSize === undefined) objectSize = (await object.head())?.size;
    const mismatch =
      objectSize !== undefined && objectSize !== entry.size
        ? `the object at ${physicalKey} is ${objectSize} bytes but the manifest records ${entry.size}: it was changed after this revision was made, ` +
          `so this is not the file the revision named (only its first ${entry.size} bytes are read; package_verify with check_files reports it).`
        : null;
    return {
      registry: opened.ref.url,
      package: args.package,
      top_hash: topHash,
      logical_key: entry.logical_key,
      uri: quiltPlusUri(opened.ref, args.package, { topHash }, entry.logical_key),
      physical_key: physicalKey,
      hash: { type: entry.hash.type, value: entry.hash.value },
      meta: boundedJson(entry.meta),
      meta_json: storedJson(entry.meta, 4096),
      object_size: objectSize ?? null,
      size_mismatch: mismatch,
      ...content,
    };
  },
});
