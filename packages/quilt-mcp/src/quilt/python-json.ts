/**
 * Serialises the JSON model of json-value.ts byte-for-byte as CPython's `json` module does, in the two
 * configurations quilt3 uses:
 * - hashing: `json.JSONEncoder(sort_keys=True, separators=(',', ':'))` (ensure_ascii defaults to True);
 * - manifest lines: `json.JSONEncoder(ensure_ascii=False)` (default separators `', '` and `': '`,
 *   keys in insertion order).
 *
 * Insertion order: a JS object enumerates array-index keys ("1", "42") first; objects from the parser
 * remember their source order (json-value.ts `setKeyOrder`), and an object built in JS can be given one.
 *
 * Kept rather than a library: no npm package writes Python's float repr (1.0, 1e+16, 1e-07) or its
 * ensure_ascii escapes. The deterministic stringifiers sort keys by UTF-16 unit, not code point, and write JS
 * numbers: on scripts/bench/json-parser-candidates.ts's hash vector safe-stable-stringify@3.0.0 and
 * canonicalize@5.1.0 (RFC 8785) both differ from CPython in numbers, escapes and key order, which changes
 * every quilt3 hash; formatPythonFloat leaves the shortest-digits work to V8 and only re-spells it.
 */
import { compareCodePoints } from './codepoint.js';
import { insertionOrderKeys, isJsonObject, type JsonObject, type JsonValue, PY_INT_NUMBER_LIMIT, PyFloat } from './json-value.js';

declare global {
  interface String {
    /** ES2024, present in Node >= 20; the project's `lib` is ES2023. */
    isWellFormed(): boolean;
  }
}

interface EncoderOptions {
  /** `sort_keys=True`: object keys in code point order. */
  sortKeys: boolean;
  /** `ensure_ascii=True`: every non-ASCII UTF-16 unit written as `\uXXXX`. */
  ensureAscii: boolean;
  /** `separators=(',', ':')` rather than Python's default `(', ', ': ')`. */
  compact: boolean;
}

export class PythonJsonError extends Error {
  override readonly name = 'PythonJsonError';
}

/** Deepest nesting encoded; deeper values (or cycles) are an error, as Python's RecursionError is. */
const MAX_DEPTH = 512;

/** `json.dumps(value, sort_keys=True, separators=(',', ':'))`, the encoding quilt3 hashes. */
export function dumpsForHash(value: JsonValue): string {
  return HASH_ENCODER.dumps(value);
}

/** `json.JSONEncoder(ensure_ascii=False).encode(value)`, the encoding of a quilt3 manifest line. */
export function dumpsForManifest(value: JsonValue): string {
  return MANIFEST_ENCODER.dumps(value);
}

/**
 * Python's `float.__repr__` (shortest round-trip digits; exponent form when the decimal exponent is
 * below -4 or above 15; at least two exponent digits; `.0` on integral fixed-point values), plus the
 * `NaN`/`Infinity` spellings `json` uses.
 */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  const abs = Math.abs(x);
  // Where both use fixed notation, JS's shortest digits are repr's; only the ".0" differs.
  if (abs >= 1e-4 && abs < PY_INT_NUMBER_LIMIT) return Number.isInteger(x) ? `${x}.0` : String(x);
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits, as repr does.
  const exp = abs.toExponential();
  const ePos = exp.indexOf('e');
  const digits = exp.slice(0, ePos).replace('.', '');
  const exponent = Number(exp.slice(ePos + 1));
  const decpt = exponent + 1; // value = 0.<digits> * 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const absExp = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < PY_INT_NUMBER_LIMIT) return x === 0 ? '0' : String(x);
  return formatPythonFloat(x);
}

const HEX = '0123456789abcdef';

function unicodeEscape(unit: number): string {
  return `\\u${HEX[(unit >> 12) & 15]}${HEX[(unit >> 8) & 15]}${HEX[(unit >> 4) & 15]}${HEX[unit & 15]}`;
}

/** By UTF-16 unit: `"`, `\`, newline, carriage return, tab, backspace, form feed. */
const SHORT_ESCAPES = new Map<number, string>([
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
]);

