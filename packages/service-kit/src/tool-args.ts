/**
 * Tool-argument and annotation pieces both servers use, defined once: paging, dates, and the annotation sets
 * that say what a tool does to the world (the router also reads `readOnlyHint` to decide what it may retry).
 */
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** Reads only; calling it twice changes nothing. */
export const READ_ANNOTATIONS: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
/** Adds something new; calling it twice adds it twice. */
export const WRITE_ANNOTATIONS: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
/** Removes or replaces something. */
export const DESTRUCTIVE_ANNOTATIONS: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

/** A date (2024-05-01) or an RFC 3339 / ISO 8601 date-time, as a regex source to embed in larger patterns. */
export const DATE_OR_DATE_TIME_SOURCE = String.raw`\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?)?`;
export const DATE_OR_DATE_TIME = new RegExp(`^${DATE_OR_DATE_TIME_SOURCE}$`);

/** The cursor a paged tool handed out, passed back unchanged. */
export function cursorArg(maxLength = 4096) {
  return z.string().min(1).max(maxLength).optional().describe('next_cursor from the previous page of the same call (same filters); omit for the first page');
}

export function pageSizeArg(defaultSize: number, max: number) {
  return z.number().int().min(1).max(max).default(defaultSize).describe(`Items per page, 1-${max}`);
}

export const nextCursorOut = z.string().nullable().describe('Pass as cursor to get the next page; null on the last page');
