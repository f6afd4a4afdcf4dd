/**
 * Package files as MCP resources: Quilt+ URIs pinned to a top hash (`quilt+s3://bucket#package=user/pkg@<top hash>&path=<logical key>`,
 * and `quilt+file:///abs/registry#…` for local registries), read as text or a base64 blob with a MIME type, up to the
 * tools' read bound (MAX_READ_BYTES). A pinned revision never changes, so reads carry a long private cache hint and
 * say so in `_meta`. Completions offer registries' buckets, package names, revisions (newest first) and logical keys.
 */
import { ToolError } from '@labmcp/service-kit';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import type { QuiltCaller, RegistryRef } from './context.js';
import { toToolError } from './errors.js';
import type { RegistryAccess } from './registry/index.js';
import { READ_SCOPE } from './tools/common.js';
import { looksLikeText, MAX_READ_BYTES } from './tools/object-content.js';
import { parseQuiltUri } from './tools/quilt-uri.js';

/** A pinned revision's files never change: cache reads for a year (per caller: reads use the caller's credentials). */
const IMMUTABLE_TTL_MS = 365 * 24 * 3600 * 1000;
const MAX_COMPLETIONS = 100;

const MIME_TYPES: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  xml: 'application/xml',
  html: 'text/html',
  htm: 'text/html',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  pdf: 'application/pdf',
  parquet: 'application/vnd.apache.parquet',
  gz: 'application/gzip',
  zip: 'application/zip',
  ipynb: 'application/x-ipynb+json',
  py: 'text/x-python',
  fasta: 'text/plain',
  fastq: 'text/plain',
  vcf: 'text/plain',
};

