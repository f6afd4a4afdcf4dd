import { badRequest, notFound } from '../http/errors.js';
import { archiveFilter } from '../http/query.js';
import type { AssayRecordBase, AssayResultRecord, AssayRunRecord, SchemaRecord } from '../store/types.js';
import { compact, idsFilter, listResponse, PAGING_PARAMS, type Predicate } from './listing.js';
import type { Operation, OperationContext } from './operation.js';

/**
 * Assay results and runs (GET), and their schemas. Results and runs are visible through their project. The
 * spec's descriptions fix: result fields keyed by system name; results sorted `createdAt:asc` by default;
 * `entityIds` and `storageIds` at most 20; at most one of `assayRunIds` and `automationOutputProcessorId`;
 * `minCreatedTime`/`maxCreatedTime` in unix seconds; `createdAt.lt` etc. in RFC 3339.
 */

const RESULT_SORTS = ['createdAt:asc', 'createdAt:desc', 'modifiedAt:asc', 'modifiedAt:desc'] as const;
const TIME_BOUNDS = [
  'createdAt.lt',
  'createdAt.gt',
  'createdAt.lte',
  'createdAt.gte',
  'modifiedAt.lt',
  'modifiedAt.gt',
  'modifiedAt.lte',
  'modifiedAt.gte',
] as const;
const MAX_RELATED_IDS = 20;
const SCHEMA_ORDER = 'name:asc';

function unixSeconds(ctx: OperationContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,12}$/.test(raw)) throw badRequest(`${name} must be a unix timestamp in seconds.`);
  return Number(raw) * 1000;
}

function rfc3339(ctx: OperationContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === undefined) return undefined;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) throw badRequest(`${name} must be an RFC 3339 date or date-time.`);
  return at;
}

/** Filters both lists share: visibility, schema, ids, creation time in unix seconds. */
function assayFilters<T extends AssayRecordBase>(ctx: OperationContext, collection: 'assayResults' | 'assayRuns'): Predicate<T>[] {
  const schemaId = ctx.query.get('schemaId');
  const min = unixSeconds(ctx, 'minCreatedTime');
  const max = unixSeconds(ctx, 'maxCreatedTime');
  const visible = (r: AssayRecordBase) => r.projectId === null || ctx.visibility.project(r.projectId);
  return compact<Predicate<T>>([
    visible,
    schemaId !== undefined && ((r) => r.schemaId === schemaId),
    min !== undefined && ((r) => Date.parse(r.createdAt) > min),
    max !== undefined && ((r) => Date.parse(r.createdAt) < max),
    idsFilter<T>(ctx.query.list('ids'), (id) => {
      const r = ctx.snapshot.get(collection, id);
      return r !== undefined && visible(r);
    }),
  ]);
}

/** Every id a result's link fields hold (entities, inventory, runs...). */
function linkedIds(r: AssayRecordBase): string[] {
  return Object.values(r.fields).flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v : []));
}

function schemaOps(kind: 'assay_result' | 'assay_run'): Operation[] {
  const isResult = kind === 'assay_result';
  const matches = (s: SchemaRecord) => s.kind === kind;
  return [
    {
      method: 'GET',
      path: isResult ? '/assay-result-schemas' : '/assay-run-schemas',
      operationId: isResult ? 'listAssayResultSchemas' : 'listAssayRunSchemas',
      query: { allowed: [...PAGING_PARAMS, 'modifiedAt'] },
      handle: (ctx) => {
        const modifiedAt = ctx.query.time('modifiedAt');
        return listResponse<SchemaRecord>(ctx, {
          envelope: isResult ? 'assayResultSchemas' : 'assayRunSchemas',
          items: ctx.snapshot.all('assaySchemas'),
          defaultSort: SCHEMA_ORDER,
          sortable: false,
          filters: compact<Predicate<SchemaRecord>>([matches, modifiedAt && ((s) => modifiedAt(s.modifiedAt))]),
          render: (s) => ctx.render.assaySchema(s),
        });
      },
    },
    {
      method: 'GET',
      path: isResult ? '/assay-result-schemas/{schema_id}' : '/assay-run-schemas/{schema_id}',
      operationId: isResult ? 'getResultSchema' : 'getRunSchema',
      query: { allowed: [] },
      handle: (ctx) => {
        const id = ctx.params.schema_id!;
        const schema = ctx.snapshot.get('assaySchemas', id);
        if (!schema || !matches(schema)) throw notFound(isResult ? 'Assay result schema' : 'Assay run schema', id);
        return { status: 200, body: ctx.render.assaySchema(schema) };
      },
    },
  ];
}

