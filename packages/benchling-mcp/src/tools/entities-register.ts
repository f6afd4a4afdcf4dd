import { setTimeout as sleep } from 'node:timers/promises';
import { ToolError, writeAudit } from '@labmcp/service-kit';
import { z } from 'zod';
import { BenchlingError } from '../benchling/errors.js';
import type { ApiSchema } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { fetchEntity } from './entity-lookup.js';
import { registeredEntityOut, registrableIdSchema, registryIdSchema, shapeRegistered } from './registration-common.js';

/** Each entity is checked first (one or two reads), so a call is kept small for the tenant's rate limit. */
const MAX_ENTITIES = 25;
/** How long the tool follows Benchling's registration task before answering with its id. */
const TASK_WAIT_MS = 20_000;

interface ApiTask {
  status?: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  message?: string;
  errors?: unknown;
}

export const entitiesRegister = benchlingTool({
  name: 'entities_register',
  title: 'Register Benchling entities',
  description:
    'Registers entities (sequences, custom entities) into a registry with a naming strategy: NEW_IDS (new registry ids), ' +
    'IDS_FROM_NAMES / KEEP_NAMES (the names become the registry ids), DELETE_NAMES (new ids that also replace the names), or ' +
    "the name-template strategies of the entity's schema. Each entity is checked first (it exists, is not registered yet, has a " +
    'schema of this registry); nothing is sent unless all pass, and Benchling registers all or none. Not repeated on failure; ' +
    'DELETE_NAMES and the REPLACE_* strategies replace names.',
  input: z.object({
    registry_id: registryIdSchema,
    entity_ids: z.array(registrableIdSchema).min(1).max(MAX_ENTITIES).describe(`The entities (at most ${MAX_ENTITIES})`),
    naming_strategy: z.enum([
      'NEW_IDS',
      'IDS_FROM_NAMES',
      'DELETE_NAMES',
      'SET_FROM_NAME_PARTS',
      'REPLACE_NAMES_FROM_PARTS',
      'KEEP_NAMES',
      'REPLACE_ID_AND_NAME_FROM_PARTS',
    ]),
  }),
  output: z.object({
    status: z.enum(['SUCCEEDED', 'RUNNING']).describe('RUNNING: Benchling was still working when this tool stopped waiting; look the entities up later'),
    task_id: z.string(),
    entities: z.array(registeredEntityOut),
  }),
  // Registration may rename entities (DELETE_NAMES, REPLACE_*), which replaces data.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  targets: (args) => ({ registry_id: args.registry_id, entity_ids: args.entity_ids, naming_strategy: args.naming_strategy }),
  run: async (args, ctx) => {
    const session = api(ctx);
    const ids = [...new Set(args.entity_ids)];
    try {
      await session.get(`/registries/${args.registry_id}`);
    } catch (err) {
      if (err instanceof BenchlingError && err.kind === 'not_found') {
        throw new ToolError(`Registry ${args.registry_id} does not exist or your key cannot see it; registries_list shows the registries.`, 'not_found');
      }
      throw err;
    }
    const problems: string[] = [];
    for (const id of ids) {
      let found: Awaited<ReturnType<typeof fetchEntity>>;
      try {
        found = await fetchEntity(session, id);
      } catch (err) {
        if (err instanceof BenchlingError && err.kind === 'not_found') {
          problems.push(`${id}: not found, or your key cannot see it`);
          continue;
        }
        throw err;
      }
      const e = found.entity;
      if (e.registryId) {
        problems.push(`${id} (${e.name ?? ''}): already registered as ${e.entityRegistryId ?? '?'}`);
        continue;
      }
      const schemaId = e.schema?.id;
      if (!schemaId) {
        problems.push(`${id} (${e.name ?? ''}): has no schema; only entities with a schema of the registry can be registered`);
        continue;
      }
      const schema = await ctx.cache.get(session, 'entity-schema', schemaId, () => session.get<ApiSchema>(`/entity-schemas/${schemaId}`));
      if (schema.registryId !== args.registry_id) problems.push(`${id} (${e.name ?? ''}): its schema "${schema.name ?? schemaId}" belongs to another registry`);
    }
    if (problems.length > 0) {
      throw new ToolError(`Nothing was registered:\n${problems.map((p) => `- ${p}`).join('\n')}`, 'schema_validation');
    }
    const started = await session.post<{ taskId?: string }>(`/registries/${args.registry_id}:bulk-register-entities`, {
      entityIds: ids,
      namingStrategy: args.naming_strategy,
    });
    const taskId = started.taskId;
    if (typeof taskId !== 'string' || taskId === '') throw new BenchlingError('bad_response', 'Benchling accepted the registration but sent no task id.');
    // One audit line per registration, written whatever happens after the POST (success, failure, a wait that
    // ends early, cancellation), so what was sent is always on record.
    const audit = { event: 'registered', registryId: args.registry_id, entityIds: ids, namingStrategy: args.naming_strategy, taskId };
    let outcome = 'unknown';
    let registered: { id: string; entityRegistryId: string | null }[] = [];
    try {
      const task = await followTask(session, taskId, ctx.signal);
      outcome = task.status ?? 'unknown';
      if (task.status === 'FAILED') {
        const details = Array.isArray(task.errors) ? task.errors.slice(0, 25).map((e) => `- ${JSON.stringify(e).slice(0, 300)}`) : [];
        throw new ToolError(
          `Benchling registered none of the entities: ${task.message ?? 'the task failed'}${details.length ? `\n${details.join('\n')}` : ''}`,
          'conflict',
        );
      }
      if (task.status !== 'SUCCEEDED') return { status: 'RUNNING' as const, task_id: taskId, entities: [] };
      const entities = [];
      for (const id of ids) {
        const { type, entity } = await fetchEntity(session, id);
        entities.push(shapeRegistered(entity, type));
      }
      registered = entities.map((e) => ({ id: e.id, entityRegistryId: e.entity_registry_id }));
      return { status: 'SUCCEEDED' as const, task_id: taskId, entities };
    } finally {
      writeAudit(ctx.log, { ...audit, outcome, ...(registered.length > 0 && { registered }) }, 'entities sent for registration');
    }
  },
});

/** Polls the task with growing pauses until it is done or TASK_WAIT_MS have passed. */
async function followTask(session: ReturnType<typeof api>, taskId: string, signal: AbortSignal): Promise<ApiTask> {
  const started = Date.now();
  let pause = 250;
  for (;;) {
    try {
      await sleep(pause, undefined, { signal });
    } catch {
      throw new BenchlingError(
        'cancelled',
        `The call was cancelled while Benchling was registering (task ${taskId}); registered_entities_get shows what was registered.`,
      );
    }
    const task = await session.get<ApiTask>(`/tasks/${taskId}`);
    if (task.status !== 'RUNNING') return task;
    if (Date.now() - started + pause > TASK_WAIT_MS) return task;
    pause = Math.min(pause * 2, 4000);
  }
}
