import { z } from 'zod';
import { type PackagedObject, readEntry, readLinked } from './benchling-objects.js';
import { contentDigest, PROVENANCE_FORMAT, type Provenance, provenanceObject, provenanceOf, tenantOf } from './provenance.js';
import { defineWorkflow, type WorkflowContext, WorkflowError } from './workflow.js';

const MAX_LINKED = 100;
const DEFAULT_FIELD = 'Quilt Package';

const writeBackOut = z.object({
  status: z.enum(['written', 'already_set', 'not_requested', 'no_such_field', 'conflict', 'dry_run']),
  field: z.string().nullable(),
  message: z.string(),
});

type Json = Record<string, unknown>;

export const packageBenchlingEntry = defineWorkflow({
  name: 'lab_package_benchling_entry',
  title: 'Package a Benchling entry into Quilt',
  description:
    'Makes a Quilt package revision of a Benchling notebook entry: entry.json (metadata and fields) and notes.json, the DNA/AA sequences it ' +
    'links to (GenBank and FASTA) and its custom entities (JSON), with provenance in the package metadata (tenant, ids, web URLs, schema ids, ' +
    'retrieval time, tool version; see the README). Unchanged Benchling data gives no new revision: the latest one is kept, with its top hash. ' +
    'Then writes the Quilt+ URI onto the entry (a text field of its schema, "Quilt Package" by default) unless the entry changed meanwhile. ' +
    'dry_run shows what would be packaged and written, and writes nothing.',
  input: z.object({
    entry_id: z
      .string()
      .regex(/^etr_[A-Za-z0-9]{1,64}$/, 'must be an entry id (etr_...)')
      .describe('The entry (etr_...)'),
    registry: z.string().trim().min(1).max(1100).optional().describe('Quilt registry (default: the default registry; quilt_registries_list)'),
    package: z
      .string()
      .regex(/^[\w-]+\/[\w-]+$/, 'must be "user/name"')
      .max(256)
      .optional()
      .describe('Package name (default: benchling/<entry id>)'),
    message: z.string().max(1000).optional().describe('Commit message (default: "Benchling entry <id>: <name>")'),
    write_back_field: z
      .string()
      .min(1)
      .max(256)
      .nullable()
      .default(DEFAULT_FIELD)
      .describe('Text field of the entry schema that gets the Quilt+ URI; null to write nothing back'),
    dry_run: z.boolean().default(false).describe('Show what would be packaged and written, and write nothing'),
  }),
  output: z.object({
    status: z.enum(['created', 'unchanged', 'dry_run']),
    registry: z.string().nullable(),
    package: z.string(),
    top_hash: z.string().nullable().describe('The revision holding this data (null on a dry run that would create one)'),
    uri: z.string().nullable().describe('Quilt+ URI of that revision'),
    files: z.array(z.object({ logical_key: z.string(), chars: z.number() })),
    objects: z.array(provenanceObject),
    skipped: z.array(z.object({ id: z.string(), reason: z.string() })).describe('Linked objects that could not be packaged'),
    metadata: z.record(z.string(), z.unknown()).describe('The package metadata written (or that would be)'),
    write_back: writeBackOut,
  }),
  // Idempotent: unchanged data writes nothing. Destructive: the write-back replaces the field's value.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  needs: { quilt: ['package_create', 'packages_list', 'package_browse', 'catalog_uri'], benchling: ['entry_get', 'entry_update'] },
  run: async (args, ctx) => {
    const packageName = args.package ?? `benchling/${args.entry_id}`;
    await ctx.progress(0, 4, 'reading the entry');
    const { entry, object, linked } = await readEntry(ctx, args.entry_id, args.write_back_field);
    const objects: PackagedObject[] = [object];
    const skipped: { id: string; reason: string }[] = [];
    if (linked.length > MAX_LINKED) throw new WorkflowError(`The entry links ${linked.length} objects; at most ${MAX_LINKED} are packaged at once.`);
    await ctx.progress(1, 4, `reading ${linked.length} linked objects`);
    for (const id of linked) {
      try {
        objects.push(await readLinked(ctx, id));
      } catch (err) {
        if (!(err instanceof WorkflowError)) throw err;
        skipped.push({ id, reason: err.message });
      }
    }
    const metas = objects.map((o) => o.meta);
    const files = objects.flatMap((o) => o.files);
    const provenance: Provenance = {
      format: PROVENANCE_FORMAT,
      tenant: tenantOf(typeof entry.web_url === 'string' ? entry.web_url : null),
      entry_id: args.entry_id,
      write_back_field: args.write_back_field,
      objects: metas,
      content_digest: contentDigest(metas),
      retrieved_at: new Date().toISOString(),
      tool: { name: 'lab_package_benchling_entry', version: ctx.version },
    };
    const metadata = { benchling: provenance };
    const listed = files.map((f) => ({ logical_key: f.logical_key, chars: f.text.length }));

    await ctx.progress(2, 4, 'looking for an earlier revision');
    const latest = await latestRevision(ctx, args.registry, packageName);
    const same = latest && provenanceOf(latest.meta)?.content_digest === provenance.content_digest;
    const base = { package: packageName, files: listed, objects: metas, skipped };
    if (args.dry_run) {
      return {
        ...base,
        status: 'dry_run' as const,
        registry: latest?.registry ?? args.registry ?? null,
        top_hash: same ? latest.topHash : null,
        uri: null,
        // Unchanged data keeps the revision, and its metadata (with the retrieval time of its own run).
        metadata: same ? (latest.meta as Json) : metadata,
        write_back: {
          status: 'dry_run' as const,
          field: args.write_back_field,
          message: same ? 'The data is unchanged: no new revision would be made.' : 'A new revision would be made and its URI written back.',
        },
      };
    }
    let revision: { registry: string; topHash: string; uri: string; meta: Json };
    let status: 'created' | 'unchanged';
    if (same) {
      const uri = (await ctx.call('quilt', 'catalog_uri', {
        ...(args.registry && { registry: args.registry }),
        package: packageName,
        revision: latest.topHash,
      })) as Json;
      revision = { registry: latest.registry, topHash: latest.topHash, uri: String(uri.uri), meta: latest.meta as Json };
      status = 'unchanged';
    } else {
      await ctx.progress(3, 4, `writing ${files.length} files`);
      const created = (await ctx.call('quilt', 'package_create', {
        ...(args.registry && { registry: args.registry }),
        package: packageName,
        message: args.message ?? `Benchling entry ${args.entry_id}: ${String(entry.name ?? '')}`.slice(0, 1000),
        meta: metadata,
        entries: files,
        replace_existing: true,
      })) as Json;
      revision = { registry: String(created.registry), topHash: String(created.top_hash), uri: String(created.uri), meta: metadata };
      status = 'created';
    }
    const writeBack = await writeUri(ctx, entry, args.write_back_field, revision.uri);
    await ctx.progress(4, 4, 'done');
    return { ...base, status, registry: revision.registry, top_hash: revision.topHash, uri: revision.uri, metadata: revision.meta, write_back: writeBack };
  },
});

