import { notFound } from '../http/errors.js';
import type { SchemaRecord } from '../store/types.js';
import { compact, listResponse, PAGING_PARAMS, type Predicate } from './listing.js';
import type { Operation } from './operation.js';

// Schemas are tenant-wide configuration: every user sees all of them. The spec gives these lists no sort
// parameter; they come back in name order, which is stable and what a person reading them expects.
const SCHEMA_ORDER = 'name:asc';

const isEntitySchema = (s: SchemaRecord) => s.kind !== 'entry';
const isEntrySchema = (s: SchemaRecord) => s.kind === 'entry';

export const schemaOperations: Operation[] = [
  {
    method: 'GET',
    path: '/entity-schemas',
    operationId: 'listEntitySchemas',
    query: { allowed: [...PAGING_PARAMS, 'modifiedAt'] },
    handle: (ctx) => {
      const modifiedAt = ctx.query.time('modifiedAt');
      return listResponse<SchemaRecord>(ctx, {
        envelope: 'entitySchemas',
        items: ctx.snapshot.all('schemas'),
        defaultSort: SCHEMA_ORDER,
        sortable: false,
        filters: compact<Predicate<SchemaRecord>>([isEntitySchema, modifiedAt && ((s) => modifiedAt(s.modifiedAt))]),
        render: (s) => ctx.render.entitySchema(s),
        resultCount: true,
      });
    },
  },
  {
    method: 'GET',
    path: '/entity-schemas/{schema_id}',
    operationId: 'getEntitySchema',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.schema_id!;
      const schema = ctx.snapshot.get('schemas', id);
      if (!schema || !isEntitySchema(schema)) throw notFound('Entity schema', id);
      return { status: 200, body: ctx.render.entitySchema(schema) };
    },
  },
  {
    method: 'GET',
    path: '/entry-schemas',
    operationId: 'listEntrySchemas',
    query: { allowed: [...PAGING_PARAMS, 'modifiedAt'] },
    handle: (ctx) => {
      const modifiedAt = ctx.query.time('modifiedAt');
      return listResponse<SchemaRecord>(ctx, {
        envelope: 'entrySchemas',
        items: ctx.snapshot.all('schemas'),
        defaultSort: SCHEMA_ORDER,
        sortable: false,
        filters: compact<Predicate<SchemaRecord>>([isEntrySchema, modifiedAt && ((s) => modifiedAt(s.modifiedAt))]),
        render: (s) => ctx.render.entrySchema(s),
        resultCount: true,
      });
    },
  },
  {
    method: 'GET',
    path: '/entry-schemas/{schema_id}',
    operationId: 'getEntrySchema',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.schema_id!;
      const schema = ctx.snapshot.get('schemas', id);
      if (!schema || !isEntrySchema(schema)) throw notFound('Entry schema', id);
      return { status: 200, body: ctx.render.entrySchema(schema) };
    },
  },
];
