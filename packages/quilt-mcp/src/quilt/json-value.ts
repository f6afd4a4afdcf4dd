/**
 * The JSON value model shared by the parser and the Python-compatible serialiser.
 *
 * Python keeps `1` (int) and `1.0` (float) apart and has unbounded ints; both show in quilt3's
 * hashes. A JS number can't say which it was, so:
 * - a `number` that is an integer with |x| < 1e16 is a Python int; any other `number` is a float
 *   (1e16 is where Python's float repr switches to exponent form, so larger integral numbers
 *   round-trip as floats: `1e+16`);
 * - a `bigint` is a Python int of any size;
 * - a `PyFloat` is a float whose value is integral (`1.0`, `-0.0`, `1e15`), which a bare number would
 *   turn into an int.
 * The parser produces exactly this model, so anything read re-serialises as Python would.
 */

/** A Python float whose value a bare JS number would misrepresent as an int. */
export class PyFloat {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  /** `JSON.stringify` sees the number (e.g. when a tool returns metadata to a client). */
  toJSON(): number {
    return this.value;
  }
}

export type JsonPrimitive = null | boolean | number | bigint | string | PyFloat;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * JS objects enumerate array-index keys ("0", "42") first, in numeric order; Python dicts keep insertion
 * order. Where the two differ, the parser records the source order under this symbol (non-enumerable,
 * so invisible to ordinary code) and the insertion-order serialiser uses it, keeping manifest lines
 * byte-identical on a round trip.
 */
const KEY_ORDER = Symbol('quilt.keyOrder');

type Ordered = JsonObject & { [KEY_ORDER]?: readonly string[] };

/** Records `keys` (the object's own keys, in the intended order) as the object's insertion order. */
export function setKeyOrder(obj: JsonObject, keys: readonly string[]): void {
  Object.defineProperty(obj, KEY_ORDER, { value: keys, enumerable: false, configurable: true, writable: true });
}

/** The object's keys in insertion order: the recorded order if it still matches the object, else JS order. */
export function insertionOrderKeys(obj: JsonObject): string[] {
  const keys = Object.keys(obj);
  const recorded = (obj as Ordered)[KEY_ORDER];
  if (recorded === undefined || recorded.length !== keys.length || !recorded.every((k) => Object.hasOwn(obj, k))) return keys;
  return [...recorded];
}

/** Largest magnitude a bare `number` may have and still be taken as a Python int. */
export const PY_INT_NUMBER_LIMIT = 1e16;

export function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof PyFloat) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Converts a value of this model to what `JSON.stringify` accepts without losing meaning where it can:
 * a `PyFloat` becomes its number, a `bigint` becomes a number when exact and a decimal string otherwise
 * (`JSON.stringify` throws on bigint).
 */
export function toPlainJson(value: JsonValue): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: toPlainJson(value[key] as JsonValue), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/**
 * A new object of `entries` in exactly that order, as a Python dict built from them would be: the order is
 * recorded (see `setKeyOrder`) when JS would enumerate the keys differently (array-index keys such as "10").
 */
export function orderedObject(entries: Iterable<readonly [string, JsonValue]>): JsonObject {
  const out: JsonObject = {};
  const order: string[] = [];
  for (const [key, value] of entries) {
    if (!Object.hasOwn(out, key)) order.push(key);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(out).some((key, n) => order[n] !== key)) setKeyOrder(out, order);
  return out;
}

/** The object's own entries in insertion order (the recorded order where there is one). */
export function orderedEntries(obj: JsonObject): [string, JsonValue][] {
  return insertionOrderKeys(obj).map((key) => [key, obj[key] as JsonValue]);
}

/**
 * `obj` with `updates` applied as Python's `d[k] = v` / `del d[k]` would: an existing key keeps its place, a
 * new one goes last, and a key whose update is `undefined` is removed. `obj` itself is not changed.
 */
export function withUpdates(obj: JsonObject, updates: Iterable<readonly [string, JsonValue | undefined]>): JsonObject {
  const map = new Map<string, JsonValue>(orderedEntries(obj));
  for (const [key, value] of updates) {
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }
  return orderedObject(map);
}
