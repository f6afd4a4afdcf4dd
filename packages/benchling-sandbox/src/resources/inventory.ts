import { ApiError, badRequest, notFound } from '../http/errors.js';
import { archiveFilter, type Query } from '../http/query.js';
import { parsePageSize, queryKeyOf } from '../paging.js';
import type { Snapshot } from '../store/tenant-store.js';
import type { BoxRecord, ContainerRecord, LocationRecord, PlateRecord, StorageRecord } from '../store/types.js';
import { compact, idsFilter, listResponse, PAGING_PARAMS, type Predicate, SORTS } from './listing.js';
import type { Operation, OperationContext } from './operation.js';
import { gridNumber } from './render.js';

/**
 * Inventory: locations, boxes, plates and containers (GET only). Locations are tenant-wide; boxes, plates and
 * containers are visible through their project. A container in a box or plate has a grid position there.
 */

/** The inventory lists' sort enum: the usual three plus barcode. */
const STORAGE_SORTS = ['barcode', 'barcode:asc', 'barcode:desc', ...SORTS] as const;

const COMMON = [
  ...PAGING_PARAMS,
  'sort',
  'schemaId',
  'createdAt',
  'modifiedAt',
  'name',
  'nameIncludes',
  'ancestorStorageId',
  'archiveReason',
  'ids',
  'barcodes',
  'names.anyOf',
  'names.anyOf.caseSensitive',
  'creatorIds',
] as const;
const EMPTY_COUNT_PARAMS = [
  'emptyPositions',
  'emptyPositions.gte',
  'emptyPositions.gt',
  'emptyPositions.lte',
  'emptyPositions.lt',
  'emptyContainers',
  'emptyContainers.gte',
  'emptyContainers.gt',
  'emptyContainers.lte',
  'emptyContainers.lt',
];
const SAMPLE_PARAMS = [
  'checkoutAssigneeIds.anyOf',
  'restrictionStatus',
  'sampleOwnerIds.allOf',
  'sampleOwnerIds.anyOf',
  'sampleOwnerIds.noneOf',
  'restrictedSamplePartyIds.allOf',
  'restrictedSamplePartyIds.anyOf',
  'restrictedSamplePartyIds.noneOf',
];

/** The storage something is in, its parent, and so on up (bounded: a corrupt store must not loop). */
export function ancestorsOf(snapshot: Snapshot, parentStorageId: string | null): string[] {
  const out: string[] = [];
  let current = parentStorageId;
  while (current !== null && out.length < 20) {
    out.push(current);
    const parent: StorageRecord | undefined =
      snapshot.get('locations', current) ?? snapshot.get('boxes', current) ?? snapshot.get('plates', current) ?? snapshot.get('containers', current);
    current = parent ? parent.parentStorageId : null;
  }
  return out;
}

/** Filters all four inventory lists share. */
function storageFilters<T extends StorageRecord>(ctx: OperationContext, visible: (item: T) => boolean, byId: (id: string) => T | undefined): Predicate<T>[] {
  const q = ctx.query;
  if (q.withPrefix('schemaField.').length > 0) throw badRequest('schemaField filters need schemaId, and this sandbox has no inventory schemas.');
  const name = q.get('name');
  const nameIncludes = q.get('nameIncludes')?.toLowerCase();
  const anyOf = q.list('names.anyOf')?.map((n) => n.toLowerCase());
  const anyOfCase = q.list('names.anyOf.caseSensitive');
  const ancestor = q.get('ancestorStorageId');
  const barcodes = q.list('barcodes');
  const creators = q.list('creatorIds');
  const schemaId = q.get('schemaId');
  const createdAt = q.time('createdAt');
  const modifiedAt = q.time('modifiedAt');
  if (barcodes) {
    const known = new Set(
      [...ctx.snapshot.all('locations'), ...ctx.snapshot.all('boxes'), ...ctx.snapshot.all('plates'), ...ctx.snapshot.all('containers')].map((s) => s.barcode),
    );
    const invalid = barcodes.filter((b) => !known.has(b));
    if (invalid.length > 0) throw new ApiError(400, `Invalid barcodes: ${invalid.join(', ')}`, 'Some of the requested barcodes could not be found.');
  }
  return compact<Predicate<T>>([
    visible,
    archiveFilter(q),
    name !== undefined && ((s) => s.name === name),
    nameIncludes !== undefined && ((s) => s.name.toLowerCase().includes(nameIncludes)),
    anyOf && ((s) => anyOf.includes(s.name.toLowerCase())),
    anyOfCase && ((s) => anyOfCase.includes(s.name)),
    ancestor !== undefined && ((s) => ancestorsOf(ctx.snapshot, s.parentStorageId).includes(ancestor)),
    barcodes && ((s) => s.barcode !== null && barcodes.includes(s.barcode)),
    creators && ((s) => creators.includes(s.creatorId)),
    // No inventory schemas exist in the sandbox: a schemaId filter matches nothing.
    schemaId !== undefined && (() => false),
    createdAt && ((s) => createdAt(s.createdAt)),
    modifiedAt && ((s) => modifiedAt(s.modifiedAt)),
    idsFilter<T>(q.list('ids'), (id) => {
      const item = byId(id);
      return item !== undefined && visible(item);
    }),
  ]);
}