/** The package's latest revision and its metadata; undefined when there is no such package yet. */
async function latestRevision(
  ctx: WorkflowContext,
  registry: string | undefined,
  name: string,
): Promise<{ registry: string; topHash: string; meta: unknown } | undefined> {
  const listed = (await ctx.call('quilt', 'packages_list', { ...(registry && { registry }), prefix: name, page_size: 1000 })) as {
    packages: { name: string }[];
  };
  if (!listed.packages.some((p) => p.name === name)) return undefined;
  const browsed = (await ctx.call('quilt', 'package_browse', { ...(registry && { registry }), package: name, page_size: 1 })) as Json;
  return { registry: String(browsed.registry), topHash: String(browsed.top_hash), meta: (browsed.meta as Json | undefined)?.user_meta };
}

/** Writes the URI onto the entry's field, through benchling_entry_update, never over a change made since it was read. */
async function writeUri(ctx: WorkflowContext, entry: Json, field: string | null, uri: string): Promise<z.infer<typeof writeBackOut>> {
  if (field === null) return { status: 'not_requested', field, message: 'write_back_field is null: nothing was written to the entry.' };
  const fields = (entry.fields ?? {}) as Record<string, { type?: string | null; value?: unknown }>;
  const current = fields[field];
  if (!current || (current.type !== null && current.type !== undefined && current.type !== 'text')) {
    const schema = (entry.schema as Json | null)?.name ?? 'none';
    return {
      status: 'no_such_field',
      field,
      message: `The entry's schema (${String(schema)}) has no text field "${field}": add one to the entry schema in Benchling, or name another with write_back_field.`,
    };
  }
  if (current.value === uri) return { status: 'already_set', field, message: `"${field}" already holds this URI.` };
  try {
    await ctx.call('benchling', 'entry_update', { entry_id: entry.id, if_modified_at: entry.modified_at, fields: { [field]: uri } });
  } catch (err) {
    if (err instanceof WorkflowError && /changed since you read it/.test(err.message)) {
      return { status: 'conflict', field, message: `The entry changed while it was packaged; the URI was not written. ${err.message}` };
    }
    throw err;
  }
  return { status: 'written', field, message: `"${field}" now holds ${uri}.` };
}
