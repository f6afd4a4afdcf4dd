import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { BenchlingError } from '../benchling/errors.js';
import { api, benchlingTool, type ToolCtx } from '../context.js';
import { contentOut, STORAGE_PATH, type StorageKind, shapeContent, shapeStorage, storageIdSchema, storageKindOf, storageOut } from './inventory-common.js';

type Json = Record<string, unknown>;

/** How far up the location path is followed (container › box › shelf › freezer › room ...). */
const MAX_PATH_DEPTH = 8;
/** Box contents are read in pages of 100, up to this many positions. */
const MAX_POSITIONS_CAP = 500;

const positionOut = z.object({
  position: z.string().describe('Grid position, e.g. A1'),
  container_id: z.string().nullable().describe('null when your key cannot see the container'),
  name: z.string().nullable(),
  contents: z.array(contentOut),
});

export const inventoryGet = benchlingTool({
  name: 'inventory_get',
  title: 'Read a Benchling inventory item',
  description:
    'Reads one location, box, plate or container by id: where it is (the path of locations, boxes and plates above it), and what ' +
    'it holds: a box its containers by grid position, a plate its wells by position, a container its entities with concentrations ' +
    'and quantity. Entities your key cannot see are listed with accessible false and no name.',
  input: z.object({
    id: storageIdSchema(['location', 'box', 'plate', 'container']).describe('loc_..., box_..., plt_... or con_...'),
    max_positions: z.number().int().min(1).max(MAX_POSITIONS_CAP).default(100).describe('Boxes and plates: return at most this many filled positions'),
  }),
  output: z.object({
    item: storageOut,
    path: z.array(z.object({ id: z.string(), kind: z.string(), name: z.string().nullable() })).describe('From the top location down to the direct parent'),
    positions: z.array(positionOut).nullable().describe('Boxes and plates: filled positions in grid order'),
    positions_truncated: z.boolean(),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ id: args.id }),
  run: async (args, ctx) => {
    const kind = storageKindOf(args.id) as StorageKind;
    const session = api(ctx);
    const raw = await session.get<Json>(`${STORAGE_PATH[kind]}/${args.id}`);
    const item = shapeStorage(kind, raw);
    const path = await locationPath(ctx, item.parent_storage_id);
    let positions: z.infer<typeof positionOut>[] | null = null;
    let truncated = false;
    if (kind === 'box') {
      positions = [];
      let token: string | null = null;
      do {
        const page: { items: Json[]; nextToken: string | null } = await session.list<Json>(`/boxes/${args.id}/contents`, 'containers', {
          pageSize: 100,
          nextToken: token ?? undefined,
        });
        for (const c of page.items) positions.push(position(String(c.gridPosition ?? ''), c));
        token = page.nextToken;
      } while (token && positions.length < args.max_positions);
      truncated = positions.length > args.max_positions || token !== null;
      positions = positions.slice(0, args.max_positions);
    } else if (kind === 'plate') {
      const wells = Object.entries((raw.wells ?? {}) as Record<string, Json>).filter(
        ([, w]) => w.resourceType === 'inaccessible_resource' || (Array.isArray(w.contents) && w.contents.length > 0),
      );
      truncated = wells.length > args.max_positions;
      positions = wells.slice(0, args.max_positions).map(([pos, w]) => position(pos, w));
    }
    return { item, path, positions, positions_truncated: truncated };
  },
});

function position(pos: string, c: Json): z.infer<typeof positionOut> {
  if (c.resourceType === 'inaccessible_resource') return { position: pos, container_id: null, name: null, contents: [] };
  return {
    position: pos,
    container_id: typeof c.id === 'string' ? c.id : null,
    name: typeof c.name === 'string' ? c.name : null,
    contents: Array.isArray(c.contents) ? (c.contents as Json[]).slice(0, 100).map(shapeContent) : [],
  };
}

/** Walks parentStorageId up; a plate well parent (`plt_abc:a1`) is its plate. Stops at what the key cannot see. */
async function locationPath(ctx: ToolCtx, parent: string | null): Promise<{ id: string; kind: string; name: string | null }[]> {
  const path: { id: string; kind: string; name: string | null }[] = [];
  let current = parent?.split(':')[0] ?? null;
  const session = api(ctx);
  while (current && path.length < MAX_PATH_DEPTH) {
    const kind = storageKindOf(current);
    if (!kind || !/^[a-z]+_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(current)) break;
    let s: Json;
    try {
      s = await session.get<Json>(`${STORAGE_PATH[kind]}/${current}`);
    } catch (err) {
      // A parent the key cannot see is named by id only; anything else (rate limit, outage) is the call's error.
      if (!(err instanceof BenchlingError && err.kind === 'not_found')) throw err;
      path.unshift({ id: current, kind, name: null });
      break;
    }
    path.unshift({ id: current, kind, name: typeof s.name === 'string' ? s.name : null });
    current = typeof s.parentStorageId === 'string' ? (s.parentStorageId.split(':')[0] ?? null) : null;
  }
  return path;
}
