import { nextCursorOut, READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { benchlingTool } from '../context.js';
import { archivedArg, archiveQuery, cursorArg, listPage, nameIncludesArg, pageSizeArg } from './common.js';
import { entityIdSchema, STORAGE_ENVELOPE, STORAGE_PATH, shapeStorage, storageIdSchema, storageOut } from './inventory-common.js';

const SORTS = { modified_desc: 'modifiedAt:desc', name_asc: 'name:asc', barcode_asc: 'barcode:asc', created_desc: 'createdAt:desc' } as const;

export const inventoryList = benchlingTool({
  name: 'inventory_list',
  title: 'List Benchling inventory',
  description:
    'Lists locations (freezers, shelves, racks), boxes, plates or containers (tubes, vials, wells) your API key can see, a page at a time: ' +
    'what is inside a location, box or plate (inside_id, at any depth), what holds an entity (contains_entity_id: a sequence or ' +
    'custom entity id, or an entity schema id), by name or barcode. Containers come with their contents and concentrations; ' +
    'inventory_get shows one item with its positions and where it is.',
  input: z.object({
    kind: z.enum(['location', 'box', 'plate', 'container']).describe('What to list'),
    inside_id: storageIdSchema(['location', 'box', 'plate']).optional().describe('Only items inside this location, box or plate (any depth)'),
    contains_entity_id: entityIdSchema.optional().describe('Only boxes, plates or containers holding this entity (or an entity of this schema)'),
    name_includes: nameIncludesArg,
    barcode: z.string().trim().min(1).max(200).optional().describe('Only the item with this barcode'),
    archived: archivedArg,
    sort: z.enum(['modified_desc', 'name_asc', 'barcode_asc', 'created_desc']).default('modified_desc'),
    page_size: pageSizeArg(25),
    cursor: cursorArg,
  }),
  output: z.object({ items: z.array(storageOut), next_cursor: nextCursorOut }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({
    kind: args.kind,
    ...(args.inside_id && { inside_id: args.inside_id }),
    ...(args.contains_entity_id && { entity_id: args.contains_entity_id }),
  }),
  run: async (args, ctx) => {
    if (args.kind === 'location' && args.contains_entity_id) {
      throw new ToolError('contains_entity_id works for boxes, plates and containers; locations hold storage, not entities. List boxes or containers instead.');
    }
    if (args.kind !== 'container' && args.inside_id?.startsWith('box_') && args.kind !== 'location') {
      throw new ToolError(`A box holds containers only: use kind "container" with inside_id ${args.inside_id}.`);
    }
    const { page_size, cursor, ...filters } = args;
    const page = await listPage<Record<string, unknown>>(ctx, 'inventory_list', filters, {
      path: STORAGE_PATH[args.kind],
      envelope: STORAGE_ENVELOPE[args.kind],
      query: {
        ancestorStorageId: args.inside_id,
        storageContentsId: args.contains_entity_id,
        nameIncludes: args.name_includes,
        barcodes: args.barcode,
        archiveReason: archiveQuery(args.archived),
        sort: SORTS[args.sort],
      },
      pageSize: page_size,
      cursor,
    });
    return { items: page.items.map((s) => shapeStorage(args.kind, s)), next_cursor: page.next_cursor };
  },
});
