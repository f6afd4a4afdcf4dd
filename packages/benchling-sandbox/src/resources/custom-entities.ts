import { z } from 'zod';
import { notFound } from '../http/errors.js';
import type { CustomEntityRecord } from '../store/types.js';
import { authorIdsInput, buildEntity, CREATE_LIMITS, customFieldsInput, fieldsInput, nameInput, parseBody, registrationInput } from './create-common.js';
import { ENTITY_LIST_PARAMS, ENTITY_LIST_UNSUPPORTED, entityFilters, listResponse } from './listing.js';
import type { Operation } from './operation.js';

/** components.schemas.CustomEntityCreate: CustomEntityBaseRequestForCreate + CreateEntityIntoRegistry. */
const customEntityCreate = z.strictObject({
  name: nameInput,
  schemaId: z.string().min(1),
  folderId: z.string().min(1).optional(),
  fields: fieldsInput.optional(),
  customFields: customFieldsInput.optional(),
  aliases: z.array(z.string().max(CREATE_LIMITS.alias)).optional(),
  authorIds: authorIdsInput.optional(),
  ...registrationInput,
});

export const customEntityOperations: Operation[] = [
  {
    method: 'GET',
    path: '/custom-entities',
    operationId: 'listCustomEntities',
    query: { allowed: ENTITY_LIST_PARAMS, unsupported: ENTITY_LIST_UNSUPPORTED, prefixes: ['schemaField.'] },
    handle: (ctx) =>
      listResponse<CustomEntityRecord>(ctx, {
        envelope: 'customEntities',
        items: ctx.snapshot.all('customEntities'),
        defaultSort: 'modifiedAt:desc',
        filters: entityFilters<CustomEntityRecord>(ctx, 'custom_entity', (id) => ctx.snapshot.get('customEntities', id)),
        render: (c) => ctx.render.customEntity(c),
        resultCount: true,
      }),
  },
  {
    method: 'GET',
    path: '/custom-entities/{custom_entity_id}',
    operationId: 'getCustomEntity',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => {
      const id = ctx.params.custom_entity_id!;
      const entity = ctx.snapshot.get('customEntities', id);
      if (!entity || !ctx.visibility.filed(entity)) throw notFound('Custom entity', id);
      return { status: 200, body: ctx.render.customEntity(entity) };
    },
  },
  {
    method: 'POST',
    path: '/custom-entities',
    operationId: 'createCustomEntity',
    query: { allowed: [] },
    handle: async (ctx) => {
      const input = parseBody(customEntityCreate, await ctx.readBody(), 'custom entity');
      const created = await ctx.store.mutate((tx) => {
        const record: CustomEntityRecord = buildEntity(ctx, tx, input, 'custom_entity', 'customEntities');
        tx.insert('customEntities', record);
        return record;
      });
      return { status: 201, body: ctx.render.customEntity(created) };
    },
  },
];
