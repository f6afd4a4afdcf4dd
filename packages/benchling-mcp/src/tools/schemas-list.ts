import { nextCursorOut, READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { BenchlingError } from '../benchling/errors.js';
import { idSchema } from '../benchling/ids.js';
import type { ApiSchema } from '../benchling/types.js';
import { api, benchlingTool, type ToolCtx } from '../context.js';
import { cursorArg, modifiedQuery, modifiedSinceArg, pageSizeArg, schemaOut, shapeSchema } from './common.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const TOOL = 'schemas_list';

export const schemasList = benchlingTool({
  name: TOOL,
  title: 'List Benchling schemas',
  description:
    "Lists the tenant's schemas with their fields (name, type, required, multi-value, linked schema): entity schemas (DNA " +
    'sequences, AA sequences, custom entities...) and entry schemas. kind picks one family; with "all" the entity schemas come ' +
    'first, then the entry schemas. Give schema_id to get one schema. Read a schema before creating an object of it.',
  input: z.object({
    kind: z.enum(['all', 'entity', 'entry']).default('all').describe('Which schemas: entity schemas, entry schemas, or both'),
    schema_id: idSchema('schema').optional().describe('Only this schema (ts_...)'),
    modified_since: modifiedSinceArg,
    page_size: pageSizeArg(50),
    cursor: cursorArg,
  }),
  output: z.object({ schemas: z.array(schemaOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ ...(args.schema_id && { schema_id: args.schema_id }) }),
  run: async (args, ctx) => {
    const { page_size, cursor, ...filters } = args;
    if (args.schema_id) return { schemas: [await schemaById(ctx, args.schema_id, args.kind)], next_cursor: null };
    const state = decodeCursor(TOOL, filters, cursor);
    const phase: 'entity' | 'entry' = state.p === 'entry' || args.kind === 'entry' ? 'entry' : 'entity';
    const page = await api(ctx).list<ApiSchema>(
      phase === 'entity' ? '/entity-schemas' : '/entry-schemas',
      phase === 'entity' ? 'entitySchemas' : 'entrySchemas',
      {
        pageSize: page_size,
        nextToken: state.t,
        modifiedAt: modifiedQuery(args.modified_since),
      },
    );
    let next: string | null = null;
    if (page.nextToken) next = encodeCursor(TOOL, filters, { p: phase, t: page.nextToken });
    else if (phase === 'entity' && args.kind === 'all') next = encodeCursor(TOOL, filters, { p: 'entry' });
    return { schemas: page.items.map((s) => shapeSchema(s, phase === 'entry' ? 'entry' : undefined)), next_cursor: next };
  },
});

/** One schema by id: schema ids do not say whether they are entity or entry schemas, so try as asked. */
export async function schemaById(ctx: ToolCtx, schemaId: string, kind: 'all' | 'entity' | 'entry') {
  const session = api(ctx);
  const order = kind === 'entry' ? (['entry'] as const) : kind === 'entity' ? (['entity'] as const) : (['entity', 'entry'] as const);
  for (const family of order) {
    try {
      const schema = await session.get<ApiSchema>(family === 'entity' ? `/entity-schemas/${schemaId}` : `/entry-schemas/${schemaId}`);
      return shapeSchema(schema, family === 'entry' ? 'entry' : undefined);
    } catch (err) {
      if (!(err instanceof BenchlingError && err.kind === 'not_found')) throw err;
    }
  }
  throw new BenchlingError('not_found', `No ${kind === 'all' ? '' : `${kind} `}schema ${schemaId} in Benchling (schemas_list lists them).`, { status: 404 });
}
