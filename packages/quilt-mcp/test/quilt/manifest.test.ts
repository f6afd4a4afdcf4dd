import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  computeManifestTopHash,
  type ManifestEntry,
  ManifestError,
  type ManifestHeader,
  type ManifestItem,
  type ManifestRecord,
  ManifestWriter,
  readManifest,
  readManifestBatches,
  readManifestHeader,
  writeManifest,
} from '../../src/quilt/manifest.js';
import { computeTopHash } from '../../src/quilt/top-hash.js';
import { compareLogicalKeys } from '../../src/quilt/walk-order.js';
import { chunked, MemorySink } from './helpers.js';

/**
 * A manifest written by CPython the way quilt3 writes one, with every awkward value (floats that look
 * like ints, big ints, NaN, U+2028, astral keys, array-index keys out of order, directory metadata)
 * and its top hash computed by the quilt3 algorithm (fixtures/tricky-manifest.gen.py).
 */
const tricky = readFileSync(new URL('../fixtures/tricky-manifest.jsonl', import.meta.url));
const trickyTopHash = readFileSync(new URL('../fixtures/tricky-manifest.top_hash', import.meta.url), 'utf8').trim();

function source(text: string | Buffer, chunkSize = 16): AsyncIterable<Uint8Array> {
  return chunked(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, chunkSize);
}

async function records(text: string | Buffer, options = {}, chunkSize = 16): Promise<ManifestRecord[]> {
  const out: ManifestRecord[] = [];
  for await (const r of readManifest(source(text, chunkSize), options)) out.push(r);
  return out;
}

function split(recs: ManifestRecord[]): { header: ManifestHeader; items: ManifestItem[]; entries: ManifestEntry[] } {
  const first = recs[0];
  if (first?.kind !== 'header') throw new Error('no header');
  const items: ManifestItem[] = [];
  const entries: ManifestEntry[] = [];
  for (const r of recs.slice(1)) {
    if (r.kind === 'entry') {
      items.push({ entry: r.entry });
      entries.push(r.entry);
    } else if (r.kind === 'directory') items.push({ directory: r.directory });
  }
  return { header: first.header, items, entries };
}

const header = '{"version": "v0", "message": "m"}\n';
const entry = (key: string, extra = ''): string =>
  `{"logical_key": ${JSON.stringify(key)}, "physical_keys": ["s3://b/${key}"], "size": 1, "hash": {"type": "sha2-256-chunked", "value": "x"}, "meta": {}${extra}}\n`;

t.test('a CPython-written manifest: top hash, records, byte-exact rewrite', async (t) => {
  for (const chunkSize of [1, 7, 4096, tricky.length]) {
    const recs = await records(tricky, { expectedTopHash: trickyTopHash }, chunkSize);
    const { header: h, items, entries } = split(recs);
    t.equal(await computeTopHash(h, entries), trickyTopHash, `top hash (chunks of ${chunkSize})`);
    t.equal(items.filter((i) => 'directory' in i).length, 2, 'directory metadata records');
    t.equal(entries.length, 10);
    t.equal(entries.find((e) => e.logical_key.includes('\u2028'))?.logical_key, 'line\u2028sep.txt', 'U+2028 stays inside a line');
    const sink = new MemorySink();
    const summary = await writeManifest(sink, h, items);
    t.ok(sink.bytes().equals(tricky), 'rewritten byte-for-byte');
    t.equal(summary.topHash, trickyTopHash);
  }
});

t.test('directory metadata is not hashed', async (t) => {
  const withDir = `${header}{"logical_key": "d/", "meta": {"x": 1}}\n${entry('d/f')}`;
  const withoutDir = `${header}${entry('d/f')}`;
  const a = split(await records(withDir));
  const b = split(await records(withoutDir));
  t.equal(await computeTopHash(a.header, a.entries), await computeTopHash(b.header, b.entries));
  t.same(a.items[0], { directory: { logical_key: 'd/', meta: { x: 1 } } });
});

t.test('header: top_hash dropped, message typed, version required', async (t) => {
  const [first] = await records('{"version": "v0", "top_hash": "abc", "message": null}\n');
  t.same(first, { kind: 'header', line: 1, header: { version: 'v0', message: null } });
  await t.rejects(records('{"message": "x"}\n'), /line 1: the header has no "version"/);
  await t.rejects(records('{"version": "v0", "message": 3}\n'), /"message" must be a string or null/);
  await t.rejects(records(''), /empty/);
});

t.test('no trailing newline and CRLF are fine', async (t) => {
  t.equal((await records(header + entry('a').trimEnd())).length, 2);
  t.equal((await records((header + entry('a')).replaceAll('\n', '\r\n'))).length, 2);
});