export const assayOperations: Operation[] = [
  ...schemaOps('assay_result'),
  ...schemaOps('assay_run'),
  {
    method: 'GET',
    path: '/assay-results',
    operationId: 'listAssayResults',
    query: {
      allowed: [
        ...PAGING_PARAMS,
        'schemaId',
        'sort',
        'minCreatedTime',
        'maxCreatedTime',
        'entityIds',
        'storageIds',
        'assayRunIds',
        'ids',
        'archiveReason',
        ...TIME_BOUNDS,
      ],
      unsupported: ['automationOutputProcessorId'],
    },
    handle: (ctx) => {
      const q = ctx.query;
      const entityIds = q.list('entityIds');
      const storageIds = q.list('storageIds');
      const runIds = q.list('assayRunIds');
      for (const [name, list] of [
        ['entityIds', entityIds],
        ['storageIds', storageIds],
      ] as const) {
        if (list && list.length > MAX_RELATED_IDS) throw badRequest(`${name}: at most ${MAX_RELATED_IDS} ids.`);
      }
      const bounds = TIME_BOUNDS.map((name) => [name, rfc3339(ctx, name)] as const).filter(([, v]) => v !== undefined);
      const inBounds = (r: AssayResultRecord) =>
        bounds.every(([name, at]) => {
          const t = Date.parse(name.startsWith('created') ? r.createdAt : r.modifiedAt);
          const op = name.split('.')[1];
          return op === 'lt' ? t < at! : op === 'lte' ? t <= at! : op === 'gt' ? t > at! : t >= at!;
        });
      return listResponse<AssayResultRecord>(ctx, {
        envelope: 'assayResults',
        items: ctx.snapshot.all('assayResults'),
        defaultSort: 'createdAt:asc',
        sorts: RESULT_SORTS,
        filters: compact<Predicate<AssayResultRecord>>([
          ...assayFilters<AssayResultRecord>(ctx, 'assayResults'),
          archiveFilter(q),
          entityIds && ((r) => linkedIds(r).some((id) => entityIds.includes(id))),
          storageIds && ((r) => linkedIds(r).some((id) => storageIds.includes(id))),
          runIds && ((r) => linkedIds(r).some((id) => runIds.includes(id))),
          bounds.length > 0 && inBounds,
        ]),
        render: (r) => ctx.render.assayResult(r),
      });
    },
  },
  {
    method: 'GET',
    path: '/assay-results/{assay_result_id}',
    operationId: 'getAssayResult',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.assay_result_id!;
      const r = ctx.snapshot.get('assayResults', id);
      if (!r || !(r.projectId === null || ctx.visibility.project(r.projectId))) throw notFound('Assay result', id);
      return { status: 200, body: ctx.render.assayResult(r) };
    },
  },
  {
    method: 'GET',
    path: '/assay-runs',
    operationId: 'listAssayRuns',
    query: { allowed: [...PAGING_PARAMS, 'schemaId', 'minCreatedTime', 'maxCreatedTime', 'ids'] },
    handle: (ctx) => {
      // schemaId is required for this list (the spec marks it so).
      if (ctx.query.get('schemaId') === undefined) throw badRequest('schemaId is required: runs are listed per assay run schema.');
      return listResponse<AssayRunRecord>(ctx, {
        envelope: 'assayRuns',
        items: ctx.snapshot.all('assayRuns'),
        defaultSort: 'createdAt:asc',
        sortable: false,
        filters: assayFilters<AssayRunRecord>(ctx, 'assayRuns'),
        render: (r) => ctx.render.assayRun(r),
      });
    },
  },
  {
    method: 'GET',
    path: '/assay-runs/{assay_run_id}',
    operationId: 'getAssayRun',
    query: { allowed: [] },
    handle: (ctx) => {
      const id = ctx.params.assay_run_id!;
      const r = ctx.snapshot.get('assayRuns', id);
      if (!r || !(r.projectId === null || ctx.visibility.project(r.projectId))) throw notFound('Assay run', id);
      return { status: 200, body: ctx.render.assayRun(r) };
    },
  },
];