/** Python's `ESCAPE_ASCII` is `([\\"]|[^\ -~])`: anything outside printable ASCII, and `"` `\`. */
const NEEDS_ESCAPE_ASCII = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
/** Python's `ESCAPE` is `[\x00-\x1f\\"\b\f\n\r\t]`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python escapes exactly these control characters
const NEEDS_ESCAPE_UNICODE = /[\x00-\x1f"\\]/;

export function encodeStringAscii(s: string): string {
  if (!NEEDS_ESCAPE_ASCII.test(s)) return `"${s}"`;
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(run, i) + (SHORT_ESCAPES.get(c) ?? unicodeEscape(c));
    run = i + 1;
  }
  return `${out}${s.slice(run)}"`;
}

export function encodeStringUnicode(s: string): string {
  if (!s.isWellFormed()) {
    throw new PythonJsonError(`String contains a lone surrogate, which UTF-8 can't encode (quilt3 fails the same way): ${JSON.stringify(s.slice(0, 80))}`);
  }
  if (!NEEDS_ESCAPE_UNICODE.test(s)) return `"${s}"`;
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(run, i) + (SHORT_ESCAPES.get(c) ?? unicodeEscape(c));
    run = i + 1;
  }
  return `${out}${s.slice(run)}"`;
}

/** Thrown inside the encoder with the end of a message; each enclosing level adds its key to the path. */
class EncodeFailure extends Error {
  readonly path: (string | number)[] = [];
}

function formatPath(path: (string | number)[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
}

class Encoder {
  private readonly itemSep: string;
  private readonly keySep: string;
  private readonly encodeString: (s: string) => string;

  constructor(private readonly options: EncoderOptions) {
    this.itemSep = options.compact ? ',' : ', ';
    this.keySep = options.compact ? ':' : ': ';
    this.encodeString = options.ensureAscii ? encodeStringAscii : encodeStringUnicode;
  }

  dumps(value: JsonValue): string {
    try {
      return this.encode(value, 0);
    } catch (err) {
      if (!(err instanceof EncodeFailure)) throw err;
      throw new PythonJsonError(`Value at ${formatPath(err.path)} ${err.message}`);
    }
  }

  private encode(value: JsonValue, depth: number): string {
    switch (typeof value) {
      case 'string':
        return this.encodeString(value);
      case 'number':
        return formatNumber(value);
      case 'bigint':
        return value.toString();
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        if (value === null) return 'null';
        if (value instanceof PyFloat) return formatPythonFloat(value.value);
        if (depth >= MAX_DEPTH) throw new EncodeFailure(`is nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
        if (Array.isArray(value)) return this.encodeArray(value, depth);
        if (isJsonObject(value)) return this.encodeObject(value, depth);
        break;
      default:
        break;
    }
    throw new EncodeFailure(`is not JSON-serialisable (${describeType(value)})`);
  }

  private encodeArray(value: JsonValue[], depth: number): string {
    if (value.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += this.itemSep;
      try {
        out += this.encode(value[i] as JsonValue, depth + 1);
      } catch (err) {
        if (err instanceof EncodeFailure) err.path.unshift(i);
        throw err;
      }
    }
    return `${out}]`;
  }

  private encodeObject(value: JsonObject, depth: number): string {
    if (isEmptyObject(value)) return '{}'; // most entries' meta; skips allocating a key list
    const keys = this.options.sortKeys ? Object.keys(value).sort(compareCodePoints) : insertionOrderKeys(value);
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (i > 0) out += this.itemSep;
      try {
        out += this.encodeString(key) + this.keySep + this.encode(value[key] as JsonValue, depth + 1);
      } catch (err) {
        if (err instanceof EncodeFailure) err.path.unshift(key);
        throw err;
      }
    }
    return `${out}}`;
  }
}

function isEmptyObject(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

function describeType(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return value.constructor?.name ?? 'object';
}

// Encoders hold no per-call state; sharing them keeps the per-entry cost of hashing down.
const HASH_ENCODER = new Encoder({ sortKeys: true, ensureAscii: true, compact: true });
const MANIFEST_ENCODER = new Encoder({ sortKeys: false, ensureAscii: false, compact: false });
