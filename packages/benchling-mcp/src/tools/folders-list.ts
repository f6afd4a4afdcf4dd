import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiFolder } from '../benchling/types.js';
import { benchlingTool } from '../context.js';
import { archivedArg, archiveQuery, cursorArg, folderOut, listPage, pageSizeArg, shapeFolder, sortArg, sortQuery } from './common.js';

export const foldersList = benchlingTool({
  name: 'folders_list',
  title: 'List Benchling folders',
  description:
    'Lists folders your API key can see, a page at a time: all of them, those of one project, or the subfolders of one folder ' +
    '(parent_folder_id; "root" for top-level folders). Folder ids (lib_...) are what entries_list and the create tools take.',
  input: z.object({
    project_id: idSchema('project').optional().describe('Only folders of this project (src_...)'),
    parent_folder_id: z
      .union([idSchema('folder'), z.literal('root')])
      .optional()
      .describe('Only direct subfolders of this folder (lib_...), or "root" for folders without a parent'),
    name_includes: z.string().trim().min(1).max(200).optional().describe('Only folders whose name contains this, case-insensitive'),
    archived: archivedArg,
    sort: sortArg,
    page_size: pageSizeArg(50),
    cursor: cursorArg,
  }),
  output: z.object({ folders: z.array(folderOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ ...(args.project_id && { project_id: args.project_id }), ...(args.parent_folder_id && { parent_folder_id: args.parent_folder_id }) }),
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<ApiFolder>(ctx, 'folders_list', filters, {
      path: '/folders',
      envelope: 'folders',
      query: {
        projectId: args.project_id,
        parentFolderId: args.parent_folder_id === 'root' ? 'NO_PARENT' : args.parent_folder_id,
        nameIncludes: args.name_includes,
        archiveReason: archiveQuery(args.archived),
        sort: sortQuery(args.sort),
      },
      pageSize: page_size,
      cursor,
    });
    return { folders: page.items.map(shapeFolder), next_cursor: page.next_cursor };
  },
});
