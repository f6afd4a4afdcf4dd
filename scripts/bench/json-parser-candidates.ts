// Compares quilt-mcp's exact JSON parser (packages/quilt-mcp/src/quilt/json-parse.ts) with the npm libraries
// that parse JSON without losing numbers, for fidelity to Python's `json` (what quilt3 reads and writes) and
// for speed on manifest lines. The candidates are not project dependencies; install them anywhere first:
//   npm install --prefix /tmp/json-candidates lossless-json@4.3.3 json-bigint@1.0.0 safe-stable-stringify@3.0.0 canonicalize@5.1.0
//   node --import=tsx scripts/bench/json-parser-candidates.ts --candidates /tmp/json-candidates [--lines 100000] [--rounds 7]
//
// Fidelity: each vector is parsed, then written back with dumpsForManifest (Python's
// `json.dumps(..., ensure_ascii=False)`), and compared with what CPython 3 prints for
// `json.dumps(json.loads(vector), ensure_ascii=False)`. Each library gets the best adapter it allows: a
// number callback that builds the same model as our parser (int / big int / PyFloat / float).
// Speed: lines shaped like scripts/bench/manifest-throughput.ts's (one in five with a float in its user
// metadata), as a manifest reader sees them; "exact lines" are the ones needsExactParser sends to the exact
// parser (the others take JSON.parse in the reader). Rounds are interleaved; the median and best lines per
// CPU-second are printed, with the ratio to our parser.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseJson } from '../../packages/quilt-mcp/src/quilt/json-parse.js';
import { type JsonValue, PY_INT_NUMBER_LIMIT, PyFloat } from '../../packages/quilt-mcp/src/quilt/json-value.js';
import { needsExactParser } from '../../packages/quilt-mcp/src/quilt/manifest-line.js';
import { dumpsForHash, dumpsForManifest } from '../../packages/quilt-mcp/src/quilt/python-json.js';

type Parse = (text: string) => unknown;

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const candidatesDir = arg('--candidates');
if (candidatesDir === undefined) {
  console.error('--candidates <dir> is required: the folder where lossless-json and json-bigint are installed (see the header).');
  process.exit(2);
}
const lineCount = Number(arg('--lines') ?? 100_000);
const rounds = Number(arg('--rounds') ?? 7);
const requireCandidate = createRequire(path.join(path.resolve(candidatesDir), 'package.json'));

function version(name: string): string {
  const file = path.join(path.resolve(candidatesDir ?? '.'), 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Our model from a number lexeme, as json-parse.ts builds it. */
function fromLexeme(lexeme: string): JsonValue {
  if (!/[.eE]/.test(lexeme)) {
    const big = BigInt(lexeme);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) || 0 : big;
  }
  const value = Number(lexeme);
  return Number.isInteger(value) && Math.abs(value) < PY_INT_NUMBER_LIMIT ? new PyFloat(value) : value;
}

const losslessJson = requireCandidate('lossless-json') as { parse: (text: string, reviver?: null, parseNumber?: (lexeme: string) => unknown) => unknown };
const jsonBigint = (requireCandidate('json-bigint') as (options: object) => { parse: Parse })({ useNativeBigInt: true });

const PARSERS: [string, Parse][] = [
  ['json-parse.ts (ours)', (t) => parseJson(t)],
  [`lossless-json@${version('lossless-json')}`, (t) => losslessJson.parse(t, null, fromLexeme)],
  [`json-bigint@${version('json-bigint')}`, (t) => jsonBigint.parse(t)],
  ['JSON.parse (reference)', (t) => JSON.parse(t)],
];

/** [vector, CPython 3's json.dumps(json.loads(vector), ensure_ascii=False)] */
const VECTORS: [string, string][] = [
  ['[1.0, 2, -0.0, -0, 1e2, 1.5e300]', '[1.0, 2, -0.0, 0, 100.0, 1.5e+300]'],
  ['[12345678901234567890, 9007199254740993, 1e16, 1.0e17]', '[12345678901234567890, 9007199254740993, 1e+16, 1e+17]'],
  ['[0.7142857142857143, 1e-7]', '[0.7142857142857143, 1e-07]'],
  ['[NaN, Infinity, -Infinity]', '[NaN, Infinity, -Infinity]'],
  ['{"a": 1, "b": 2, "a": 3}', '{"a": 3, "b": 2}'],
  ['{"b": 1, "10": 2, "2": 3}', '{"b": 1, "10": 2, "2": 3}'],
  ['{"k": "\\u00e9\\ud83d\\ude00"}', '{"k": "é😀"}'],
  ['{"__proto__": {"x": 1}}', '{"__proto__": {"x": 1}}'],
];

function fidelity(): void {
  console.log('Fidelity (parsed, then written back as Python json.dumps does; "ok" = byte-identical to CPython):');
  for (const [name, parse] of PARSERS) {
    let ok = 0;
    const misses: string[] = [];
    for (const [vector, python] of VECTORS) {
      let got: string;
      try {
        got = dumpsForManifest(parse(vector) as JsonValue);
      } catch (err) {
        got = `throws: ${(err as Error).message.slice(0, 60)}`;
      }
      if (got === python) ok++;
      else misses.push(`    ${vector}  →  ${got}   (Python: ${python})`);
    }
    console.log(`  ${name.padEnd(24)} ${ok}/${VECTORS.length} ok`);
    for (const m of misses) console.log(m);
  }
}

/** Lines like manifest-throughput.ts's manifest lines. */
function manifestLines(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = String(Math.floor(i / 1000)).padStart(4, '0');
    const key = `run-${dir}/sample-${String(i).padStart(7, '0')}.fastq.gz`;
    out.push(
      dumpsForManifest({
        logical_key: key,
        physical_keys: [`s3://bench-bucket/data/${key}?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY`],
        size: (i * 7919) % 100_000_000,
        hash: { type: 'sha2-256-chunked', value: Buffer.alloc(32, i % 251).toString('base64') },
        meta: i % 5 === 0 ? { user_meta: { sample: `S-${i}`, score: i % 35 === 0 ? new PyFloat(i / 7) : i / 7, reads: i * 3 } } : {},
      }),
    );
  }
  return out;
}

