/**
 * Building package entries for a new revision: from objects already in the registry's store (one by key, or
 * all under a prefix) or from small inline texts (written into the store first), hashed here with
 * sha2-256-chunked, sorted in walk order.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '@labmcp/service-kit';
import type { OpenedRegistry } from './registry-access.js';
import { checkObjectKey } from './registry-access.js';
import { compareLogicalKeys, hashStream, validateLogicalKey, WalkOrderGuard, type JsonObject, type ManifestEntry } from './quilt/index.js';
import { forEachLimit, logicalKeyArg, metaArg, progressReporter, toJsonModel, type QuiltCtx } from './tools/common.js';

export const MAX_ENTRY_SPECS = 1000;
export const MAX_INLINE_TEXT = 256 * 1024;
const HEAD_CONCURRENCY = 8;
const HASH_CONCURRENCY = 4;

export const entrySpec = z.object({
  logical_key: logicalKeyArg,
  physical_key: z
    .string()
    .min(1)
    .max(1100)
    .optional()
    .describe("An object already in this registry's storage: a key (\"raw/a.csv\") or its s3://same-bucket/… or file:///registry-root/… URL"),
  text: z.string().max(MAX_INLINE_TEXT).optional().describe(`Small inline content (UTF-8, at most ${MAX_INLINE_TEXT} characters), stored in the registry as <package>/<logical_key>`),
  meta: metaArg.optional().describe("The entry's user metadata (a JSON object)"),
});

export type EntrySpec = z.infer<typeof entrySpec>;

export const directorySpec = z.object({
  physical_prefix: z.string().min(1).max(1024).describe('Every object under this key prefix (a "folder" of the registry storage) becomes an entry'),
  logical_prefix: z.string().max(1024).default('').describe('Prefix of their logical keys in the package (default: the top level), e.g. "raw/"'),
});

export type DirectorySpec = z.infer<typeof directorySpec>;

interface Source {
  logical_key: string;
  meta: JsonObject;
  /** An existing object of the store… */
  key?: string;
  /** …or inline bytes to write. */
  inline?: Buffer;
  size?: number;
}

export interface BuildStats {
  files: number;
  bytes_hashed: number;
  inline_written: number;
}

export function entryMeta(meta: Record<string, unknown> | undefined, where: string): JsonObject {
  if (meta === undefined) return {};
  const user = toJsonModel(meta, where);
  const out: JsonObject = {};
  out.user_meta = user;
  return out;
}

function checkLogicalKey(key: string): void {
  if (key.startsWith('/')) throw new ToolError(`Invalid logical key ${JSON.stringify(key)}: logical keys are relative ("data/a.csv"), not absolute.`, 'invalid_key');
  if (key.includes('\0') || key.includes('\\')) throw new ToolError(`Invalid logical key ${JSON.stringify(key)}: no NUL or backslash.`, 'invalid_key');
  validateLogicalKey(key);
}

/**
 * Builds the entries for `specs` (each with physical_key or text) and `directories`, hashes them, and returns
 * them in walk order. Inline texts are written to the store as `<name>/<logical_key>` (or, if another object
 * already has that key, beside it under `<name>/.inline/<sha256>/`), so no earlier revision's data changes.
 */
