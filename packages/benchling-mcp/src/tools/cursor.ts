import { createHash } from 'node:crypto';
import { ToolError } from '@labmcp/service-kit';

/**
 * The tools' paging cursors: opaque to callers, they carry Benchling's nextToken plus what the tool needs to go
 * on (an offset into a page, a phase), and a hash of the query they belong to, so a cursor from other filters is
 * refused with a clear message instead of silently paging the wrong list.
 */
export interface CursorState {
  /** Benchling's nextToken for the page to fetch next; absent: the first page */
  t?: string;
  /** items of that page already handed out (folder scans stop mid-page) */
  o?: number;
  /** upstream page size the offset refers to */
  n?: number;
  /** which list, for tools that walk several in turn */
  p?: string;
  /** id of the last item handed out, to resume after it even if the page shifted meanwhile */
  l?: string;
}

const PREFIX = 'c1.';
export const MAX_CURSOR_LENGTH = 8192;

export function queryKey(tool: string, filters: Record<string, unknown>): string {
  const stable = Object.keys(filters)
    .filter((k) => k !== 'cursor' && k !== 'page_size' && filters[k] !== undefined)
    .sort()
    .map((k) => [k, filters[k]]);
  return createHash('sha256')
    .update(JSON.stringify([tool, stable]))
    .digest('base64url')
    .slice(0, 12);
}

export function encodeCursor(tool: string, filters: Record<string, unknown>, state: CursorState): string {
  return PREFIX + Buffer.from(JSON.stringify({ ...state, q: queryKey(tool, filters) })).toString('base64url');
}

export function decodeCursor(tool: string, filters: Record<string, unknown>, cursor: string | undefined): CursorState {
  if (cursor === undefined) return {};
  const invalid = () => new ToolError(`The cursor is not one ${tool} handed out: pass back next_cursor from the previous page unchanged.`, 'invalid_cursor');
  if (!cursor.startsWith(PREFIX)) throw invalid();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  if (!parsed || typeof parsed !== 'object') throw invalid();
  if (parsed.q !== queryKey(tool, filters)) {
    throw new ToolError(
      `This cursor belongs to a ${tool} call with other filters: keep the filters of the first call when paging, or drop the cursor to start over.`,
      'invalid_cursor',
    );
  }
  const state: CursorState = {};
  if (typeof parsed.t === 'string' && parsed.t.length > 0) state.t = parsed.t;
  if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.o <= 100) state.o = parsed.o;
  if (typeof parsed.n === 'number' && Number.isInteger(parsed.n) && parsed.n >= 1 && parsed.n <= 100) state.n = parsed.n;
  if (typeof parsed.p === 'string') state.p = parsed.p;
  if (typeof parsed.l === 'string' && parsed.l.length <= 100) state.l = parsed.l;
  return state;
}
