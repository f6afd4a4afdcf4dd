/**
 * One manifest line to one record, as quilt3's loader reads it, plus the line-level plumbing the
 * readers share.
 */
import type { ByteSource } from './byte-source.js';
import { JsonSyntaxError, parseJson } from './json-parse.js';
import { isJsonObject, type JsonObject, type JsonValue, PY_INT_NUMBER_LIMIT } from './json-value.js';
import { DEFAULT_MAX_LINE_BYTES, type LineBatch, LineError, readLineBatches } from './line-reader.js';
import { type ManifestEntry, ManifestError, type ManifestHeader, type ManifestRecord } from './manifest-types.js';
import type { TopHasher } from './top-hash.js';
import { LogicalKeyError, validateLogicalKey } from './walk-order.js';

/** Line batches, with line-level problems reported as ManifestErrors. */
export async function* manifestLines(source: ByteSource, options: { maxLineBytes?: number; signal?: AbortSignal }): AsyncGenerator<LineBatch> {
  try {
    yield* readLineBatches(source, {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    if (err instanceof LineError) throw new ManifestError(err.reason, err.line, { cause: err });
    throw err;
  }
}

export function addToHash(hasher: TopHasher, entry: ManifestEntry, line: number): void {
  try {
    hasher.add(entry);
  } catch (err) {
    throw hashOrderError(err, line);
  }
}

export function hashOrderError(err: unknown, line: number): unknown {
  if (err instanceof LogicalKeyError) return new ManifestError(`can't verify the top hash: ${err.message}`, line, { cause: err });
  return err;
}

/**
 * JSON.parse is several times faster than a JS parser but loses int-vs-float for integral floats, big
 * ints and the source order of array-index keys. A quick scan tells whether a line has any of those;
 * only such lines (and lines JSON.parse rejects, for a precise error) go to the exact parser.
 */
export function parseLine(text: string, line: number): JsonObject {
  if (text.length === 0) throw new ManifestError('blank line (every line must be a JSON object)', line);
  let value: JsonValue | undefined;
  if (!needsExactParser(text)) {
    try {
      value = JSON.parse(text) as JsonValue;
    } catch {
      // fall through to the exact parser for its error message
    }
  }
  if (value === undefined) {
    try {
      value = parseJson(text);
    } catch (err) {
      if (err instanceof JsonSyntaxError) throw new ManifestError(`invalid JSON: ${err.message}`, line, { cause: err });
      throw err;
    }
  }
  if (!isJsonObject(value)) throw new ManifestError('expected a JSON object', line);
  return value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True if JSON.parse would not read the text as the exact parser does: a float lexeme with an integral
 * value below 1e16 (1.0, -0.0: a PyFloat), an int beyond 2^53, a NaN/Infinity literal, or an all-digit
 * string (it could be an array-index key, whose source position JS objects don't keep).
 */
export function needsExactParser(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const open = i;
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      for (;;) {
        const close = text.indexOf('"', i + 1);
        if (close === -1) return true;
        let slashes = 0;
        while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
        i = close;
        if (slashes % 2 === 0) break;
      }
      if (isDigitCode(text.charCodeAt(open + 1)) && allDigits(text, open + 1, i)) return true;
      i++;
    } else if (c === 0x2d || isDigitCode(c)) {
      const start = i;
      let digits = 0;
      let isFloat = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (isDigitCode(d)) digits++;
        else if (d === 0x2e || d === 0x65 || d === 0x45)
          isFloat = true; // . e E
        else if (d !== 0x2d && d !== 0x2b) break;
      }
      if (isFloat || digits > 15) {
        const value = Number(text.slice(start, i));
        if (isFloat ? Number.isInteger(value) && Math.abs(value) < PY_INT_NUMBER_LIMIT : !Number.isSafeInteger(value)) return true;
      }
    } else if (c === 0x4e || c === 0x49) {
      return true; // NaN, Infinity
    } else {
      i++;
    }
  }
  return false;
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function allDigits(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (!isDigitCode(text.charCodeAt(k))) return false;
  return true;
}

export function toHeader(obj: JsonObject, line: number): ManifestHeader {
  if (typeof obj.version !== 'string') throw new ManifestError('the header has no "version" string', line);
  const message = obj.message;
  if (message !== undefined && message !== null && typeof message !== 'string') {
    throw new ManifestError('the header "message" must be a string or null', line);
  }
  // quilt3 drops the obsolete top_hash on load, so it is neither hashed nor written back.
  if (Object.hasOwn(obj, 'top_hash')) delete obj.top_hash;
  return obj as ManifestHeader;
}

export function toRecord(obj: JsonObject, line: number): ManifestRecord {
  const key = obj.logical_key;
  if (typeof key !== 'string') throw new ManifestError('missing or non-string "logical_key"', line);
  if (!Object.hasOwn(obj, 'meta')) throw new ManifestError(`${JSON.stringify(key)} has no "meta"`, line);
  const physicalKeys = obj.physical_keys;
  // quilt3 reads a line without physical keys as directory metadata.
  if (physicalKeys === undefined || physicalKeys === null || (Array.isArray(physicalKeys) && physicalKeys.length === 0)) {
    if (!key.endsWith('/')) throw new ManifestError(`directory metadata key ${JSON.stringify(key)} must end with "/"`, line);
    checkKey(key.slice(0, -1), line);
    return { kind: 'directory', line, directory: { logical_key: key, meta: obj.meta as JsonValue } };
  }
  checkKey(key, line);
  if (!Array.isArray(physicalKeys) || !physicalKeys.every((k) => typeof k === 'string')) {
    throw new ManifestError(`${JSON.stringify(key)}: "physical_keys" must be a list of strings`, line);
  }
  const size = obj.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ManifestError(`${JSON.stringify(key)}: "size" must be a non-negative integer`, line);
  }
  const hash = obj.hash;
  if (!isJsonObject(hash) || typeof hash.type !== 'string' || typeof hash.value !== 'string') {
    throw new ManifestError(`${JSON.stringify(key)}: "hash" must be an object with string "type" and "value"`, line);
  }
  if (obj.meta === null) obj.meta = {}; // quilt3: `self._meta = meta or {}`
  if (!isJsonObject(obj.meta)) throw new ManifestError(`${JSON.stringify(key)}: "meta" must be an object`, line);
  // The parsed line is the entry (its fields are checked above); unknown keys ride along unused, as in quilt3.
  return { kind: 'entry', line, entry: obj as unknown as ManifestEntry };
}

export function checkKey(key: string, line: number): void {
  try {
    validateLogicalKey(key);
  } catch (err) {
    throw new ManifestError((err as Error).message, line, { cause: err });
  }
}
