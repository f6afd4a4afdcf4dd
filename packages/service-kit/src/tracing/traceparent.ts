import { randomBytes } from 'node:crypto';

/** A W3C trace context (https://www.w3.org/TR/trace-context/) as carried by a `traceparent` header. */
export interface TraceParent {
  traceId: string;
  /** The id of the caller's span: the parent of whatever this process records for the request. */
  parentId: string;
  /** Trace flags as two hex digits (`01` = sampled). */
  flags: string;
}

// Version 00 is the one defined; a later version keeps these four fields in front (the spec says to read those
// and ignore what follows a dash), version ff is invalid. Lower-case hex only, as the spec requires. One test of
// the whole shape, then slices: cheaper per request than capturing groups.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?:-|$)/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** The context a `traceparent` value names, or undefined for anything malformed (then a new trace begins). */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || text.length < 55 || text.length > 512 || !TRACEPARENT.test(text)) return undefined;
  const version = text.slice(0, 2);
  if (version === 'ff' || (version === '00' && text.length !== 55)) return undefined;
  const traceId = text.slice(3, 35);
  const parentId = text.slice(36, 52);
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined;
  return { traceId, parentId, flags: text.slice(53, 55) };
}

export function formatTraceparent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

/**
 * Random ids drawn from a pool refilled 4 KiB at a time: one `randomBytes` call per 170 trace ids rather than one
 * each, which keeps a request without a `traceparent` as cheap as one with it.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  // All zeros is the spec's "invalid"; with 64 or 128 random bits this is never expected, but it must not pass.
  return hex === ZERO_TRACE_ID || hex === ZERO_SPAN_ID ? randomHex(bytes) : hex;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);
