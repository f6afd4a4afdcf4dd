/**
 * A JSON parser that keeps what Python's `json.loads` keeps: int vs float and big ints exactly (see
 * json-value.ts for the model). `JSON.parse` loses both, and its reviver can't see number lexemes on
 * Node 20.
 *
 * It accepts what Python accepts: RFC 8259 JSON plus the literals `NaN`, `Infinity` and `-Infinity`
 * (Python writes them for non-finite floats). Duplicate keys keep the first position and the last
 * value, as a Python dict does.
 *
 * Kept rather than a library (scripts/bench/json-parser-candidates.ts, Node 20, 2026-12-01): of eight
 * vectors written back as CPython's json does, this parser gets 8 right, lossless-json@4.3.3 5 (it throws on
 * NaN/Infinity and on duplicate keys, and loses the source order of array-index keys) and json-bigint@1.0.0 3
 * (1.0 becomes 1, and it throws on floats of 16+ significant digits with native bigints: 17% of benchmark
 * manifest lines). On manifest lines lossless-json, with a number callback building this model, parses
 * 0.38-0.40x as many lines per CPU-second (exact lines: 184k vs 459k/s).
 */
import { type JsonObject, type JsonValue, PY_INT_NUMBER_LIMIT, PyFloat, setKeyOrder } from './json-value.js';

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    /** UTF-16 index in the text where the problem was found. */
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

