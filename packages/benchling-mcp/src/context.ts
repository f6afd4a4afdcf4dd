import { defineTool, type Logger, type ToolRunContext } from '@labmcp/service-kit';
import { LRUCache } from 'lru-cache';
import type { BenchlingSession, KeySource } from './benchling/client.js';

export interface ToolSettings {
  /** entries_list with folder_id: upstream pages scanned per call */
  folderScanMaxPages: number;
  /** ...of this size */
  folderScanPageSize: number;
  /** folder and schema cache lifetime; 0: no cache */
  cacheTtlMs: number;
}

export const DEFAULT_TOOL_SETTINGS: ToolSettings = { folderScanMaxPages: 5, folderScanPageSize: 100, cacheTtlMs: 60_000 };

/** What every Benchling tool gets besides its arguments. */
export interface BenchlingToolContext {
  /** Who is calling; the key itself is only inside `benchling`. */
  caller: { userId: string; keySource: KeySource };
  /** The Benchling API with the caller's key (or the service key). */
  benchling: BenchlingSession;
  settings: ToolSettings;
  cache: LookupCache;
  /** Tenant base URL, without /api/v2. */
  baseUrl: string;
  logger: Logger;
}

export const benchlingTool = defineTool<BenchlingToolContext>();

export type ToolCtx = BenchlingToolContext & ToolRunContext;

/** The session bound to this call's cancellation and logger. */
export function api(ctx: ToolCtx): BenchlingSession {
  return ctx.benchling.withSignal(ctx.signal, ctx.log);
}

/**
 * A short-lived cache of lookups tools repeat (a folder's project while paging through it, a schema while
 * validating creates). Entries are per key: what one key may see says nothing about another.
 */
export class LookupCache {
  private readonly cache: LRUCache<string, object> | undefined;

  constructor(ttlMs: number, max = 5000) {
    this.cache = ttlMs > 0 ? new LRUCache<string, object>({ max, ttl: ttlMs }) : undefined;
  }

  async get<T extends object>(session: BenchlingSession, kind: string, id: string, load: () => Promise<T>): Promise<T> {
    const key = `${session.keyId}:${kind}:${id}`;
    const hit = this.cache?.get(key);
    if (hit) return hit as T;
    const value = await load();
    this.cache?.set(key, value);
    return value;
  }
}