function cpuSecondsFor(parse: Parse, lines: string[]): number {
  const started = process.cpuUsage();
  for (const line of lines) parse(line);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function speed(label: string, lines: string[]): void {
  const usable: [string, Parse][] = [];
  const failing: string[] = [];
  for (const [name, parse] of PARSERS) {
    let failures = 0;
    let first = '';
    for (const line of lines) {
      try {
        parse(line);
      } catch (err) {
        if (failures++ === 0) first = (err as Error).message.slice(0, 70);
      }
    }
    if (failures === 0) usable.push([name, parse]);
    else failing.push(`  ${name.padEnd(24)} fails on ${fmt(failures)} of the lines (${first}): not timed`);
  }
  const perRound = new Map<string, number[]>(usable.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, parse] of usable) perRound.get(name)?.push(lines.length / cpuSecondsFor(parse, lines));
  }
  const ours = median(perRound.get(PARSERS[0]![0]) ?? []);
  console.log(`\n${label}: ${fmt(lines.length)} lines, ${rounds} interleaved rounds, lines per CPU-second`);
  console.log('  parser                      median        best   vs ours (median)');
  for (const [name] of usable) {
    const xs = perRound.get(name) ?? [];
    console.log(`  ${name.padEnd(24)} ${fmt(median(xs)).padStart(11)} ${fmt(Math.max(...xs)).padStart(11)}   ${(median(xs) / ours).toFixed(2)}x`);
  }
  for (const line of failing) console.log(line);
}

/**
 * The writing side: quilt3 hashes `json.dumps(v, sort_keys=True, separators=(',', ':'))` (ensure_ascii on).
 * The stable-stringify libraries get the value with PyFloats as numbers and big ints as bigints, the most
 * they can take (canonicalize, RFC 8785, takes no bigint: it gets big ints as numbers).
 */
async function encoderFidelity(): Promise<void> {
  const vector = '{"b": [1.0, 2, 1e16, 1e-7, 0.1, 12345678901234567890], "a": "\\u00e9\\ud83d\\ude00\\u007f", "\\ue000": 1, "\\ud83d\\ude00": 2}';
  // CPython 3: json.dumps(json.loads(vector), sort_keys=True, separators=(',', ':'))
  const python = String.raw`{"a":"\u00e9\ud83d\ude00\u007f","b":[1.0,2,1e+16,1e-07,0.1,12345678901234567890],"\ue000":1,"\ud83d\ude00":2}`;
  const model = parseJson(vector);
  const loose = (v: JsonValue): unknown =>
    v instanceof PyFloat
      ? v.value
      : Array.isArray(v)
        ? v.map(loose)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, loose(x)]))
          : v;
  const load = async (name: string): Promise<Record<string, unknown>> =>
    (await import(pathToFileURL(requireCandidate.resolve(name)).href)) as Record<string, unknown>;
  const sssModule = await load('safe-stable-stringify');
  const sss = (sssModule.configure === undefined ? sssModule.default : sssModule) as { configure: (o: object) => (v: unknown) => string };
  const canonicalize = (await load('canonicalize')).default as (v: unknown) => string;
  const encoders: [string, () => string][] = [
    ['python-json.ts (ours)', () => dumpsForHash(model)],
    [`safe-stable-stringify@${version('safe-stable-stringify')}`, () => sss.configure({ bigint: true, deterministic: true })(loose(model))],
    // canonicalize throws on a bigint: it gets big ints as (inexact) numbers.
    [
      `canonicalize@${version('canonicalize')}`,
      () => canonicalize(JSON.parse(JSON.stringify(loose(model), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))),
    ],
  ];
  console.log(`\nHash encoding of ${vector}\n  CPython 3:                   ${python}`);
  for (const [name, encode] of encoders) {
    let got: string;
    try {
      got = encode();
    } catch (err) {
      got = `throws: ${(err as Error).message.slice(0, 70)}`;
    }
    console.log(`  ${name.padEnd(28)} ${got === python ? 'identical' : got}`);
  }
}

console.log(`node ${process.version}`);
fidelity();
await encoderFidelity();
const lines = manifestLines(lineCount);
speed('All manifest lines', lines);
speed('Exact lines (the ones needsExactParser sends to the exact parser)', lines.filter(needsExactParser));
