import { ApiError, badRequest } from '../http/errors.js';
import { archiveFilter } from '../http/query.js';
import { parsePageSize, parseSort, queryKeyOf, type Sortable } from '../paging.js';
import type { EntityRecord, SchemaKind } from '../store/types.js';
import { schemaFieldFilter } from './fields.js';
import type { OperationContext, OperationResult } from './operation.js';

/** The sort values Benchling lists accept (the spec's enum for every list the sandbox serves). */
export const SORTS = [
  'createdAt',
  'createdAt:asc',
  'createdAt:desc',
  'modifiedAt',
  'modifiedAt:asc',
  'modifiedAt:desc',
  'name',
  'name:asc',
  'name:desc',
] as const;

export const PAGING_PARAMS = ['pageSize', 'nextToken'] as const;

export type Predicate<T> = (item: T) => boolean;

/**
 * Filters, sorts and pages a list, and wraps it in Benchling's envelope: `{"<envelope>": [...], "nextToken"}`.
 * `resultCount` adds the `Result-Count` header, which the spec declares on some lists only.
 */
export function listResponse<T extends Sortable>(
  ctx: OperationContext,
  options: {
    envelope: string;
    items: readonly T[];
    filters: Predicate<T>[];
    defaultSort: string;
    sortable?: boolean;
    render: (item: T) => unknown;
    resultCount?: boolean;
    /** the operation's sort enum, when it differs from SORTS (inventory lists add barcode) */
    sorts?: readonly string[];
  },
): OperationResult {
  const pageSize = parsePageSize(ctx.query.get('pageSize'));
  const sort = parseSort(options.sortable === false ? undefined : ctx.query.get('sort'), options.sorts ?? SORTS, options.defaultSort);
  const matching = options.items.filter((item) => options.filters.every((f) => f(item)));
  // An empty nextToken (what the last page answers) is taken as no token: the first page (see the README).
  const token = ctx.query.get('nextToken') || undefined;
  const page = ctx.tokens.paginate(matching, sort, pageSize, queryKeyOf(ctx.path, ctx.rawQuery), token);
  return {
    status: 200,
    body: { [options.envelope]: page.items.map(options.render), nextToken: page.nextToken },
    headers: options.resultCount ? { 'result-count': String(page.total) } : {},
  };
}

/**
 * `ids`: "Matches all of the provided IDs, or returns a 400 error that includes a list of which IDs are
 * invalid" (ListingError: `invalidIds` beside `error`). Ids the caller cannot see count as invalid.
 */
export function idsFilter<T extends { id: string }>(ids: string[] | undefined, isKnownAndVisible: (id: string) => boolean): Predicate<T> | undefined {
  if (!ids) return undefined;
  const invalid = ids.filter((id) => !isKnownAndVisible(id));
  if (invalid.length > 0) {
    throw new ApiError(400, `Invalid ids: ${invalid.join(', ')}`, 'Some of the requested items could not be found.', { invalidIds: invalid });
  }
  const wanted = new Set(ids);
  return (item) => wanted.has(item.id);
}

export function compact<T>(list: (T | undefined | false)[]): T[] {
  return list.filter((x): x is T => x !== undefined && x !== false);
}

/** Query parameters shared by the DNA sequence, AA sequence and custom entity lists (see the spec). */
export const ENTITY_LIST_PARAMS = [
  ...PAGING_PARAMS,
  'sort',
  'createdAt',
  'modifiedAt',
  'name',
  'nameIncludes',
  'folderId',
  'projectId',
  'registryId',
  'schemaId',
  'archiveReason',
  'ids',
  'entityRegistryIds.anyOf',
  'names.anyOf',
  'names.anyOf.caseSensitive',
  'creatorIds',
  'authorIds.anyOf',
] as const;

/** In the spec for these lists, not implemented by the sandbox. */
export const ENTITY_LIST_UNSUPPORTED = ['mentionedIn', 'mentions', 'returning'] as const;

/** The filters every entity list applies; `name` filters also match aliases and registry ids, as Benchling's do. */
export function entityFilters<T extends EntityRecord>(ctx: OperationContext, kind: SchemaKind, collectionIds: (id: string) => T | undefined): Predicate<T>[] {
  const q = ctx.query;
  const names = (e: T) => [e.name, ...e.aliases, ...(e.entityRegistryId ? [e.entityRegistryId] : [])];
  const name = q.get('name');
  const nameIncludes = q.get('nameIncludes')?.toLowerCase();
  const anyOf = q.list('names.anyOf')?.map((n) => n.toLowerCase());
  const anyOfCase = q.list('names.anyOf.caseSensitive');
  const folderId = q.get('folderId');
  const projectId = q.get('projectId');
  const registryId = q.get('registryId');
  const schemaId = q.get('schemaId');
  const registryIds = q.list('entityRegistryIds.anyOf');
  const creatorIds = q.list('creatorIds');
  const authorIds = q.list('authorIds.anyOf');
  const createdAt = q.time('createdAt');
  const modifiedAt = q.time('modifiedAt');

  const schemaFieldParams = q.withPrefix('schemaField.');
  let fieldTests: Predicate<T>[] = [];
  if (schemaFieldParams.length > 0) {
    if (!schemaId) throw badRequest('schemaField filters need the schemaId parameter too.');
    const schema = ctx.snapshot.get('schemas', schemaId);
    if (!schema || schema.kind !== kind) throw badRequest(`schemaId ${schemaId} is not a ${kind} schema.`);
    fieldTests = schemaFieldParams.map(([field, raw]) => {
      const test = schemaFieldFilter(schema, field, raw);
      return (e: T) => test(e.fields);
    });
  }

  return compact<Predicate<T>>([
    (e) => ctx.visibility.filed(e),
    archiveFilter(q),
    name !== undefined && ((e) => names(e).includes(name)),
    nameIncludes !== undefined && ((e) => names(e).some((n) => n.toLowerCase().includes(nameIncludes))),
    anyOf && ((e) => names(e).some((n) => anyOf.includes(n.toLowerCase()))),
    anyOfCase && ((e) => names(e).some((n) => anyOfCase.includes(n))),
    folderId !== undefined && ((e) => e.folderId === folderId),
    projectId !== undefined && ((e) => ctx.visibility.projectOfFolder(e.folderId) === projectId),
    registryId !== undefined && ((e) => (registryId === 'null' ? e.registryId === null : e.registryId === registryId)),
    schemaId !== undefined && ((e) => e.schemaId === schemaId),
    registryIds && ((e) => e.entityRegistryId !== null && registryIds.includes(e.entityRegistryId)),
    creatorIds && ((e) => creatorIds.includes(e.creatorId)),
    authorIds && ((e) => e.authorIds.some((a) => authorIds.includes(a))),
    createdAt && ((e) => createdAt(e.createdAt)),
    modifiedAt && ((e) => modifiedAt(e.modifiedAt)),
    idsFilter<T>(q.list('ids'), (id) => {
      const e = collectionIds(id);
      return e !== undefined && ctx.visibility.filed(e);
    }),
    ...fieldTests,
  ]);
}
