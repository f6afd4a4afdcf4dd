import { notFound } from '../http/errors.js';
import { archiveFilter } from '../http/query.js';
import type { ProjectRecord } from '../store/types.js';
import { compact, idsFilter, listResponse, PAGING_PARAMS, type Predicate } from './listing.js';
import type { Operation } from './operation.js';

export const projectOperations: Operation[] = [
  {
    method: 'GET',
    path: '/projects',
    operationId: 'listProjects',
    query: { allowed: [...PAGING_PARAMS, 'sort', 'archiveReason', 'ids', 'name'] },
    handle: (ctx) => {
      const name = ctx.query.get('name');
      return listResponse<ProjectRecord>(ctx, {
        envelope: 'projects',
        items: ctx.snapshot.all('projects'),
        defaultSort: 'modifiedAt',
        filters: compact<Predicate<ProjectRecord>>([
          (p) => ctx.visibility.project(p.id),
          archiveFilter(ctx.query),
          name !== undefined && ((p) => p.name === name),
          idsFilter(ctx.query.list('ids'), (id) => ctx.visibility.project(id)),
        ]),
        render: (p) => ctx.render.project(p),
      });
    },
  },
  {
    method: 'GET',
    path: '/projects/{project_id}',
    operationId: 'getProject',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.project_id!;
      const project = ctx.snapshot.get('projects', id);
      if (!project || !ctx.visibility.project(id)) throw notFound('Project', id);
      return { status: 200, body: ctx.render.project(project) };
    },
  },
];
