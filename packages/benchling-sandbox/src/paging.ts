import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from './http/errors.js';

/**
 * List paging. Tokens are keyset cursors (the last item's sort value and id), not offsets, so a page boundary
 * does not move when objects are created while a client is paging. They are signed with the tenant's secret
 * (valid across restarts, not forgeable) and bound to the query they came from.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export type SortField = 'modifiedAt' | 'createdAt' | 'name' | 'barcode';
export type SortDirection = 'asc' | 'desc';

export interface SortSpec {
  field: SortField;
  direction: SortDirection;
}

export interface Sortable {
  id: string;
  /** absent for things without a name (assay results and runs), which are never sorted by name */
  name?: string;
  createdAt?: string;
  modifiedAt: string;
  barcode?: string | null;
}

/**
 * Benchling's sort values: `modifiedAt`, `createdAt`, `name`, optionally suffixed `:asc`/`:desc`. Without a
 * suffix, times sort most recent first and names alphabetically.
 */
export function parseSort(raw: string | undefined, allowed: readonly string[], fallback: string): SortSpec {
  const value = raw ?? fallback;
  if (!allowed.includes(value)) throw badRequest(`Invalid sort "${value}". Valid sorts: ${allowed.join(', ')}.`);
  const [field, suffix] = value.split(':') as [SortField, SortDirection | undefined];
  return { field, direction: suffix ?? (field === 'name' || field === 'barcode' ? 'asc' : 'desc') };
}

export function parsePageSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw)) throw badRequest(`Invalid pageSize "${raw}": must be a whole number from 0 to ${MAX_PAGE_SIZE}.`);
  const n = Number(raw);
  if (n > MAX_PAGE_SIZE) throw badRequest(`pageSize ${n} is too large: the maximum is ${MAX_PAGE_SIZE}.`);
  return n;
}

function sortValue(item: Sortable, field: SortField): string {
  if (field === 'name') return (item.name ?? '').toLowerCase();
  if (field === 'barcode') return (item.barcode ?? '').toLowerCase();
  // All stored times are toISOString() output, so string order is time order.
  return field === 'createdAt' ? (item.createdAt ?? item.modifiedAt) : item.modifiedAt;
}

interface Cursor {
  /** sort value of the last item returned; null before the first item */
  k: string | null;
  i: string | null;
}

function compareKeys(ak: string, aid: string, bk: string, bid: string, direction: SortDirection): number {
  const c = ak < bk ? -1 : ak > bk ? 1 : aid < bid ? -1 : aid > bid ? 1 : 0;
  return direction === 'asc' ? c : -c;
}

export interface Page<T> {
  items: T[];
  /** empty string on the last page */
  nextToken: string;
  /** how many items match in all (Benchling's Result-Count header) */
  total: number;
}

export class PageTokens {
  constructor(private readonly secret: string) {}

  /**
   * One page of `items` (already filtered to what the caller may see). `queryKey` identifies the filters; a
   * token from a different query is refused rather than silently applied to the wrong list.
   */
  paginate<T extends Sortable>(items: readonly T[], sort: SortSpec, pageSize: number, queryKey: string, token: string | undefined): Page<T> {
    const sortSig = `${sort.field}:${sort.direction}`;
    const cursor = token === undefined ? null : this.decode(token, queryKey, sortSig);
    const keyed = items.map((item) => ({ item, k: sortValue(item, sort.field) }));
    keyed.sort((a, b) => compareKeys(a.k, a.item.id, b.k, b.item.id, sort.direction));
    let start = 0;
    if (cursor && cursor.k !== null && cursor.i !== null) {
      const { k, i } = cursor;
      start = keyed.findIndex((e) => compareKeys(e.k, e.item.id, k, i, sort.direction) > 0);
      if (start < 0) start = keyed.length;
    }
    const slice = keyed.slice(start, start + pageSize);
    const more = start + slice.length < keyed.length;
    let nextToken = '';
    if (more) {
      const last = slice.at(-1);
      nextToken = this.encode({ k: last ? last.k : (cursor?.k ?? null), i: last ? last.item.id : (cursor?.i ?? null) }, queryKey, sortSig);
    }
    return { items: slice.map((e) => e.item), nextToken, total: keyed.length };
  }

  private encode(cursor: Cursor, queryKey: string, sortSig: string): string {
    const payload = Buffer.from(JSON.stringify({ q: queryKey, s: sortSig, k: cursor.k, i: cursor.i })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  private decode(token: string, queryKey: string, sortSig: string): Cursor {
    const invalid = () => badRequest('Invalid nextToken: pass back the nextToken from the previous page of the same query unchanged.');
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let parsed: { q?: unknown; s?: unknown; k?: unknown; i?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof parsed;
    } catch {
      throw invalid();
    }
    if (parsed.q !== queryKey || parsed.s !== sortSig) {
      throw badRequest('This nextToken belongs to a different query: keep the filters and sort of the first request when paging.');
    }
    const k = typeof parsed.k === 'string' ? parsed.k : null;
    const i = typeof parsed.i === 'string' ? parsed.i : null;
    return { k, i };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}

/** A short stable key for a list query: the path and its filters, minus the paging parameters themselves. */
export function queryKeyOf(path: string, params: URLSearchParams): string {
  const kept = [...params.entries()].filter(([k]) => k !== 'nextToken' && k !== 'pageSize').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([path, kept]))
    .digest('base64url')
    .slice(0, 16);
}
