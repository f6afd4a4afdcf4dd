import { DATE_OR_DATE_TIME_SOURCE, refuseReservedKeys, ToolError, type ToolRunContext } from '@labmcp/service-kit';
import { z } from 'zod';
import type { QuiltToolContext } from '../context.js';
import { decodeStateToken, encodeStateToken, type JsonObject, type JsonValue, type ManifestEntry, PACKAGE_NAME, toPlainJson } from '../quilt/index.js';
import type { CommittedRevision, EntryInput, EntryPlan, WorkflowCheck } from '../registry/index.js';

export type QuiltCtx = QuiltToolContext & ToolRunContext;

// ---------------------------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------------------------

export const READ_SCOPE = 'read:packages';
export const WRITE_SCOPE = 'write:packages';

// ---------------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------------

export const REVISION = new RegExp(`^(latest|[0-9]{1,15}|[0-9a-fA-F]{6,64}|${DATE_OR_DATE_TIME_SOURCE})$`);
export const TOP_HASH = /^[0-9a-f]{6,64}$/;

export const registryArg = z
  .string()
  .trim()
  .min(1)
  .max(1100)
  .optional()
  .describe(
    'Registry from registries_list: s3://bucket or file:///path (a bare bucket name, or a Quilt+ URI such as quilt+s3://bucket#package=…, works too); default: the default registry',
  );

export const packageArg = z
  .string()
  .min(3)
  .max(256)
  // A check, not a JSON Schema `pattern`: quilt3's rule is Unicode-aware (`\w` on Python str), and a `\p{L}`
  // pattern is not understood alike by every client's validator.
  .refine((v) => PACKAGE_NAME.test(v), 'must be "user/package": letters, digits (any script), "_" and "-", one "/"')
  .describe('Package name, "user/package"');

export const revisionArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(REVISION, 'must be "latest", a top hash (or a unique prefix of at least 6 hex digits), a unix timestamp, or an ISO date/date-time')
  .default('latest')
  .describe(
    'Revision: "latest" (default), a top hash or a unique prefix of it (6+ hex digits), the unix timestamp of a revision, or an ISO date-time (the revision current then)',
  );

export const logicalKeyArg = z.string().min(1).max(1024).describe('Logical key of a package entry, e.g. "data/a.csv"');

export const objectKeyArg = z.string().min(1).max(1024).describe('Object key in the registry\'s bucket (or folder), e.g. "raw/run1/a.csv"');

/** The lifetime of a presigned link; the server's cap (presignMaxSeconds) may be lower, see refuseNoPresign. */
export const expiresSecondsArg = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600)
  .default(900)
  .describe('Lifetime of the link in seconds (the server caps it)');

/**
 * Refuses a presigned link where there can be none: on a local registry (the refusal goes on with `localAdvice`,
 * what to do instead) or for longer than this server allows.
 */
export function refuseNoPresign(ctx: QuiltCtx, registry: string | undefined, expiresSeconds: number, localAdvice: string): void {
  const ref = ctx.access.ref(registry);
  if (ref.kind !== 's3') throw new ToolError(`${ref.url} is a local registry: ${localAdvice}`, 'not_supported');
  if (expiresSeconds > ctx.limits.presignMaxSeconds) {
    throw new ToolError(`expires_seconds may be at most ${ctx.limits.presignMaxSeconds} on this server.`, 'invalid_request');
  }
}

export const MAX_META_BYTES = 64 * 1024;

/** User metadata (a JSON object), bounded in size and depth. */
export const metaArg = refuseReservedKeys(
  z
    .record(z.string().max(256), z.unknown())
    .refine((v) => jsonSize(v) <= MAX_META_BYTES, `metadata must be at most ${MAX_META_BYTES} bytes of JSON`)
    .refine((v) => jsonDepth(v) <= 32, 'metadata must nest at most 32 levels'),
);

// ---------------------------------------------------------------------------------------------------------------
// Output pieces
// ---------------------------------------------------------------------------------------------------------------

export const hashOut = z.object({ type: z.string(), value: z.string() });

export const entryOut = z.object({
  logical_key: z.string(),
  size: z.number(),
  hash: hashOut,
  physical_key: z.string().nullable(),
  meta: z.unknown().describe("The entry's metadata (user metadata under user_meta); large values are elided"),
  meta_json: z.string().nullable().describe('The same metadata exactly as stored in the manifest (JSON text); null when over 4 KiB'),
});

export type EntryOut = z.infer<typeof entryOut>;

export const revisionOut = z.object({
  registry: z.string(),
  package: z.string(),
  top_hash: z.string(),
  timestamp: z.number(),
  entries: z.number(),
  total_size: z.number(),
  manifest_bytes: z.number(),
  uri: z.string().describe('Quilt+ URI of the new revision'),
  workflow: z.object({ id: z.string().nullable(), config: z.string() }).nullable().describe('The workflow the revision was checked with (null: none)'),
});

/** The revisionOut fields of a committed revision; `uri` is its Quilt+ URI. */
export function committedOut(committed: CommittedRevision, uri: string) {
  return {
    top_hash: committed.topHash,
    timestamp: committed.timestamp,
    entries: committed.entries,
    total_size: committed.totalSize,
    manifest_bytes: committed.bytes,
    uri,
  };
}

