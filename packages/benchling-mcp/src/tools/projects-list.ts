import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ApiProject } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { archivedArg, archiveQuery, cursorArg, listPage, pageSizeArg, projectOut, shapeProject, sortArg, sortQuery } from './common.js';

export const projectsList = benchlingTool({
  name: 'projects_list',
  title: 'List Benchling projects',
  description: 'Lists the Benchling projects your API key can see, a page at a time. Folders, entries and entities live in projects.',
  input: z.object({
    name: z.string().trim().min(1).max(500).optional().describe('Only the project with exactly this name'),
    archived: archivedArg,
    sort: sortArg,
    page_size: pageSizeArg(50),
    cursor: cursorArg,
  }),
  output: z.object({ projects: z.array(projectOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ ...(args.name && { name: args.name }) }),
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiProject>(ctx, 'projects_list', filters, {
      path: '/projects',
      envelope: 'projects',
      query: { name: args.name, archiveReason: archiveQuery(args.archived), sort: sortQuery(args.sort) },
      pageSize: page_size,
      cursor,
    });
    return { projects: page.items.map(shapeProject), next_cursor: page.next_cursor };
  },
});