/** storageContentsId (an entity, or an entity schema) and storageContentsIds (entities). */
function contentsTest(ctx: OperationContext, q: Query): ((entityIds: string[]) => boolean) | undefined {
  const one = q.get('storageContentsId');
  const many = q.list('storageContentsIds');
  if (one === undefined && many === undefined) return undefined;
  const schemaOf = (id: string) =>
    (
      ctx.snapshot.get('dnaSequences', id) ??
      ctx.snapshot.get('rnaSequences', id) ??
      ctx.snapshot.get('aaSequences', id) ??
      ctx.snapshot.get('customEntities', id)
    )?.schemaId;
  return (entityIds) =>
    (one === undefined || entityIds.some((id) => id === one || schemaOf(id) === one)) && (many === undefined || entityIds.some((id) => many.includes(id)));
}

function containersIn(ctx: OperationContext, storageId: string): ContainerRecord[] {
  return ctx.snapshot.all('containers').filter((c) => c.parentStorageId === storageId);
}

export const inventoryOperations: Operation[] = [
  {
    method: 'GET',
    path: '/locations',
    operationId: 'listLocations',
    query: { allowed: COMMON, prefixes: ['schemaField.'] },
    handle: (ctx) =>
      listResponse<LocationRecord>(ctx, {
        envelope: 'locations',
        items: ctx.snapshot.all('locations'),
        defaultSort: 'modifiedAt',
        sorts: STORAGE_SORTS,
        filters: storageFilters<LocationRecord>(
          ctx,
          () => true,
          (id) => ctx.snapshot.get('locations', id),
        ),
        render: (l) => ctx.render.location(l),
      }),
  },
  {
    method: 'GET',
    path: '/locations/{location_id}',
    operationId: 'getLocation',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.location_id!;
      const location = ctx.snapshot.get('locations', id);
      if (!location) throw notFound('Location', id);
      return { status: 200, body: ctx.render.location(location) };
    },
  },
  {
    method: 'GET',
    path: '/boxes',
    operationId: 'listBoxes',
    query: { allowed: [...COMMON, 'storageContentsId', 'storageContentsIds'], unsupported: EMPTY_COUNT_PARAMS, prefixes: ['schemaField.'] },
    handle: (ctx) => {
      const holds = contentsTest(ctx, ctx.query);
      return listResponse<BoxRecord>(ctx, {
        envelope: 'boxes',
        items: ctx.snapshot.all('boxes'),
        defaultSort: 'modifiedAt:desc',
        sorts: STORAGE_SORTS,
        filters: compact<Predicate<BoxRecord>>([
          ...storageFilters<BoxRecord>(
            ctx,
            (b) => ctx.visibility.storage(b),
            (id) => ctx.snapshot.get('boxes', id),
          ),
          holds && ((b) => holds(containersIn(ctx, b.id).flatMap((c) => c.contents.map((x) => x.entityId)))),
        ]),
        render: (b) => ctx.render.box(b),
      });
    },
  },
  {
    method: 'GET',
    path: '/boxes/{box_id}',
    operationId: 'getBox',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.box_id!;
      const box = ctx.snapshot.get('boxes', id);
      if (!box || !ctx.visibility.storage(box)) throw notFound('Box', id);
      return { status: 200, body: ctx.render.box(box) };
    },
  },
  {
    method: 'GET',
    path: '/boxes/{box_id}/contents',
    operationId: 'listBoxContents',
    query: { allowed: PAGING_PARAMS, unsupported: ['returning'] },
    handle: (ctx) => {
      const id = ctx.params.box_id!;
      const box = ctx.snapshot.get('boxes', id);
      if (!box || !ctx.visibility.storage(box)) throw notFound('Box', id);
      // In grid order (A1, A2, ... B1); the sort key is the zero-padded grid number.
      const items = containersIn(ctx, box.id)
        .filter((c) => c.archiveReason === null && ctx.visibility.storage(c))
        .map((c) => ({ id: c.id, name: String(gridNumber(c.position ?? '', box.columns)).padStart(6, '0'), modifiedAt: c.modifiedAt, container: c }));
      const pageSize = parsePageSize(ctx.query.get('pageSize'));
      const page = ctx.tokens.paginate(
        items,
        { field: 'name', direction: 'asc' },
        pageSize,
        queryKeyOf(ctx.path, ctx.rawQuery),
        ctx.query.get('nextToken') || undefined,
      );
      return {
        status: 200,
        body: {
          containers: page.items.map((i) => ({
            ...ctx.render.container(i.container),
            gridNumber: gridNumber(i.container.position ?? '', box.columns),
            gridPosition: i.container.position,
          })),
          nextToken: page.nextToken,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/plates',
    operationId: 'listPlates',
    query: { allowed: [...COMMON, 'storageContentsId', 'storageContentsIds'], unsupported: [...EMPTY_COUNT_PARAMS, 'returning'], prefixes: ['schemaField.'] },
    handle: (ctx) => {
      const holds = contentsTest(ctx, ctx.query);
      return listResponse<PlateRecord>(ctx, {
        envelope: 'plates',
        items: ctx.snapshot.all('plates'),
        defaultSort: 'modifiedAt:desc',
        sorts: STORAGE_SORTS,
        filters: compact<Predicate<PlateRecord>>([
          ...storageFilters<PlateRecord>(
            ctx,
            (p) => ctx.visibility.storage(p),
            (id) => ctx.snapshot.get('plates', id),
          ),
          holds && ((p) => holds(containersIn(ctx, p.id).flatMap((c) => c.contents.map((x) => x.entityId)))),
        ]),
        render: (p) => ctx.render.plate(p),
      });
    },
  },
  {
    method: 'GET',
    path: '/plates/{plate_id}',
    operationId: 'getPlate',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => {
      const id = ctx.params.plate_id!;
      const plate = ctx.snapshot.get('plates', id);
      if (!plate || !ctx.visibility.storage(plate)) throw notFound('Plate', id);
      return { status: 200, body: ctx.render.plate(plate) };
    },
  },
  {
    method: 'GET',
    path: '/containers',
    operationId: 'listContainers',
    query: {
      allowed: [...COMMON, 'storageContentsId', 'storageContentsIds', 'checkoutStatus'],
      unsupported: [...SAMPLE_PARAMS, 'returning'],
      prefixes: ['schemaField.'],
    },
    handle: (ctx) => {
      const holds = contentsTest(ctx, ctx.query);
      const checkout = ctx.query.list('checkoutStatus');
      for (const s of checkout ?? []) if (!['AVAILABLE', 'RESERVED', 'CHECKED_OUT'].includes(s)) throw badRequest(`Invalid checkoutStatus "${s}".`);
      return listResponse<ContainerRecord>(ctx, {
        envelope: 'containers',
        items: ctx.snapshot.all('containers'),
        defaultSort: 'modifiedAt',
        sorts: STORAGE_SORTS,
        filters: compact<Predicate<ContainerRecord>>([
          ...storageFilters<ContainerRecord>(
            ctx,
            (c) => ctx.visibility.storage(c),
            (id) => ctx.snapshot.get('containers', id),
          ),
          holds && ((c) => holds(c.contents.map((x) => x.entityId))),
          // Nothing is ever checked out in the sandbox.
          checkout && (() => checkout.includes('AVAILABLE')),
        ]),
        render: (c) => ctx.render.container(c),
      });
    },
  },
  {
    method: 'GET',
    path: '/containers/{container_id}',
    operationId: 'getContainer',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => ({ status: 200, body: ctx.render.container(visibleContainer(ctx)) }),
  },
  {
    method: 'GET',
    path: '/containers/{container_id}/contents',
    operationId: 'listContainerContents',
    query: { allowed: [] },
    handle: (ctx) => ({ status: 200, body: { contents: visibleContainer(ctx).contents.map((c) => ctx.render.containerContent(c)) } }),
  },
  {
    method: 'GET',
    path: '/containers/{container_id}/contents/{containable_id}',
    operationId: 'getContainerContent',
    query: { allowed: [] },
    handle: (ctx) => {
      const container = visibleContainer(ctx);
      const id = ctx.params.containable_id!;
      const content = container.contents.find((c) => c.entityId === id);
      if (!content) throw notFound('Container content', id);
      return { status: 200, body: ctx.render.containerContent(content) };
    },
  },
];

function visibleContainer(ctx: OperationContext): ContainerRecord {
  const id = ctx.params.container_id!;
  const container = ctx.snapshot.get('containers', id);
  if (!container || !ctx.visibility.storage(container)) throw notFound('Container', id);
  return container;
}
