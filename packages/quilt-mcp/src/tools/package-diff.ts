import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import {
  compareLogicalKeys,
  dumpsForHash,
  insertionOrderKeys,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  type ManifestEntry,
  type ManifestHeader,
} from '../quilt/index.js';
import type { ManifestStream } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import { boundedJson, hashOut, packageArg, READ_SCOPE, REVISION, registryArg } from './common.js';
import { parseQuiltUri, target, uriArg } from './quilt-uri.js';

const sideOut = z.object({ registry: z.string(), package: z.string(), top_hash: z.string(), uri: z.string().describe('Quilt+ URI of this side') });
const briefOut = z.object({ logical_key: z.string(), size: z.number(), hash: hashOut });

const optionalRevision = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(REVISION, 'must be "latest", a top hash or 6+ digit prefix, a unix timestamp, or an ISO date-time');

export const packageDiff = quiltTool({
  name: 'package_diff',
  title: 'Compare two Quilt package revisions',
  description:
    'Compares two revisions of a package, or two packages (other_package, other_registry): entries added, removed and modified (content hash, ' +
    'size or metadata changed), and package metadata changes (message, user_meta, …). Both manifests are streamed and merged in walk order; ' +
    'counts cover everything, the lists stop at max_changes. Defaults: to_revision latest, from_revision the revision before it ' +
    '(or, comparing two packages, latest of package).',
  input: z.object({
    from_uri: uriArg.describe('The older side as a Quilt+ URI (registry, package, from_revision, path)'),
    to_uri: uriArg.describe('The newer side as a Quilt+ URI (other_registry, other_package, to_revision)'),
    registry: registryArg,
    package: packageArg.optional(),
    from_revision: optionalRevision.optional().describe('The older side; default: the previous revision (or latest when other_package is given)'),
    to_revision: optionalRevision.default('latest').describe('The newer side (of other_package when given)'),
    other_package: packageArg.optional().describe('Compare package (from) with this package (to)'),
    other_registry: registryArg.describe('Registry of other_package; default: registry'),
    path: z.string().max(1024).optional().describe('Only entries whose logical key starts with this'),
    max_changes: z.number().int().min(1).max(1000).default(200).describe('Most entries listed in added + removed + modified'),
  }),
  output: z.object({
    from: sideOut,
    to: sideOut,
    identical: z.boolean().describe('Same top hash: same content and metadata'),
    counts: z.object({ added: z.number(), removed: z.number(), modified: z.number(), unchanged: z.number() }),
    added: z.array(briefOut),
    removed: z.array(briefOut),
    modified: z.array(
      z.object({
        logical_key: z.string(),
        changed: z.array(z.enum(['hash', 'size', 'meta'])),
        from: briefOut.omit({ logical_key: true }),
        to: briefOut.omit({ logical_key: true }),
      }),
    ),
    meta_changes: z.array(
      z.object({
        field: z.string(),
        change: z.enum(['added', 'removed', 'changed']).describe('added: only in to; removed: only in from (even when its value was null); changed: both'),
        from: z.unknown().optional().describe('The old value (absent when added)'),
        to: z.unknown().optional().describe('The new value (absent when removed)'),
      }),
    ),
    truncated: z.boolean().describe('True when the lists stop at max_changes (counts are still complete)'),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({
    ...(args.registry !== undefined && { registry: args.registry }),
    package: args.package,
    ...(args.from_revision !== undefined && { from_revision: args.from_revision }),
    to_revision: args.to_revision,
    ...(args.other_package !== undefined && { other_package: args.other_package }),
    ...(args.other_registry !== undefined && { other_registry: args.other_registry }),
  }),
  summarize: (r) =>
    `${r.from.package}@${r.from.top_hash.slice(0, 12)} → ${r.to.package}@${r.to.top_hash.slice(0, 12)}: ` +
    (r.identical ? 'identical' : `${r.counts.added} added, ${r.counts.removed} removed, ${r.counts.modified} modified, ${r.counts.unchanged} unchanged`) +
    (r.meta_changes.length ? `; metadata changed: ${r.meta_changes.map((m) => m.field).join(', ')}` : '') +
    [
      ...r.added.map((e) => `\n+ ${e.logical_key}`),
      ...r.removed.map((e) => `\n- ${e.logical_key}`),
      ...r.modified.map((e) => `\n~ ${e.logical_key} (${e.changed.join(', ')})`),
    ].join(''),
  run: async (input, ctx) => {
    // Each side may come as a Quilt+ URI; the newer one is another package only when it names a different one.
    const toUri = input.to_uri === undefined ? undefined : parseQuiltUri(input.to_uri);
    // Without from_uri, the older side is the to_uri's package (its previous revision, or from_revision).
    const fromSide = target(
      {
        uri: input.from_uri,
        registry: input.registry ?? (input.from_uri ? undefined : toUri?.registry),
        package: input.package ?? (input.from_uri ? undefined : toUri?.package),
      },
      input.path,
    );
    const args = {
      ...input,
      registry: fromSide.registry,
      package: fromSide.package,
      path: fromSide.path,
      from_revision: input.from_revision ?? (input.from_uri ? parseQuiltUri(input.from_uri).revision : undefined),
      to_revision: input.to_revision === 'latest' ? (toUri?.revision ?? 'latest') : input.to_revision,
      other_package: input.other_package ?? (toUri?.package !== undefined && toUri.package !== fromSide.package ? toUri.package : undefined),
      other_registry: input.other_registry ?? (toUri !== undefined && toUri.registry !== fromSide.registry ? toUri.registry : undefined),
    };
    const fromOpened = await ctx.access.open(ctx.caller, args.registry);
    const toOpened = args.other_registry === undefined ? fromOpened : await ctx.access.open(ctx.caller, args.other_registry);
    const toPackage = args.other_package ?? args.package;
    const toHash = await toOpened.resolveRevision(toPackage, args.to_revision);
    let fromHash: string;
    if (args.from_revision !== undefined) fromHash = await fromOpened.resolveRevision(args.package, args.from_revision);
    else if (args.other_package !== undefined || args.other_registry !== undefined) fromHash = await fromOpened.resolveRevision(args.package, 'latest');
    else {
      const previous = await fromOpened.previousRevision(args.package, toHash);
      if (previous === undefined)
        throw new ToolError(`${args.package} has no revision before ${toHash.slice(0, 12)}; give from_revision (package_history lists them).`, 'not_found');
      fromHash = previous;
    }

    const from = await fromOpened.openManifest(fromHash, ctx.signal);
    let to: ManifestStream;
    try {
      to = await toOpened.openManifest(toHash, ctx.signal);
    } catch (err) {
      await from.records.return(undefined);
      throw err;
    }
    try {
      const result = await mergeDiff(entriesUnder(from, args.path ?? ''), entriesUnder(to, args.path ?? ''), args.max_changes);
      return {
        from: {
          registry: fromOpened.ref.url,
          package: args.package,
          top_hash: fromHash,
          uri: quiltPlusUri(fromOpened.ref, args.package, { topHash: fromHash }, args.path),
        },
        to: { registry: toOpened.ref.url, package: toPackage, top_hash: toHash, uri: quiltPlusUri(toOpened.ref, toPackage, { topHash: toHash }, args.path) },
        identical: fromHash === toHash,
        ...result,
        meta_changes: headerChanges(from.header, to.header),
      };
    } finally {
      await Promise.all([from.records.return(undefined), to.records.return(undefined)]);
    }
  },
});

/** The entries of a manifest under `prefix`, stopping once past them (walk order keeps them together). */
export async function* entriesUnder(stream: ManifestStream, prefix: string): AsyncGenerator<ManifestEntry> {
  let seen = false;
  for await (const record of stream.records) {
    if (record.kind !== 'entry') continue;
    if (!record.entry.logical_key.startsWith(prefix)) {
      if (seen) return;
      continue;
    }
    seen = true;
    yield record.entry;
  }
}

type Brief = { logical_key: string; size: number; hash: { type: string; value: string } };
type Modified = { logical_key: string; changed: ('hash' | 'size' | 'meta')[]; from: Omit<Brief, 'logical_key'>; to: Omit<Brief, 'logical_key'> };

function brief(e: ManifestEntry): Brief {
  return { logical_key: e.logical_key, size: e.size, hash: { type: e.hash.type, value: e.hash.value } };
}

/** Merges two walk-ordered entry streams into counts and capped lists of differences. */
export async function mergeDiff(a: AsyncGenerator<ManifestEntry>, b: AsyncGenerator<ManifestEntry>, maxChanges: number) {
  const counts = { added: 0, removed: 0, modified: 0, unchanged: 0 };
  const added: Brief[] = [];
  const removed: Brief[] = [];
  const modified: Modified[] = [];
  let listed = 0;
  let truncated = false;
  const note = <T>(list: T[], item: T) => {
    if (listed < maxChanges) {
      list.push(item);
      listed++;
    } else truncated = true;
  };
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    const cmp = x.done ? 1 : y.done ? -1 : compareLogicalKeys(x.value.logical_key, y.value.logical_key);
    if (cmp < 0 && !x.done) {
      counts.removed++;
      note(removed, brief(x.value));
      x = await a.next();
    } else if (cmp > 0 && !y.done) {
      counts.added++;
      note(added, brief(y.value));
      y = await b.next();
    } else if (!x.done && !y.done) {
      const changed: ('hash' | 'size' | 'meta')[] = [];
      if (x.value.hash.type !== y.value.hash.type || x.value.hash.value !== y.value.hash.value) changed.push('hash');
      if (x.value.size !== y.value.size) changed.push('size');
      if (dumpsForHash(x.value.meta) !== dumpsForHash(y.value.meta)) changed.push('meta');
      if (changed.length === 0) counts.unchanged++;
      else {
        counts.modified++;
        const { logical_key: _a, ...fromBrief } = brief(x.value);
        const { logical_key: _b, ...toBrief } = brief(y.value);
        note(modified, { logical_key: x.value.logical_key, changed, from: fromBrief, to: toBrief });
      }
      x = await a.next();
      y = await b.next();
    }
  }
  return { counts, added, removed, modified, truncated };
}

type MetaChange = { field: string; change: 'added' | 'removed' | 'changed'; from?: unknown; to?: unknown };

/**
 * Package metadata differences, key by key of the header (user_meta compared as a whole, then by its top-level
 * keys). A key present on one side only is added or removed, whatever its value (a removed `null` is not "null
 * to null").
 */
export function headerChanges(from: ManifestHeader, to: ManifestHeader): MetaChange[] {
  const changes: MetaChange[] = [];
  const same = (p: JsonValue | undefined, q: JsonValue | undefined) =>
    p === undefined ? q === undefined : q !== undefined && dumpsForHash(p) === dumpsForHash(q);
  const change = (field: string, p: JsonValue | undefined, q: JsonValue | undefined): MetaChange => ({
    field,
    change: p === undefined ? 'added' : q === undefined ? 'removed' : 'changed',
    ...(p !== undefined && { from: boundedJson(p, 1024) }),
    ...(q !== undefined && { to: boundedJson(q, 1024) }),
  });
  for (const key of unionKeys(from, to)) {
    const p = own(from, key);
    const q = own(to, key);
    if (same(p, q)) continue;
    if (key === 'user_meta' && isObject(p) && isObject(q)) {
      for (const sub of unionKeys(p, q)) {
        const ps = own(p, sub);
        const qs = own(q, sub);
        if (!same(ps, qs)) changes.push(change(`user_meta.${sub}`, ps, qs));
      }
      continue;
    }
    changes.push(change(key, p, q));
  }
  return changes.slice(0, 100);
}

function unionKeys(a: JsonObject, b: JsonObject): string[] {
  return [...new Set([...insertionOrderKeys(a), ...insertionOrderKeys(b)])];
}

function own(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return isJsonObject(v);
}
