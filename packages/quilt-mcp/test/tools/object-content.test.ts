/** Text windows on UTF-8 boundaries, binary detection, and physical key parsing/formatting. */

import { Readable } from 'node:stream';
import t from 'tap';
import type { ByteRange, GetResult } from '../../src/quilt/index.js';
import { formatFilePhysicalKey, formatS3PhysicalKey, keyInside, parsePhysicalKey, pyQuote } from '../../src/registry/physical-keys.js';
import { looksLikeText, readContent } from '../../src/tools/object-content.js';

function reader(bytes: Buffer) {
  const reads: (ByteRange | undefined)[] = [];
  const read = async (range: ByteRange | undefined): Promise<GetResult> => {
    reads.push(range);
    const start = range?.offset ?? 0;
    const end = range?.length === undefined ? bytes.length : Math.min(bytes.length, start + range.length);
    const slice = bytes.subarray(start, end);
    return { key: 'k', size: bytes.length, contentLength: slice.length, body: Readable.from([slice]) };
  };
  return { read, reads };
}

t.test('text windows never split a character and join up exactly', async (t) => {
  const text = 'naïve café — 日本語 😀 end\n'.repeat(20);
  const bytes = Buffer.from(text, 'utf8');
  for (const size of [1, 2, 3, 5, 7, 64]) {
    let offset = 0;
    let joined = '';
    let broken = 0;
    let stuck = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      const { read } = reader(bytes);
      const w = await readContent('notes.txt', bytes.length, read, { offset, max_bytes: size, as: 'auto' });
      if (w.text?.includes('\ufffd')) broken++;
      joined += w.text;
      if (w.next_offset === null) break;
      if (w.next_offset <= offset) stuck++;
      offset = w.next_offset;
    }
    t.equal(broken, 0, `windows of ${size} bytes never split a character`);
    t.equal(stuck, 0, 'every window moves on');
    t.equal(joined, text, `windows of ${size} bytes join up`);
  }
  const { read } = reader(bytes);
  const mid = await readContent('notes.txt', bytes.length, read, { offset: 2 + 1, max_bytes: 10, as: 'auto' }); // inside "ï"
  t.equal(mid.offset, 4, 'a window starting inside a character moves to the next one');
});

t.test('binary detection and heads', async (t) => {
  t.notOk(looksLikeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), false), 'NUL');
  t.notOk(looksLikeText(Buffer.alloc(100, 7), false), 'control characters');
  t.notOk(looksLikeText(Buffer.from([0xff, 0xfe, 0x41]), false), 'invalid UTF-8');
  t.ok(looksLikeText(Buffer.from('héllo', 'utf8').subarray(0, 2), true), 'a character cut at the end of a sniff');
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(5000, 0)]);
  const { read, reads } = reader(png);
  const out = await readContent('image.dat', png.length, read, { offset: 0, max_bytes: 65536, as: 'auto' });
  t.match(out, { is_text: false, text: null, size: 5008, head_hex: /^89504e47/ });
  t.equal(out.head_hex?.length, 128);
  t.ok(
    reads.every((r) => r !== undefined && (r.length ?? Infinity) <= 4096),
    'only small ranged reads',
  );
  const forced = await readContent('image.dat', png.length, reader(png).read, { offset: 0, max_bytes: 8, as: 'text' });
  t.equal(forced.is_text, true);
  const empty = await readContent('empty.txt', 0, reader(Buffer.alloc(0)).read, { offset: 0, max_bytes: 8, as: 'auto' });
  t.match(empty, { is_text: true, text: '', next_offset: null });
});

t.test('physical keys as quilt3 writes and reads them', async (t) => {
  t.equal(pyQuote('a b/ü~_.-!(x)'), 'a%20b/%C3%BC~_.-%21%28x%29');
  t.equal(formatS3PhysicalKey('bkt', 'dir/a b.csv'), 's3://bkt/dir/a%20b.csv');
  t.equal(formatS3PhysicalKey('bkt', 'k', 'v/1'), 's3://bkt/k?versionId=v%2F1');
  t.equal(formatFilePhysicalKey('/data/reg/日本.csv'), 'file:///data/reg/%E6%97%A5%E6%9C%AC.csv');
  t.same(parsePhysicalKey('s3://bkt/dir/a%20b.csv?versionId=abc'), { kind: 's3', bucket: 'bkt', key: 'dir/a b.csv', versionId: 'abc' });
  t.same(
    parsePhysicalKey('s3://quilt-vectors/demo/unicode/café/menü.txt'),
    { kind: 's3', bucket: 'quilt-vectors', key: 'demo/unicode/café/menü.txt' },
    'raw Unicode, as in the vectors',
  );
  t.same(parsePhysicalKey('file:///data/reg/%E6%97%A5%E6%9C%AC.csv'), { kind: 'file', path: '/data/reg/日本.csv' });
  t.same(parsePhysicalKey('file:///data/reg/../etc/passwd'), { kind: 'file', path: '/data/etc/passwd' });
  t.throws(() => parsePhysicalKey('https://example.com/x'), /Unsupported physical key/);
  t.throws(() => parsePhysicalKey('s3://bucket-only'), /names no object/);
  t.equal(keyInside('/data/reg', '/data/reg/a/b.csv'), 'a/b.csv');
  t.equal(keyInside('/data/reg', '/data/registry2/x'), undefined);
  t.equal(keyInside('/data/reg', '/data/reg'), undefined);
  t.equal(keyInside('/data/reg', '/etc/passwd'), undefined);
});