export async function buildEntries(ctx: QuiltCtx, opened: OpenedRegistry, name: string, specs: EntrySpec[], directories: DirectorySpec[]): Promise<{ entries: ManifestEntry[]; stats: BuildStats }> {
  const sources: Source[] = [];
  let inlineBytes = 0;
  for (const spec of specs) {
    checkLogicalKey(spec.logical_key);
    const meta = entryMeta(spec.meta, `meta of ${spec.logical_key}`);
    if ((spec.text === undefined) === (spec.physical_key === undefined)) {
      throw new ToolError(`Entry ${JSON.stringify(spec.logical_key)} needs exactly one of physical_key and text.`, 'invalid_request');
    }
    if (spec.text !== undefined) {
      const bytes = Buffer.from(spec.text, 'utf8');
      inlineBytes += bytes.length;
      sources.push({ logical_key: spec.logical_key, meta, inline: bytes, size: bytes.length });
    } else {
      sources.push({ logical_key: spec.logical_key, meta, key: ctx.access.storageKey(opened, spec.physical_key as string) });
    }
  }
  if (inlineBytes > ctx.limits.inlineMaxBytes) {
    throw new ToolError(`Inline text totals ${inlineBytes} bytes; at most ${ctx.limits.inlineMaxBytes} per call. Upload larger files to the bucket and use physical_key.`, 'too_large');
  }
  for (const dir of directories) await addDirectory(ctx, opened, dir, sources);
  if (sources.length > ctx.limits.createMaxEntries) {
    throw new ToolError(`That is ${sources.length} entries; at most ${ctx.limits.createMaxEntries} per call on this server.`, 'too_large');
  }

  sources.sort((a, b) => compareLogicalKeys(a.logical_key, b.logical_key));
  const guard = new WalkOrderGuard();
  for (const s of sources) guard.accept(s.logical_key); // duplicates, and keys that are both a file and a folder

  await forEachLimit(
    sources.filter((s) => s.key !== undefined && s.size === undefined),
    HEAD_CONCURRENCY,
    async (s) => {
      const info = await opened.storage.head(s.key as string);
      if (!info) throw new ToolError(`No object ${JSON.stringify(s.key)} in ${opened.ref.url} (for entry ${JSON.stringify(s.logical_key)}).`, 'not_found');
      s.size = info.size;
    },
  );
  const totalBytes = sources.reduce((n, s) => n + (s.size ?? 0), 0);
  if (totalBytes > ctx.limits.hashMaxBytes) {
    throw new ToolError(`The entries hold ${totalBytes} bytes; this server hashes at most ${ctx.limits.hashMaxBytes} per call.`, 'too_large');
  }

  const stats: BuildStats = { files: sources.length, bytes_hashed: 0, inline_written: 0 };
  for (const s of sources.filter((x) => x.inline !== undefined)) {
    s.key = await writeInline(opened, name, s.logical_key, s.inline as Buffer);
    stats.inline_written++;
  }

  const progress = progressReporter(ctx);
  let done = 0;
  const hashes = new Map<Source, string>();
  await forEachLimit(sources, HASH_CONCURRENCY, async (s) => {
    let reported = 0;
    const onProgress = (bytes: number) => {
      done += bytes - reported;
      reported = bytes;
      progress(done, totalBytes, `hashed ${done} of ${totalBytes} bytes`);
    };
    let value: string;
    if (s.inline !== undefined) {
      value = await hashStream('sha2-256-chunked', once(s.inline), s.inline.length, { onProgress, signal: ctx.signal });
    } else {
      const got = await opened.storage.get(s.key as string, { signal: ctx.signal });
      if (got.size !== s.size) {
        got.body.destroy();
        throw new ToolError(`${s.key} changed while the package was being built (size ${s.size} → ${got.size}); try again.`, 'conflict');
      }
      value = await hashStream('sha2-256-chunked', got.body, got.size, { onProgress, signal: ctx.signal });
    }
    hashes.set(s, value);
    stats.bytes_hashed += s.size ?? 0;
  });
  progress(totalBytes, totalBytes, `hashed ${sources.length} files`, true);

  const entries = sources.map(
    (s): ManifestEntry => ({
      logical_key: s.logical_key,
      physical_keys: [ctx.access.physicalKey(opened, s.key as string)],
      size: s.size as number,
      hash: { type: 'sha2-256-chunked', value: hashes.get(s) as string },
      meta: s.meta,
    }),
  );
  return { entries, stats };
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function addDirectory(ctx: QuiltCtx, opened: OpenedRegistry, dir: DirectorySpec, sources: Source[]): Promise<void> {
  const base = ctx.access.storageKey(opened, dir.physical_prefix.replace(/\/+$/, ''));
  const prefix = `${base}/`;
  if (dir.logical_prefix !== '' && !dir.logical_prefix.endsWith('/')) {
    throw new ToolError(`logical_prefix ${JSON.stringify(dir.logical_prefix)} must end with "/" (or be empty for the top level).`, 'invalid_request');
  }
  let token: string | undefined;
  let found = 0;
  do {
    const page = await opened.storage.list(prefix, { maxKeys: 1000, ...(token === undefined ? {} : { continuationToken: token }) });
    for (const object of page.objects) {
      if (object.key.startsWith('.quilt/')) continue;
      const logical = dir.logical_prefix + object.key.slice(prefix.length);
      checkLogicalKey(logical);
      sources.push({ logical_key: logical, meta: {}, key: object.key, size: object.size });
      found++;
      if (sources.length > ctx.limits.createMaxEntries) {
        throw new ToolError(`${prefix} holds more objects than this server puts in one revision (${ctx.limits.createMaxEntries}).`, 'too_large');
      }
    }
    token = page.nextContinuationToken;
  } while (token !== undefined);
  if (found === 0) throw new ToolError(`No objects under ${JSON.stringify(prefix)} in ${opened.ref.url}.`, 'not_found');
}

async function writeInline(opened: OpenedRegistry, name: string, logicalKey: string, bytes: Buffer): Promise<string> {
  const natural = `${name}/${logicalKey}`;
  checkObjectKey(natural);
  const existing = await opened.storage.head(natural);
  if (existing === undefined) {
    await opened.storage.put(natural, bytes, { contentType: contentTypeOf(logicalKey) });
    return natural;
  }
  if (existing.size === bytes.length && (await sameBytes(opened, natural, bytes))) return natural;
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  const aside = `${name}/.inline/${digest}/${logicalKey}`;
  checkObjectKey(aside);
  if ((await opened.storage.head(aside)) === undefined) await opened.storage.put(aside, bytes, { contentType: contentTypeOf(logicalKey) });
  return aside;
}

async function sameBytes(opened: OpenedRegistry, key: string, bytes: Buffer): Promise<boolean> {
  const got = await opened.storage.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of got.body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).equals(bytes);
}

function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = { csv: 'text/csv', tsv: 'text/tab-separated-values', json: 'application/json', md: 'text/markdown', txt: 'text/plain', html: 'text/html' };
  return `${types[ext] ?? 'text/plain'}; charset=utf-8`;
}
