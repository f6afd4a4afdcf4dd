import { badRequest, notFound } from '../http/errors.js';
import { archiveFilter } from '../http/query.js';
import type { FolderRecord } from '../store/types.js';
import { compact, idsFilter, listResponse, PAGING_PARAMS, type Predicate } from './listing.js';
import type { Operation } from './operation.js';

export const folderOperations: Operation[] = [
  {
    method: 'GET',
    path: '/folders',
    operationId: 'listFolders',
    query: { allowed: [...PAGING_PARAMS, 'sort', 'archiveReason', 'nameIncludes', 'parentFolderId', 'projectId', 'ids', 'name', 'section'] },
    handle: (ctx) => {
      const q = ctx.query;
      const name = q.get('name');
      const nameIncludes = q.get('nameIncludes')?.toLowerCase();
      const parent = q.get('parentFolderId');
      const projectId = q.get('projectId');
      // Deprecated: notebook and inventory folders have been merged, so the section no longer narrows anything.
      q.oneOf('section', ['INVENTORY', 'NOTEBOOK'] as const);
      if (parent !== undefined && parent !== 'NO_PARENT' && !parent.startsWith('lib_')) {
        throw badRequest(`Invalid parentFolderId "${parent}": a folder id (lib_...) or NO_PARENT.`);
      }
      return listResponse<FolderRecord>(ctx, {
        envelope: 'folders',
        items: ctx.snapshot.all('folders'),
        defaultSort: 'name',
        filters: compact<Predicate<FolderRecord>>([
          (f) => ctx.visibility.project(f.projectId),
          archiveFilter(q),
          name !== undefined && ((f) => f.name === name),
          nameIncludes !== undefined && ((f) => f.name.toLowerCase().includes(nameIncludes)),
          parent !== undefined && ((f) => f.parentFolderId === (parent === 'NO_PARENT' ? null : parent)),
          projectId !== undefined && ((f) => f.projectId === projectId),
          idsFilter(q.list('ids'), (id) => ctx.visibility.folder(id)),
        ]),
        render: (f) => ctx.render.folder(f),
      });
    },
  },
  {
    method: 'GET',
    path: '/folders/{folder_id}',
    operationId: 'getFolder',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.folder_id!;
      const folder = ctx.snapshot.get('folders', id);
      if (!folder || !ctx.visibility.folder(id)) throw notFound('Folder', id);
      return { status: 200, body: ctx.render.folder(folder) };
    },
  },
];