/** The `workflow` of a revisionOut: the workflow checked (none: null). */
export function workflowOut(workflow: WorkflowCheck | undefined): z.infer<typeof revisionOut>['workflow'] {
  return workflow === undefined ? null : { id: workflow.id, config: String(workflow.header.config) };
}

// ---------------------------------------------------------------------------------------------------------------
// Dry runs of the writes (package_create, package_update): every check, nothing hashed or written
// ---------------------------------------------------------------------------------------------------------------

/** The pieces of a write's dry run. */
export const dryRun = {
  /** Entries (or keys) a dry run lists, per list; its counts count all. */
  MAX_PLANNED: 1000,
  /** The `dry_run` argument; `reports` says what the dry run answers. */
  arg: (reports: string) => z.boolean().default(false).describe(`Check everything and report ${reports}, hashing and writing nothing`),
  /** The revision fields of a dry run's answer: there is no revision. */
  noRevision: { dry_run: true, top_hash: null, timestamp: null, manifest_bytes: null, uri: null },
} as const;

/** revisionOut of a write that can be a dry run: no revision (null) then. */
export const dryRunRevisionOut = revisionOut.extend({
  dry_run: z.boolean(),
  top_hash: z.string().nullable().describe('The new revision (null on dry_run)'),
  timestamp: z.number().nullable(),
  manifest_bytes: z.number().nullable(),
  uri: z.string().nullable().describe('Quilt+ URI of the new revision (null on dry_run)'),
});

export const plannedEntryOut = z.object({ logical_key: z.string(), physical_key: z.string().nullable().describe('null: inline text'), size: z.number() });

export type PlannedEntry = z.infer<typeof plannedEntryOut>;

/**
 * The entries of a plan as manifest entries, for the checks that read entries (a workflow's entries_schema, an
 * update's merge): with their physical key (none for inline text) and the metadata `inputs` give them, but no hash,
 * since a dry run hashes nothing.
 */
export function plannedManifestEntries(plan: EntryPlan, inputs: EntryInput[]): ManifestEntry[] {
  const metaOf = new Map(inputs.map((e) => [e.logical_key, e.meta]));
  return plan.entries.map((e) => ({
    logical_key: e.logical_key,
    physical_keys: e.physical_key === null ? [] : [e.physical_key],
    size: e.size,
    // A sha2-256-chunked value is 44 characters (base64 of a SHA-256 digest): the record has its final length.
    hash: { type: 'sha2-256-chunked', value: '0'.repeat(44) },
    meta: metaOf.get(e.logical_key) ?? {},
  }));
}

/** A manifest entry as a dry run lists it. */
export function plannedEntry(entry: ManifestEntry): PlannedEntry {
  return { logical_key: entry.logical_key, physical_key: entry.physical_keys[0] ?? null, size: entry.size };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------------------------

export function jsonSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return Infinity;
  }
}

function jsonDepth(value: unknown, depth = 0): number {
  if (depth > 64) return depth;
  if (Array.isArray(value)) return Math.max(depth + 1, ...value.map((v) => jsonDepth(v, depth + 1)));
  if (value !== null && typeof value === 'object') return Math.max(depth + 1, ...Object.values(value).map((v) => jsonDepth(v, depth + 1)));
  return depth;
}

/**
 * A manifest value as plain JSON for a client (bigints, Python floats), or a short marker when it is larger
 * than `maxBytes`, so one entry's huge metadata cannot flood the answer.
 */
export function boundedJson(value: JsonValue | undefined, maxBytes = 4096): unknown {
  if (value === undefined) return null;
  const plain = toPlainJson(value);
  const size = jsonSize(plain);
  if (size <= maxBytes) return plain;
  return { _elided: true, bytes: size, preview: JSON.stringify(plain).slice(0, 200) };
}

/**
 * Caller-given JSON (already parsed by the MCP layer) as the manifest JSON model: plain objects with own data
 * properties (a "__proto__" key stays a key), finite numbers only.
 */
export function toJsonModel(value: unknown, where = 'metadata'): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ToolError(`${where}: numbers must be finite`, 'invalid_metadata');
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => toJsonModel(v, where));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      Object.defineProperty(out, k, { value: toJsonModel(v, where), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new ToolError(`${where}: ${typeof value} is not a JSON value`, 'invalid_metadata');
}

export function packageTargets(args: { registry?: string | undefined; package?: string; revision?: string }): Record<string, unknown> {
  return {
    ...(args.registry !== undefined && { registry: args.registry }),
    ...(args.package !== undefined && { package: args.package }),
    ...(args.revision !== undefined && { revision: args.revision }),
  };
}

export function encodeCursor(state: Record<string, unknown>): string {
  return encodeStateToken(state);
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string, check: (v: Record<string, unknown>) => v is T): T {
  const state = decodeStateToken(cursor);
  if (state !== undefined && check(state)) return state;
  throw new ToolError('Invalid cursor: pass next_cursor from the previous page of the same call unchanged.', 'invalid_cursor');
}

/** Throttled progress: at most one notification per `intervalMs`, plus the last. */
export function progressReporter(ctx: Pick<ToolRunContext, 'progress'>, intervalMs = 250) {
  let last = 0;
  return (done: number, total?: number, message?: string, force = false) => {
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    void ctx.progress(done, total, message);
  };
}