t.test('bad lines are reported with their line number', async (t) => {
  const cases: [string, RegExp][] = [
    [`${header}\n${entry('a')}`, /line 2: blank line/],
    [`${header}[1]\n`, /line 2: expected a JSON object/],
    [`${header}{"logical_key": "a", "physical_keys": ["x"], "size": 1, "hash": {"type": "t", "value": "v"}\n`, /line 2: invalid JSON/],
    [`${header}{"physical_keys": ["x"], "meta": {}}\n`, /line 2: missing or non-string "logical_key"/],
    [`${header}${entry('../etc/passwd')}`, /line 2: Invalid logical key/],
    [`${header}${entry('a//b')}`, /line 2: Invalid logical key/],
    [`${header}${entry('a').replace('"size": 1', '"size": -1')}`, /"size" must be a non-negative integer/],
    [`${header}${entry('a').replace('"size": 1', '"size": 1.0')}`, /"size" must be a non-negative integer/],
    [`${header}${entry('a').replace('"hash": {"type": "sha2-256-chunked", "value": "x"}', '"hash": "x"')}`, /"hash" must be an object/],
    [`${header}${entry('a').replace('"meta": {}', '"meta": "x"')}`, /"meta" must be an object/],
    [`${header}${entry('a').replace(', "meta": {}', '')}`, /has no "meta"/],
    [`${header}{"logical_key": "d", "meta": {}}\n`, /directory metadata key "d" must end with/],
  ];
  for (const [text, pattern] of cases) await t.rejects(records(text), pattern, String(pattern));
  const err = await records(`${header}${entry('a')}{`).catch((e: unknown) => e);
  t.type(err, ManifestError);
  t.equal((err as ManifestError).line, 3);
});

t.test('meta null reads as {} (quilt3: meta or {})', async (t) => {
  const recs = await records(header + entry('a').replace('"meta": {}', '"meta": null'));
  t.same((recs[1] as { entry: ManifestEntry }).entry.meta, {});
});

t.test('invalid UTF-8 is refused, not replaced', async (t) => {
  const bytes = Buffer.concat([Buffer.from(header + entry('a')), Buffer.from('{"version": "\xff"}\n', 'latin1')]);
  await t.rejects(records(bytes), /line 3: not valid UTF-8/);
});

t.test('line length is bounded while reading', async (t) => {
  let pulled = 0;
  async function* endless(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(header);
    for (;;) {
      pulled++;
      yield Buffer.alloc(1024 * 1024, 0x20);
    }
  }
  await t.rejects(
    (async () => {
      for await (const r of readManifest(endless(), { maxLineBytes: 4 * 1024 * 1024 })) void r;
    })(),
    /line 2: longer than the 4194304-byte line limit/,
  );
  t.ok(pulled <= 5, `stopped after ${pulled} MiB`);
  await t.rejects(records(`${header}${entry('a'.repeat(200))}`, { maxLineBytes: 100 }), /line 2: longer than the 100-byte/);
});

