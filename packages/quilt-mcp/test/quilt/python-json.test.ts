import { readFileSync } from 'node:fs';
import t from 'tap';
import { compareCodePoints } from '../../src/quilt/codepoint.js';
import { JsonSyntaxError, parseJson } from '../../src/quilt/json-parse.js';
import { type JsonValue, PyFloat, toPlainJson } from '../../src/quilt/json-value.js';
import { dumpsForHash, dumpsForManifest, formatPythonFloat, PythonJsonError } from '../../src/quilt/python-json.js';

/**
 * Expected strings were produced once by CPython 3.11's json module with
 * fixtures/python-json-cases.gen.py (the tests never run Python): for each input, `json.loads` then
 * `json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=True)` ("hash") and
 * `json.dumps(obj, ensure_ascii=False)` ("manifest"). 1,700 of the inputs are random doubles in several
 * spellings and random big ints.
 */
interface Case {
  input: string;
  hash: string;
  manifest: string;
}
const cases = JSON.parse(readFileSync(new URL('../fixtures/python-json-cases.json', import.meta.url), 'utf8')) as Case[];

function hasLoneSurrogate(s: string): boolean {
  return !s.isWellFormed();
}

t.test('parse + dump matches CPython for every fixture case', async (t) => {
  let hashMismatches = 0;
  let manifestMismatches = 0;
  for (const c of cases) {
    const value = parseJson(c.input);
    const hash = dumpsForHash(value);
    if (hash !== c.hash) {
      hashMismatches++;
      t.equal(hash, c.hash, `hash-mode ${c.input}`);
    }
    if (hasLoneSurrogate(c.manifest)) {
      // CPython builds the string but can't UTF-8-encode it; quilt3's manifest write fails the same way.
      t.throws(() => dumpsForManifest(value), PythonJsonError, `lone surrogate refused: ${c.input}`);
      continue;
    }
    const manifest = dumpsForManifest(value);
    if (manifest !== c.manifest) {
      manifestMismatches++;
      t.equal(manifest, c.manifest, `manifest-mode ${c.input}`);
    }
  }
  t.equal(hashMismatches, 0, `all ${cases.length} hash-mode outputs match`);
  t.equal(manifestMismatches, 0, `all ${cases.length} manifest-mode outputs match`);
  t.ok(cases.length > 1700);
});

t.test('float repr rules', async (t) => {
  const expected: [number, string][] = [
    [1, '1.0'],
    [-0, '-0.0'],
    [0, '0.0'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1e21, '1e+21'],
    [1e-7, '1e-07'],
    [1e100, '1e+100'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [123.456, '123.456'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ];
  for (const [x, s] of expected) t.equal(formatPythonFloat(x), s, `${x}`);
});

t.test('int vs float survives a parse', async (t) => {
  t.equal(dumpsForHash(parseJson('[1.0, 1, -0, -0.0, 1e2, 100]')), '[1.0,1,0,-0.0,100.0,100]');
  t.equal(dumpsForHash(parseJson('123456789012345678901234567890')), '123456789012345678901234567890');
  t.equal(typeof parseJson('9007199254740991'), 'number', 'safe ints stay numbers');
  t.equal(typeof parseJson('9007199254740993'), 'bigint', 'unsafe ints become bigint');
  t.type(parseJson('2.0'), PyFloat);
  t.equal(parseJson('2.5'), 2.5);
});

t.test('plain JS values follow the documented model', async (t) => {
  t.equal(dumpsForHash(42), '42');
  t.equal(dumpsForHash(2 ** 53 + 2), '9007199254740994', 'integral below 1e16 is an int');
  t.equal(dumpsForHash(1e16), '1e+16', 'integral from 1e16 is a float');
  t.equal(dumpsForHash(new PyFloat(3)), '3.0');
  t.equal(dumpsForHash(12345678901234567890n), '12345678901234567890');
  t.equal(dumpsForHash({ b: [true, false, null], a: 'x' }), '{"a":"x","b":[true,false,null]}');
  t.equal(dumpsForManifest({ b: 1, a: { c: 'é' } }), '{"b": 1, "a": {"c": "é"}}');
});

t.test('keys sort by code point, not UTF-16 unit', async (t) => {
  const astral = '\u{1F600}'; // surrogates D83D DE00
  const privateUse = '\uE000';
  t.ok(astral < privateUse, 'JS default order puts the astral char first');
  t.ok(compareCodePoints(astral, privateUse) > 0, 'by code point it comes after');
  t.equal(dumpsForHash({ [astral]: 1, [privateUse]: 2 }), '{"\\ue000":2,"\\ud83d\\ude00":1}');
  t.ok(compareCodePoints('\uD800', '\uE000') < 0, 'a lone surrogate is its own (smaller) code point');
  t.ok(compareCodePoints('a', 'ab') < 0);
  t.equal(compareCodePoints('same', 'same'), 0);
});

t.test('escapes', async (t) => {
  t.equal(dumpsForHash('"\\\n\r\t\b\f\u0001\u007f/'), '"\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f/"');
  t.equal(dumpsForManifest('"\\\n\u0001\u007f\u2028é'), '"\\"\\\\\\n\\u0001\u007f\u2028é"');
  t.equal(dumpsForHash('\u2028'), '"\\u2028"');
});

t.test('__proto__ keys are data, not prototypes', async (t) => {
  const v = parseJson('{"__proto__": {"polluted": 1}}') as Record<string, JsonValue>;
  t.equal(Object.getPrototypeOf(v), Object.prototype);
  t.ok(Object.hasOwn(v, '__proto__'));
  t.equal(dumpsForHash(v), '{"__proto__":{"polluted":1}}');
});

t.test('syntax errors carry a position', async (t) => {
  const bad = ['', '{', '[1,]', '{"a" 1}', '01', '1.', '1e', '-', '"\\x"', '"\\u12"', '"a\u0001"', 'nul', '[1] 2', '{"a":1,}', '"open'];
  for (const text of bad) {
    const err = t.throws(() => parseJson(text), JsonSyntaxError, JSON.stringify(text)) as JsonSyntaxError;
    t.type(err.position, 'number');
  }
  t.throws(() => parseJson('['.repeat(2000) + ']'.repeat(2000)), /Nesting deeper/);
});

t.test('unsupported values are refused with their path', async (t) => {
  t.throws(() => dumpsForHash({ a: [undefined as unknown as JsonValue] }), /\$\.a\[0\].*undefined/);
  t.throws(() => dumpsForHash({ d: new Date() as unknown as JsonValue }), /\$\.d.*Date/);
  const cyclic: Record<string, JsonValue> = {};
  cyclic.self = cyclic;
  t.throws(() => dumpsForHash(cyclic), /deeper than|cyclic/);
});

t.test('toPlainJson makes values JSON.stringify-safe', async (t) => {
  const v = parseJson('{"a": 1.0, "b": 123456789012345678901234567890, "c": 9007199254740993, "d": [2]}');
  t.equal(JSON.stringify(toPlainJson(v)), '{"a":1,"b":"123456789012345678901234567890","c":"9007199254740993","d":[2]}');
  t.equal(JSON.stringify({ x: new PyFloat(2) }), '{"x":2}');
});
