import type { Query, QuerySpec } from '../http/query.js';
import type { PageTokens } from '../paging.js';
import type { Snapshot, TenantStore } from '../store/tenant-store.js';
import type { UserRecord } from '../store/types.js';
import type { Renderer } from './render.js';
import type { Visibility } from './visibility.js';

/** Everything a resource handler needs for one authenticated request. */
export interface OperationContext {
  user: UserRecord;
  /** the tenant as of the start of the request */
  snapshot: Snapshot;
  visibility: Visibility;
  render: Renderer;
  query: Query;
  /** decoded path parameters, named as in the spec (`entry_id`, ...) */
  params: Record<string, string>;
  /** request path below the server root, e.g. `/api/v2/entries` */
  path: string;
  /** the raw query, for binding page tokens to their query */
  rawQuery: URLSearchParams;
  store: TenantStore;
  tokens: PageTokens;
  now: () => Date;
  /** where the sandbox is reachable (apiURL/webURL of created objects) */
  baseUrl: string;
  readBody: () => Promise<unknown>;
}

export interface OperationResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One operation of the spec; `path` is the spec's path template below `/api/v2`. */
export interface Operation {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  operationId: string;
  query: QuerySpec;
  handle: (ctx: OperationContext) => Promise<OperationResult> | OperationResult;
}
