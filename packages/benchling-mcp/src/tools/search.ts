import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { BenchlingSession } from '../benchling/client.js';
import { BenchlingError } from '../benchling/errors.js';
import { kindOfId } from '../benchling/ids.js';
import type { ApiAaSequence, ApiDnaSequence, ApiEntity, ApiEntry, ApiFolder, ApiProject } from '../benchling/types.js';
import { api, benchlingTool, type ToolCtx } from '../context.js';
import { fetchEntity } from './entity-lookup.js';

import { schemaById } from './schemas-list.js';

const SEARCHABLE = ['entry', 'dna_sequence', 'aa_sequence', 'custom_entity'] as const;
type Searchable = (typeof SEARCHABLE)[number];

const resultOut = z.object({
  type: z.enum(['entry', 'dna_sequence', 'rna_sequence', 'aa_sequence', 'custom_entity', 'folder', 'project', 'schema']),
  id: z.string(),
  name: z.string(),
  folder_id: z.string().nullable(),
  detail: z.string().nullable().describe('A short description: display id, length, schema...'),
  web_url: z.string().nullable(),
});
type Result = z.infer<typeof resultOut>;

/** Display ids such as EXP012 or PRJ-7: letters then digits. */
const DISPLAY_ID = /^[A-Za-z]{1,12}-?\d{1,12}$/;