export function mimeTypeOf(logicalKey: string, isText: boolean): string {
  const base = logicalKey.slice(logicalKey.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  const known = dot === -1 ? undefined : MIME_TYPES[base.slice(dot + 1)];
  return known ?? (isText ? 'text/plain' : 'application/octet-stream');
}

export interface QuiltResourceDeps {
  caller: QuiltCaller;
  registries: RegistryRef[];
  access: RegistryAccess;
}

/** Registers the Quilt+ resource templates (S3 and local forms) and their completions on one request's server. */
export function registerQuiltResources(server: McpServer, deps: QuiltResourceDeps): void {
  const { caller, registries, access } = deps;
  const registryFrom = (args: Record<string, string> | undefined): string | undefined =>
    args?.bucket ? `s3://${args.bucket}` : args?.root ? `file://${args.root.startsWith('/') ? '' : '/'}${args.root}` : undefined;
  const quietly = async (fn: () => Promise<string[]>): Promise<string[]> => {
    if (!caller.scopes.has(READ_SCOPE)) return [];
    try {
      return (await fn()).slice(0, MAX_COMPLETIONS);
    } catch {
      return [];
    }
  };
  const complete = {
    package: (value: string, context?: { arguments?: Record<string, string> }) =>
      quietly(async () => {
        const opened = await access.open(caller, registryFrom(context?.arguments));
        return (await opened.registry.listPackages({ maxKeys: MAX_COMPLETIONS, ...(value ? { prefix: value } : {}) })).packages;
      }),
    top_hash: (value: string, context?: { arguments?: Record<string, string> }) =>
      quietly(async () => {
        const name = context?.arguments?.package;
        if (!name) return [];
        const opened = await access.open(caller, registryFrom(context?.arguments));
        const { revisions } = await opened.allRevisions(name);
        const newestFirst = [...revisions].sort((a, b) => b.timestamp - a.timestamp).map((r) => r.topHash);
        return [...new Set(newestFirst)].filter((h) => h.startsWith(value.toLowerCase()));
      }),
    path: (value: string, context?: { arguments?: Record<string, string> }) =>
      quietly(async () => {
        const name = context?.arguments?.package;
        const hash = context?.arguments?.top_hash;
        if (!name || !hash) return [];
        const opened = await access.open(caller, registryFrom(context?.arguments));
        const topHash = await opened.resolveRevision(name, hash);
        const { records } = await opened.openManifest(topHash);
        const keys: string[] = [];
        try {
          for await (const record of records) {
            if (record.kind !== 'entry') continue;
            if (record.entry.logical_key.startsWith(value)) keys.push(record.entry.logical_key);
            if (keys.length >= MAX_COMPLETIONS) break;
          }
        } finally {
          await records.return(undefined);
        }
        return keys;
      }),
  };

  const read = async (uri: URL) => {
    if (!caller.scopes.has(READ_SCOPE))
      throw new ToolError(`Reading Quilt resources needs the ${READ_SCOPE} scope, which your token does not grant.`, 'insufficient_scope');
    const href = uri.toString();
    try {
      const named = parseQuiltUri(href);
      if (named.package === undefined || named.revision === undefined || named.revision === 'latest' || named.path === undefined) {
        throw new ToolError(`${href} is not a pinned file URI: use #package=user/pkg@<top hash>&path=<logical key>.`, 'invalid_request');
      }
      const opened = await access.open(caller, named.registry);
      const topHash = await opened.resolveRevision(named.package, named.revision);
      const entry = await opened.findEntry(topHash, named.path);
      if (!entry) throw new ToolError(`${named.package}@${topHash.slice(0, 12)} has no file ${JSON.stringify(named.path)}.`, 'not_found');
      if (entry.size > MAX_READ_BYTES) {
        throw new ToolError(
          `${named.path} is ${entry.size} bytes, more than a resource returns (${MAX_READ_BYTES}); read it in windows with package_file_read, or get a link with bucket_object_link.`,
          'too_large',
        );
      }
      const object = await opened.physical(entry.physical_keys[0] as string);
      const got = await object.get({ range: { offset: 0, length: entry.size } });
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of got.body as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total > MAX_READ_BYTES) break;
          chunks.push(chunk);
        }
      } finally {
        got.body.destroy();
      }
      const bytes = Buffer.concat(chunks).subarray(0, entry.size);
      const isText = looksLikeText(bytes, false);
      const meta = {
        'quilt-mcp/immutable': true,
        'quilt-mcp/top_hash': topHash,
        'quilt-mcp/size': entry.size,
        ...(got.size !== entry.size && { 'quilt-mcp/size_mismatch': `the object is ${got.size} bytes but the manifest records ${entry.size}` }),
      };
      const base = { uri: href, mimeType: mimeTypeOf(entry.logical_key, isText), _meta: meta };
      return { contents: [isText ? { ...base, text: bytes.toString('utf8') } : { ...base, blob: bytes.toString('base64') }] };
    } catch (err) {
      const known = err instanceof ToolError ? err : toToolError(err);
      if (known) throw new Error(known.message);
      throw err;
    }
  };

  const config = {
    title: 'A file of a pinned Quilt package revision',
    description:
      'quilt+s3://bucket#package=user/pkg@<top hash>&path=<logical key> (as catalog_uri prints it): the file as text, or a base64 blob, with its MIME ' +
      `type; files up to ${MAX_READ_BYTES} bytes (larger: package_file_read). A pinned revision never changes, so a read may be cached.`,
    cacheHint: { ttlMs: IMMUTABLE_TTL_MS, cacheScope: 'private' as const },
  };
  if (registries.some((r) => r.kind === 's3')) {
    server.registerResource(
      'quilt-s3-file',
      new ResourceTemplate('quilt+s3://{bucket}#package={+package}@{top_hash}&path={+path}', {
        list: undefined,
        complete: {
          bucket: (value) =>
            registries
              .filter((r) => r.kind === 's3')
              .map((r) => r.url.slice(5))
              .filter((b) => b.startsWith(value)),
          ...complete,
        },
      }),
      config,
      read,
    );
  }
  server.registerResource(
    'quilt-local-file',
    new ResourceTemplate('quilt+file://{+root}#package={+package}@{top_hash}&path={+path}', {
      list: undefined,
      complete: {
        root: (value) =>
          registries
            .filter((r) => r.kind === 'local')
            .map((r) => r.url.slice('file://'.length))
            .filter((p) => p.startsWith(value)),
        ...complete,
      },
    }),
    config,
    read,
  );
}
