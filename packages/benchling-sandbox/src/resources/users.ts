import { notFound } from '../http/errors.js';
import type { Operation } from './operation.js';

export const userOperations: Operation[] = [
  {
    method: 'GET',
    path: '/users/{user_id}',
    operationId: 'getUser',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.user_id!;
      const user = ctx.snapshot.get('users', id);
      // Every member of a tenant can look up every other member (mentions, authors, reviewers).
      if (!user) throw notFound('User', id);
      return { status: 200, body: ctx.render.user(user) };
    },
  },
];
