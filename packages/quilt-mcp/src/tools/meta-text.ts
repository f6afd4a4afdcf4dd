/**
 * Metadata given as JSON text (`meta_json`), kept exactly as sent.
 *
 * The MCP layer parses tool arguments with `JSON.parse`, which turns `1.0` into `1`, rounds integers past 2^53
 * and moves array-index keys ("10") to the front of an object. quilt3 keeps all three (Python's json), and they
 * show in the manifest and its top hash. A JSON string argument reaches the tool as the caller wrote it, so it
 * is parsed here with the core parser, which keeps Python's model (int vs float, big ints, key order).
 */
import { RESERVED_KEYS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { dumpsForManifest, isJsonObject, type JsonObject, JsonSyntaxError, type JsonValue, orderedEntries, PyFloat, parseJson } from '../quilt/index.js';
import { MAX_META_BYTES, toJsonModel } from './common.js';

const MAX_META_DEPTH = 32;

export const metaJsonArg = z
  .string()
  .min(2)
  .max(MAX_META_BYTES)
  .describe(
    'The same metadata as JSON text, e.g. "{\\"ratio\\": 1.0, \\"id\\": 9007199254740993}": kept exactly (1.0 stays 1.0, -0.0, integers of any size, key order ' +
      'including keys like "10"), as quilt3 would store it. Give meta or meta_json, not both.',
  );

/** The manifest JSON model of metadata JSON text: an object, finite numbers, no reserved keys, at most 32 levels deep. */
export function parseMetaJson(text: string, where: string): JsonObject {
  let value: JsonValue;
  try {
    value = parseJson(text, { maxDepth: MAX_META_DEPTH });
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new ToolError(`${where}: not valid JSON: ${err.message}`, 'invalid_metadata');
    throw err;
  }
  if (!isJsonObject(value)) throw new ToolError(`${where}: must be a JSON object ({…}), not ${describe(value)}`, 'invalid_metadata');
  check(value, where);
  return value;
}

/** Metadata from `meta` (structured) or `meta_json` (exact text); undefined when neither is given. */
export function metaFrom(meta: Record<string, unknown> | undefined, metaJson: string | undefined, where: string): JsonObject | undefined {
  if (meta !== undefined && metaJson !== undefined) throw new ToolError(`${where}: give meta or meta_json, not both.`, 'invalid_request');
  if (metaJson !== undefined) return parseMetaJson(metaJson, `${where} (meta_json)`);
  return meta === undefined ? undefined : (toJsonModel(meta, where) as JsonObject);
}

/** The stored JSON text of a metadata value, exactly as its manifest line has it; null when absent or over `maxBytes`. */
export function storedJson(value: JsonValue | undefined, maxBytes: number): string | null {
  if (value === undefined) return null;
  const text = dumpsForManifest(value);
  return Buffer.byteLength(text) <= maxBytes ? text : null;
}

function describe(value: JsonValue): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${value instanceof PyFloat || typeof value === 'bigint' ? 'number' : typeof value}`;
}

function check(value: JsonValue, where: string): void {
  if (typeof value === 'number' || value instanceof PyFloat) {
    if (!Number.isFinite(Number(value))) throw new ToolError(`${where}: numbers must be finite (NaN and Infinity are not JSON)`, 'invalid_metadata');
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) check(item, where);
    return;
  }
  if (isJsonObject(value)) {
    for (const [key, item] of orderedEntries(value)) {
      if (RESERVED_KEYS.has(key)) throw new ToolError(`${where}: the key "${key}" is not allowed (a reserved JavaScript name); rename it`, 'invalid_metadata');
      check(item, where);
    }
  }
}