export const search = benchlingTool({
  name: 'search',
  title: 'Search Benchling by name or id',
  description:
    'Finds entries, DNA sequences, AA sequences and custom entities by name, or anything by id. An id with a known prefix ' +
    "(etr_, seq_, prtn_, bfi_, lib_, src_, ts_) is fetched directly. Otherwise Benchling's name filters are used: sequences " +
    'and custom entities match when their name, alias or registry id contains the query; entries match by exact name ' +
    '(case-insensitive) or display id, since Benchling has no partial-name filter for entries (use entries_list to browse).',
  input: z.object({
    query: z.string().trim().min(1).max(200).describe('A name, part of a name, registry id, display id, or an id such as seq_abc123'),
    types: z.array(z.enum(SEARCHABLE)).min(1).max(4).optional().describe('Which kinds of objects to search by name (default: all four)'),
    limit: z.number().int().min(1).max(25).default(10).describe('At most this many matches per kind'),
    include_archived: z.boolean().default(false).describe('Also match archived objects'),
  }),
  output: z.object({
    query: z.string(),
    matched_by: z.enum(['id', 'name']),
    results: z.array(resultOut),
    more_available: z.array(z.enum(SEARCHABLE)).describe('Kinds with more matches than limit: narrow the query, or page with the list tools'),
    note: z.string().nullable(),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => (kindOfId(args.query) ? { id: args.query } : { query: args.query }),
  run: async (args, ctx) => {
    const kind = kindOfId(args.query);
    if (kind) return byId(ctx, args.query, kind);
    const session = api(ctx);
    const types = args.types ?? [...SEARCHABLE];
    const archiveReason = args.include_archived ? 'ANY_ARCHIVED_OR_NOT_ARCHIVED' : undefined;
    const found = await Promise.all(types.map((type) => byName(session, type, args.query, args.limit, archiveReason)));
    return {
      query: args.query,
      matched_by: 'name' as const,
      results: found.flatMap((f) => f.results),
      more_available: found.filter((f) => f.more).map((f) => f.type),
      note: types.includes('entry') ? 'Entries match by exact name or display id only.' : null,
    };
  },
});

async function byName(
  session: BenchlingSession,
  type: Searchable,
  query: string,
  limit: number,
  archiveReason: string | undefined,
): Promise<{ type: Searchable; results: Result[]; more: boolean }> {
  const common = { pageSize: limit, archiveReason };
  switch (type) {
    case 'entry': {
      const lookups = [session.list<ApiEntry>('/entries', 'entries', { ...common, ...(query.includes(',') ? { name: query } : { 'names.anyOf': query }) })];
      if (DISPLAY_ID.test(query)) lookups.push(session.list<ApiEntry>('/entries', 'entries', { ...common, displayIds: query }));
      const pages = await Promise.all(lookups);
      const seen = new Set<string>();
      const results: Result[] = [];
      for (const e of pages.flatMap((p) => p.items)) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        results.push(entryResult(e));
      }
      return { type, results: results.slice(0, limit), more: results.length > limit || pages.some((p) => p.nextToken !== null) };
    }
    case 'dna_sequence': {
      const page = await session.list<ApiDnaSequence>('/dna-sequences', 'dnaSequences', { ...common, nameIncludes: query });
      return { type, results: page.items.map(dnaResult), more: page.nextToken !== null };
    }
    case 'aa_sequence': {
      const page = await session.list<ApiAaSequence>('/aa-sequences', 'aaSequences', { ...common, nameIncludes: query });
      return { type, results: page.items.map(aaResult), more: page.nextToken !== null };
    }
    case 'custom_entity': {
      const page = await session.list<ApiEntity>('/custom-entities', 'customEntities', { ...common, nameIncludes: query });
      return { type, results: page.items.map(customEntityResult), more: page.nextToken !== null };
    }
  }
}

async function byId(ctx: ToolCtx, id: string, kind: NonNullable<ReturnType<typeof kindOfId>>) {
  const session = api(ctx);
  const answer = (results: Result[], note: string | null = null) => ({ query: id, matched_by: 'id' as const, results, more_available: [], note });
  try {
    switch (kind) {
      case 'entry':
        return answer([entryResult((await session.get<{ entry: ApiEntry }>(`/entries/${id}`)).entry)]);
      case 'dnaSequence': {
        // seq_ names a DNA or an RNA sequence: the prefix does not tell which.
        const found = await fetchEntity(session, id);
        const result = dnaResult(found.entity as ApiDnaSequence);
        return answer([found.type === 'rna_sequence' ? { ...result, type: 'rna_sequence' } : result]);
      }
      case 'aaSequence':
        return answer([aaResult(await session.get<ApiAaSequence>(`/aa-sequences/${id}`))]);
      case 'customEntity':
        return answer([customEntityResult(await session.get<ApiEntity>(`/custom-entities/${id}`))]);
      case 'folder': {
        const f = await session.get<ApiFolder>(`/folders/${id}`);
        return answer([
          {
            type: 'folder',
            id: f.id,
            name: f.name ?? '',
            folder_id: f.parentFolderId ?? null,
            detail: f.projectId ? `in project ${f.projectId}` : null,
            web_url: null,
          },
        ]);
      }
      case 'project': {
        const p = await session.get<ApiProject>(`/projects/${id}`);
        return answer([
          { type: 'project', id: p.id, name: p.name ?? '', folder_id: null, detail: p.owner?.name ? `owner ${p.owner.name}` : null, web_url: null },
        ]);
      }
      case 'schema': {
        const s = await schemaById(ctx, id, 'all');
        return answer([{ type: 'schema', id: s.id, name: s.name, folder_id: null, detail: `${s.kind} schema, ${s.fields.length} fields`, web_url: null }]);
      }
      case 'user':
        return answer([], 'User ids (ent_...) cannot be looked up through this server.');
    }
  } catch (err) {
    if (err instanceof BenchlingError && err.kind === 'not_found') return answer([], `Nothing with id ${id} exists, or your key cannot see it.`);
    throw err;
  }
}

function entryResult(e: ApiEntry): Result {
  return {
    type: 'entry',
    id: e.id,
    name: e.name ?? '',
    folder_id: e.folderId ?? null,
    detail: e.displayId ? `entry ${e.displayId}` : 'entry',
    web_url: e.webURL ?? null,
  };
}

function entityResult(type: Result['type'], e: ApiEntity, detail: string | null): Result {
  return { type, id: e.id, name: e.name ?? '', folder_id: e.folderId ?? null, detail, web_url: e.webURL ?? null };
}

function dnaResult(s: ApiDnaSequence): Result {
  const length = s.length ?? s.bases?.length;
  return entityResult(
    'dna_sequence',
    s,
    [length !== undefined ? `${length} bp` : null, s.isCircular ? 'circular' : s.isCircular === false ? 'linear' : null, s.entityRegistryId]
      .filter(Boolean)
      .join(', ') || null,
  );
}

function aaResult(s: ApiAaSequence): Result {
  const length = s.length ?? s.aminoAcids?.length;
  return entityResult('aa_sequence', s, [length !== undefined ? `${length} aa` : null, s.entityRegistryId].filter(Boolean).join(', ') || null);
}

function customEntityResult(e: ApiEntity): Result {
  return entityResult('custom_entity', e, [e.schema?.name, e.entityRegistryId].filter(Boolean).join(', ') || null);
}
