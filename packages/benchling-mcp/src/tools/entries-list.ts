import { nextCursorOut, READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import type { Query } from '../benchling/client.js';
import { idSchema } from '../benchling/ids.js';
import type { ApiEntry, ApiFolder } from '../benchling/types.js';
import { api, benchlingTool, type ToolCtx } from '../context.js';
import {
  archivedArg,
  archiveQuery,
  cursorArg,
  entrySummaryOut,
  folderOut,
  listPage,
  modifiedQuery,
  modifiedSinceArg,
  pageSizeArg,
  shapeEntrySummary,
  shapeFolder,
  sortArg,
  sortQuery,
} from './common.js';
import { type CursorState, decodeCursor, encodeCursor } from './cursor.js';

const TOOL = 'entries_list';

const input = z.object({
  folder_id: idSchema('folder').optional().describe('Only entries directly in this folder (lib_...)'),
  project_id: idSchema('project').optional().describe('Only entries of this project (src_...)'),
  schema_id: idSchema('schema').optional().describe('Only entries of this entry schema (ts_...)'),
  name: z.string().trim().min(1).max(500).optional().describe('Only entries with exactly this name (case-insensitive, except for names with commas)'),
  modified_since: modifiedSinceArg,
  review_status: z.enum(['IN_PROGRESS', 'NEEDS_REVIEW', 'ACCEPTED', 'REJECTED', 'RETRACTED']).optional().describe('Only entries in this review state'),
  archived: archivedArg,
  sort: sortArg,
  page_size: pageSizeArg(25),
  cursor: cursorArg,
});

type Args = z.infer<typeof input>;

export const entriesList = benchlingTool({
  name: TOOL,
  title: 'List Benchling notebook entries',
  description:
    'Lists notebook entries your API key can see, a page at a time, filtered by folder, project, entry schema, exact name, ' +
    'modification time and review status. Entries are summaries (use entry_get for fields and notes). With folder_id, ' +
    "Benchling has no folder filter: the folder's project is scanned a bounded number of pages per call, so a page may hold " +
    'fewer than page_size entries while next_cursor is still set; keep calling with next_cursor until it is null.',
  input,
  output: z.object({
    entries: z.array(entrySummaryOut),
    next_cursor: nextCursorOut,
    folder: folderOut.nullable().describe('The folder, when filtering by folder_id'),
    scan: z
      .object({ pages: z.number(), entries_examined: z.number(), complete: z.boolean() })
      .nullable()
      .describe("With folder_id: how much of the project's entry list this call read, and whether it reached the end"),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({
    ...(args.folder_id && { folder_id: args.folder_id }),
    ...(args.project_id && { project_id: args.project_id }),
    ...(args.schema_id && { schema_id: args.schema_id }),
  }),
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const query = upstreamQuery(args);
    if (!args.folder_id) {
      const page = await listPage<ApiEntry>(ctx, TOOL, filters, { path: '/entries', envelope: 'entries', query, pageSize: page_size, cursor });
      return { entries: page.items.map(shapeEntrySummary), next_cursor: page.next_cursor, folder: null, scan: null };
    }
    return folderScan(ctx, args, args.folder_id, query);
  },
});

function upstreamQuery(args: Args): Query {
  // names.anyOf is case-insensitive but comma-separated; a name with a comma needs the exact `name` filter.
  const byName = args.name === undefined ? {} : args.name.includes(',') ? { name: args.name } : { 'names.anyOf': args.name };
  return {
    projectId: args.project_id,
    schemaId: args.schema_id,
    ...byName,
    modifiedAt: modifiedQuery(args.modified_since),
    reviewStatus: args.review_status,
    archiveReason: archiveQuery(args.archived),
    sort: sortQuery(args.sort),
  };
}

/**
 * `GET /entries` has no folder filter: list the folder's project and keep the entries filed in the folder,
 * reading at most `folderScanMaxPages` pages per call. The cursor holds Benchling's token for the page being
 * read and where in it we stopped, so the next call goes on exactly there.
 */
async function folderScan(ctx: ToolCtx, args: Args, folderId: string, query: Query) {
  const { page_size, cursor, ...filters } = args;
  const session = api(ctx);
  const folder = await ctx.cache.get(session, 'folder', folderId, () => session.get<ApiFolder>(`/folders/${folderId}`));
  const projectId = folder.projectId;
  if (!projectId) throw new ToolError(`Benchling did not say which project folder ${folderId} belongs to, so its entries cannot be listed.`, 'bad_response');
  if (args.project_id && args.project_id !== projectId) {
    throw new ToolError(`Folder ${folderId} is in project ${projectId}, not ${args.project_id}: drop project_id, or pick a folder of that project.`);
  }
  const state = decodeCursor(TOOL, filters, cursor);
  const upstreamSize = state.n ?? ctx.settings.folderScanPageSize;
  const maxPages = ctx.settings.folderScanMaxPages;
  let token = state.t;
  let resume: Pick<CursorState, 'o' | 'l'> = { ...(state.o !== undefined && { o: state.o }), ...(state.l !== undefined && { l: state.l }) };
  const found: ApiEntry[] = [];
  let pages = 0;
  let examined = 0;
  let next: CursorState | null = null;

  scan: for (;;) {
    const page = await session.list<ApiEntry>('/entries', 'entries', { ...query, projectId, pageSize: upstreamSize, nextToken: token });
    pages++;
    let start = resume.o ?? 0;
    if (resume.l !== undefined) {
      const at = page.items.findIndex((e) => e.id === resume.l);
      if (at >= 0) start = at + 1;
    }
    resume = {};
    for (let i = start; i < page.items.length; i++) {
      examined++;
      const entry = page.items[i]!;
      if (entry.folderId !== folderId) continue;
      found.push(entry);
      if (found.length < page_size) continue;
      if (i + 1 < page.items.length) next = { ...(token !== undefined && { t: token }), o: i + 1, l: entry.id, n: upstreamSize };
      else if (page.nextToken) next = { t: page.nextToken, n: upstreamSize };
      break scan;
    }
    if (!page.nextToken) break;
    token = page.nextToken;
    if (pages >= maxPages) {
      next = { t: token, n: upstreamSize };
      break;
    }
    await ctx.progress(pages, undefined, `scanned ${examined} entries of project ${projectId}`);
  }
  return {
    entries: found.map(shapeEntrySummary),
    next_cursor: next ? encodeCursor(TOOL, filters, next) : null,
    folder: shapeFolder(folder),
    scan: { pages, entries_examined: examined, complete: next === null },
  };
}