export interface ParseJsonOptions {
  /** Deepest nesting of arrays and objects accepted (Python stops near 1000 with a RecursionError). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 512;
/** Int lexemes with at most this many digits are always exact as a JS number. */
const SAFE_INT_DIGITS = 15;

// biome-ignore lint/suspicious/noConstEnum: inlined character codes in the parser's hot loop; the enum is private to this file, so isolated transpilers (tsx, esbuild) inline it too
const enum Ch {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  UpperI = 0x49,
  UpperN = 0x4e,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  LowerF = 0x66,
  LowerN = 0x6e,
  LowerT = 0x74,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJson(text: string, options: ParseJsonOptions = {}): JsonValue {
  return new Parser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH).parseDocument();
}

function describe(text: string, i: number): string {
  if (i >= text.length) return 'end of input';
  return `character ${JSON.stringify(text[i])}`;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.i < this.s.length) this.fail('Unexpected data after the JSON value');
    return value;
  }

  private fail(message: string, at = this.i): never {
    throw new JsonSyntaxError(`${message} (found ${describe(this.s, at)})`, at);
  }

  private skipWhitespace(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c !== Ch.Space && c !== Ch.Lf && c !== Ch.Cr && c !== Ch.Tab) break;
      i++;
    }
    this.i = i;
  }

  private parseValue(): JsonValue {
    const c = this.s.charCodeAt(this.i);
    switch (c) {
      case Ch.OpenBrace:
        return this.parseObject();
      case Ch.OpenBracket:
        return this.parseArray();
      case Ch.Quote:
        return this.parseString();
      case Ch.LowerT:
        return this.parseLiteral('true', true);
      case Ch.LowerF:
        return this.parseLiteral('false', false);
      case Ch.LowerN:
        return this.parseLiteral('null', null);
      case Ch.UpperN:
        return this.parseLiteral('NaN', Number.NaN);
      case Ch.UpperI:
        return this.parseLiteral('Infinity', Number.POSITIVE_INFINITY);
      default:
        if (c === Ch.Minus || (c >= Ch.Zero && c <= Ch.Nine)) return this.parseNumber();
        return this.fail('Expected a JSON value');
    }
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    if (!this.s.startsWith(word, this.i)) this.fail(`Expected ${word}`);
    this.i += word.length;
    return value;
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`Nesting deeper than ${this.maxDepth} levels`);
  }

  private parseObject(): JsonObject {
    this.enter();
    const s = this.s;
    const obj: JsonObject = {};
    // Source key order, kept only once an array-index key shows up (see KEY_ORDER in json-value.ts).
    let order: string[] | undefined;
    let count = 0;
    this.i++;
    this.skipWhitespace();
    if (s.charCodeAt(this.i) === Ch.CloseBrace) {
      this.i++;
      this.depth--;
      return obj;
    }
    for (;;) {
      if (s.charCodeAt(this.i) !== Ch.Quote) this.fail('Expected a property name in double quotes');
      const key = this.parseString();
      if (!Object.hasOwn(obj, key)) {
        if (order === undefined && isArrayIndex(key)) order = Object.keys(obj);
        order?.push(key);
        count++;
      }
      this.skipWhitespace();
      if (s.charCodeAt(this.i) !== Ch.Colon) this.fail("Expected ':' after a property name");
      this.i++;
      this.skipWhitespace();
      const value = this.parseValue();
      if (key === '__proto__') {
        // Plain assignment would replace the prototype instead of adding a property.
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      this.skipWhitespace();
      const c = s.charCodeAt(this.i);
      if (c === Ch.Comma) {
        this.i++;
        this.skipWhitespace();
      } else if (c === Ch.CloseBrace) {
        this.i++;
        this.depth--;
        if (order !== undefined && count > 1) keepOrderIfReordered(obj, order);
        return obj;
      } else {
        this.fail("Expected ',' or '}' in an object");
      }
    }
  }

  private parseArray(): JsonValue[] {
    this.enter();
    const s = this.s;
    const arr: JsonValue[] = [];
    this.i++;
    this.skipWhitespace();
    if (s.charCodeAt(this.i) === Ch.CloseBracket) {
      this.i++;
      this.depth--;
      return arr;
    }
    for (;;) {
      arr.push(this.parseValue());
      this.skipWhitespace();
      const c = s.charCodeAt(this.i);
      if (c === Ch.Comma) {
        this.i++;
        this.skipWhitespace();
      } else if (c === Ch.CloseBracket) {
        this.i++;
        this.depth--;
        return arr;
      } else {
        this.fail("Expected ',' or ']' in an array");
      }
    }
  }

  private parseString(): string {
    const s = this.s;
    const start = ++this.i;
    let i = start;
    // Fast path: most strings have no escapes and are one slice.
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === Ch.Quote) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === Ch.Backslash) break;
      if (c < 0x20 || Number.isNaN(c)) this.failInString(i);
      i++;
    }
    let out = s.slice(start, i);
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === Ch.Quote) {
        this.i = i + 1;
        return out;
      }
      if (c === Ch.Backslash) {
        const e = s[i + 1];
        if (e === 'u') {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid \\u escape', i);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
          if (simple === undefined) this.fail('Invalid escape', i);
          out += simple;
          i += 2;
        }
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) this.failInString(i);
      const runStart = i;
      do i++;
      while (i < s.length && s.charCodeAt(i) !== Ch.Quote && s.charCodeAt(i) !== Ch.Backslash && s.charCodeAt(i) >= 0x20);
      out += s.slice(runStart, i);
    }
  }

  private failInString(i: number): never {
    if (i >= this.s.length) this.fail('Unterminated string', i);
    this.fail('Unescaped control character in a string', i);
  }

  private parseNumber(): JsonValue {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === Ch.Minus) {
      i++;
      if (s.charCodeAt(i) === Ch.UpperI) {
        this.i = i;
        return -this.parseLiteral('Infinity', Number.POSITIVE_INFINITY);
      }
    }
    const intStart = i;
    const first = s.charCodeAt(i);
    if (first === Ch.Zero) {
      i++;
    } else if (first > Ch.Zero && first <= Ch.Nine) {
      do i++;
      while (isDigit(s.charCodeAt(i)));
    } else {
      this.fail('Expected a digit', i);
    }
    const intDigits = i - intStart;
    let isFloat = false;
    if (s.charCodeAt(i) === Ch.Dot) {
      isFloat = true;
      i++;
      if (!isDigit(s.charCodeAt(i))) this.fail('Expected a digit after the decimal point', i);
      do i++;
      while (isDigit(s.charCodeAt(i)));
    }
    const e = s.charCodeAt(i);
    if (e === Ch.LowerE || e === Ch.UpperE) {
      isFloat = true;
      i++;
      const sign = s.charCodeAt(i);
      if (sign === Ch.Plus || sign === Ch.Minus) i++;
      if (!isDigit(s.charCodeAt(i))) this.fail('Expected a digit in the exponent', i);
      do i++;
      while (isDigit(s.charCodeAt(i)));
    }
    this.i = i;
    const lexeme = s.slice(start, i);
    if (!isFloat) {
      if (intDigits <= SAFE_INT_DIGITS) return Number(lexeme) || 0; // `|| 0` turns -0 into Python's 0
      const big = BigInt(lexeme);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    const value = Number(lexeme);
    return Number.isInteger(value) && Math.abs(value) < PY_INT_NUMBER_LIMIT ? new PyFloat(value) : value;
  }
}

function keepOrderIfReordered(obj: JsonObject, order: string[]): void {
  const jsOrder = Object.keys(obj);
  if (order.some((key, n) => jsOrder[n] !== key)) setKeyOrder(obj, order);
}

/** Keys a JS object enumerates before all others: canonical integers below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (!(c >= Ch.Zero && c <= Ch.Nine) || key.length > 10) return false;
  if (!/^(?:0|[1-9][0-9]*)$/.test(key)) return false;
  return Number(key) < 4294967295;
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}