t.test('expectedTopHash is checked at the end', async (t) => {
  await t.rejects(records(tricky, { expectedTopHash: '0'.repeat(64) }), /Top hash mismatch/);
  // Browsing an unsorted manifest works; verifying it can't, since the hash needs walk order.
  const unsorted = header + entry('b') + entry('a');
  t.equal((await records(unsorted)).length, 3);
  await t.rejects(records(unsorted, { expectedTopHash: '0'.repeat(64) }), /line 3: can't verify the top hash: Entry "a" is out of walk order/);
});

t.test('readManifestHeader stops after line 1', async (t) => {
  let pulls = 0;
  async function* lines(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(header);
    pulls++;
    throw new Error('read past the header');
  }
  t.same(await readManifestHeader(lines()), { version: 'v0', message: 'm' });
  t.equal(pulls, 0);
});

t.test('batches hold whole chunks of records', async (t) => {
  const text = header + ['a', 'b', 'c'].map((k) => entry(k)).join('');
  const batches: number[] = [];
  for await (const batch of readManifestBatches(source(text, text.length))) batches.push(batch.length);
  t.same(batches, [4]);
});

t.test('writer refuses what quilt3 would not write', async (t) => {
  const base: ManifestEntry = { logical_key: 'a', physical_keys: ['s3://b/a'], size: 1, hash: { type: 'SHA256', value: 'x' }, meta: {} };
  const w = new ManifestWriter({ version: 'v0', message: null });
  t.equal(w.headerLine, '{"version": "v0", "message": null}\n');
  w.entry({ ...base, logical_key: 'b' });
  t.throws(() => w.entry(base), /out of walk order/);
  t.throws(() => w.entry({ ...base, logical_key: 'b' }), /Duplicate/);
  t.throws(() => w.directory({ logical_key: 'x/', meta: {} }), /before the entries/);
  t.throws(() => w.entry({ ...base, logical_key: 'c', physical_keys: [] }), /no physical key/);
  t.throws(() => w.entry({ ...base, logical_key: 'c', size: -1 }), /invalid size/);
  t.throws(() => w.entry({ ...base, logical_key: 'c/' }), /Invalid logical key/);
  t.throws(() => w.entry({ ...base, logical_key: 'c', meta: { s: '\uD800' } }), /lone surrogate/);
  w.entry({ ...base, logical_key: 'c' }); // the rejected entries left no trace
  t.equal(w.finish().entries, 2);

  t.throws(() => new ManifestWriter({ version: 'v0', top_hash: 'x' }), /top_hash/);
  t.throws(() => new ManifestWriter({ message: 'x' } as unknown as ManifestHeader), /version/);

  const small = new ManifestWriter({ version: 'v0' }, { maxRecordBytes: 200 });
  t.throws(
    () => small.entry({ ...base, meta: { user_meta: { note: 'x'.repeat(300) } } }),
    /The entry "a" would make a manifest record of \d+ bytes; quilt3 reads records of at most 200$/,
  );
  t.throws(
    () => new ManifestWriter({ version: 'v0', user_meta: { big: 'x'.repeat(1_000_001) } }),
    /The package metadata would make a manifest record of 10000\d\d bytes; quilt3 reads records of at most 1000000$/,
  );
});

t.test('writeManifest respects back-pressure', async (t) => {
  const sink = new MemorySink({ highWaterMark: 16 });
  const entries = Array.from({ length: 5000 }, (_, i) => ({
    entry: { logical_key: `k${String(i).padStart(5, '0')}`, physical_keys: ['s3://b/x'], size: i, hash: { type: 'SHA256', value: 'v' }, meta: {} },
  }));
  const summary = await writeManifest(sink, { version: 'v0', message: null }, entries);
  t.equal(summary.entries, 5000);
  t.equal(summary.bytes, sink.bytes().length);
  t.equal((await records(sink.bytes())).length, 5001);
  // One big chunk is cut into blocks at newlines; every record still comes out once, in order.
  const whole = await records(sink.bytes(), {}, sink.bytes().length);
  t.equal(whole.length, 5001);
  t.same(
    whole.map((r) => r.line),
    Array.from({ length: 5001 }, (_, i) => i + 1),
  );
  t.equal((await computeManifestTopHash(source(sink.bytes(), sink.bytes().length))).topHash, summary.topHash);
});

t.test('computeManifestTopHash agrees with the record path', async (t) => {
  const fast = await computeManifestTopHash(source(tricky, 100));
  t.equal(fast.topHash, trickyTopHash);
  t.equal(fast.entries, 10);
  t.equal(fast.header.message, 'tricky \u2028 message');

  // Random entries in quilt3's layout and off it (escapes, nulls, odd meta), hashed both ways.
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['a', 'é', '日本', '\u{1F600}', '"', '\\', '\n', ' ', '\u2028', '-', '0'];
  const metas = ['{}', 'null', '{"user_meta": {"x": 1.0}}', '{"user_meta": {"x": 1.5, "1": [true, null]}}', '{"a": {"b": {}}}', '{"n": 12345678901234567890}'];
  for (let round = 0; round < 20; round++) {
    const keys = new Set<string>();
    while (keys.size < 30) keys.add(`${pieces[rand(4)]}${rand(50)}/${Array.from({ length: 1 + rand(3) }, () => pieces[rand(pieces.length)]).join('')}`);
    const sorted = [...keys].sort(compareLogicalKeys);
    let text = '{"version": "v0", "message": "r"}\n';
    for (const key of sorted) {
      const raw = JSON.stringify(key).replace(/[\u007f-\uffff]/g, (c) => (rand(2) === 0 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      text += `{"logical_key": ${raw}, "physical_keys": ["s3://b/${rand(9)}"], "size": ${rand(1000)}, "hash": {"type": "sha2-256-chunked", "value": "v${rand(99)}"}, "meta": ${metas[rand(metas.length)]}}\n`;
    }
    const viaRecords = split(await records(text));
    const expectedHash = await computeTopHash(viaRecords.header, viaRecords.entries);
    const summary = await computeManifestTopHash(source(text, 64));
    t.equal(summary.topHash, expectedHash, `round ${round}`);
    t.equal(
      summary.totalSize,
      viaRecords.entries.reduce((n, e) => n + e.size, 0),
    );
  }
});

t.test('computeManifestTopHash reports bad lines like the reader', async (t) => {
  await t.rejects(computeManifestTopHash(source(header + entry('b') + entry('a'))), /line 3: can't verify the top hash: Entry "a" is out of walk order/);
  await t.rejects(computeManifestTopHash(source(header + entry('../x'))), /line 2: Invalid logical key/);
  await t.rejects(computeManifestTopHash(source(header + entry('a').replace('"meta": {}', '"meta": []'))), /line 2: "a": "meta" must be an object/);
  await t.rejects(computeManifestTopHash(source(header + entry('a').replace('"meta": {}', '"meta": {}}'))), /line 2: invalid JSON/);
  await t.rejects(computeManifestTopHash(source('')), /empty/);
});
