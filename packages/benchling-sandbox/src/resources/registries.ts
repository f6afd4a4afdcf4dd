import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { badRequest, notFound } from '../http/errors.js';
import type { Transaction } from '../store/tenant-store.js';
import type { EntityRecord, TaskRecord } from '../store/types.js';
import { applyNamingStrategy, parseBody, registrationInput, registryIdTaken } from './create-common.js';
import type { Operation, OperationContext } from './operation.js';
import { Visibility } from './visibility.js';

/**
 * The tenant's registry: list and get it, register entities into it (an asynchronous task, as in Benchling),
 * and look registered entities up by registry id. Tasks are answered by GET /tasks/{id}.
 */

/** How long a task reports RUNNING before its outcome, so clients exercise polling. */
export const TASK_RUNNING_MS = 300;
const MAX_REGISTER = 2500;

/** components.schemas.RegisterEntities (additionalProperties: false). */
const registerEntities = z.strictObject({
  entityIds: z.array(z.string().min(1).max(100)).min(1).max(MAX_REGISTER),
  namingStrategy: registrationInput.namingStrategy.unwrap(),
});

type Collection = 'dnaSequences' | 'rnaSequences' | 'aaSequences' | 'customEntities';
const COLLECTIONS: Collection[] = ['dnaSequences', 'rnaSequences', 'aaSequences', 'customEntities'];

function findEntity(tx: { snapshot: Transaction['snapshot'] }, id: string): { collection: Collection; entity: EntityRecord } | undefined {
  for (const collection of COLLECTIONS) {
    const entity = tx.snapshot.get(collection, id);
    if (entity) return { collection, entity };
  }
  return undefined;
}

function registryOf(ctx: OperationContext): string {
  const id = ctx.params.registry_id!;
  if (id !== ctx.snapshot.data.registryId) throw notFound('Registry', id);
  return id;
}

export const registryOperations: Operation[] = [
  {
    method: 'GET',
    path: '/registries',
    operationId: 'listRegistries',
    query: { allowed: ['name', 'modifiedAt'] },
    handle: (ctx) => {
      const name = ctx.query.get('name');
      const modifiedAt = ctx.query.time('modifiedAt');
      const registry = ctx.render.registry();
      const keep = (name === undefined || registry.name === name) && (!modifiedAt || modifiedAt(String(registry.modifiedAt)));
      // RegistriesList has no paging: a tenant has few registries.
      return { status: 200, body: { registries: keep ? [registry] : [] } };
    },
  },
  {
    method: 'GET',
    path: '/registries/{registry_id}',
    operationId: 'getRegistry',
    query: { allowed: [] },
    handle: (ctx) => {
      registryOf(ctx);
      return { status: 200, body: ctx.render.registry() };
    },
  },
  {
    method: 'GET',
    path: '/registries/{registry_id}/registered-entities:bulk-get',
    operationId: 'bulkGetRegisteredEntities',
    query: { allowed: ['entityRegistryIds'] },
    handle: (ctx) => {
      const registryId = registryOf(ctx);
      const wanted = ctx.query.list('entityRegistryIds');
      if (!wanted || wanted.length === 0) throw badRequest('entityRegistryIds is required: a comma-separated list of registry ids.');
      if (wanted.length > 100) throw badRequest('entityRegistryIds: at most 100 per request.');
      const all = COLLECTIONS.flatMap((c) => ctx.snapshot.all(c));
      const entities = wanted.map((rid) => {
        const e = all.find((x) => x.registryId === registryId && x.entityRegistryId === rid && ctx.visibility.filed(x));
        // Sandbox choice (the spec is silent): an unknown or invisible registry id is a 404 naming it.
        if (!e) throw notFound('Registered entity', rid);
        return ctx.render.entityWithType(e.id);
      });
      return { status: 200, body: { entities } };
    },
  },
  {
    method: 'POST',
    path: '/registries/{registry_id}:bulk-register-entities',
    operationId: 'registerEntities',
    query: { allowed: [] },
    handle: async (ctx) => {
      const registryId = registryOf(ctx);
      const input = parseBody(registerEntities, await ctx.readBody(), 'registration');
      const task = await ctx.store.mutate((tx) => {
        const visibility = new Visibility(ctx.user, tx.snapshot);
        const errors: Record<string, unknown>[] = [];
        const now = ctx.now();
        const changes: { collection: Collection; record: EntityRecord }[] = [];
        // "If any entities fail validation, no files will be moved": every check runs before anything changes.
        for (const id of new Set(input.entityIds)) {
          const found = findEntity(tx, id);
          if (!found || !visibility.filed(found.entity)) {
            errors.push({ entityId: id, message: `Entity ${id} not found.` });
            continue;
          }
          const { entity, collection } = found;
          const schema = entity.schemaId ? tx.snapshot.get('schemas', entity.schemaId) : undefined;
          if (entity.registryId !== null) errors.push({ entityId: id, message: `${entity.name} is already registered as ${entity.entityRegistryId}.` });
          else if (!schema || schema.registryId !== registryId)
            errors.push({ entityId: id, message: `${entity.name} has no schema of this registry; set a schema first.` });
          else {
            const { registryNumber, name } = applyNamingStrategy(tx, schema, entity.name, input.namingStrategy);
            const clash = registryIdTaken(tx, registryId, registryNumber) || changes.some((c) => c.record.entityRegistryId === registryNumber);
            if (clash) errors.push({ entityId: id, message: `Registry id ${registryNumber} is already taken.` });
            else {
              changes.push({
                collection,
                record: { ...entity, name, registryId, entityRegistryId: registryNumber, registeredAt: now.toISOString(), modifiedAt: now.toISOString() },
              });
            }
          }
        }
        if (errors.length === 0) for (const c of changes) tx.update(c.collection, c.record);
        const record: TaskRecord = {
          id: randomUUID(),
          userId: ctx.user.id,
          createdAt: now.toISOString(),
          readyAt: new Date(now.getTime() + TASK_RUNNING_MS).toISOString(),
          outcome: errors.length === 0 ? 'SUCCEEDED' : 'FAILED',
          message: errors.length === 0 ? null : `${errors.length} of ${input.entityIds.length} entities could not be registered; none were.`,
          errors: errors.length === 0 ? null : errors.slice(0, 100),
          response: errors.length === 0 ? {} : null,
        };
        tx.insert('tasks', record);
        return record;
      });
      return { status: 202, body: { taskId: task.id } };
    },
  },
  {
    method: 'GET',
    path: '/tasks/{task_id}',
    operationId: 'getTask',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.task_id!;
      const task = ctx.snapshot.get('tasks', id);
      if (!task || task.userId !== ctx.user.id) throw notFound('Task', id);
      if (ctx.now().toISOString() < task.readyAt) return { status: 200, body: { status: 'RUNNING' } };
      return {
        status: 200,
        body:
          task.outcome === 'SUCCEEDED'
            ? { status: 'SUCCEEDED', response: task.response ?? {} }
            : { status: 'FAILED', message: task.message ?? 'The task failed.', errors: task.errors ?? [] },
      };
    },
  },
];
