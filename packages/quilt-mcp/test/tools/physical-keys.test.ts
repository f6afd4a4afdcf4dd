/** Physical keys read exactly as quilt3 reads them: cases and answers made by CPython 3.11 (fixtures/unquote-cases.gen.py). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parsePhysicalKey, pyUnquote } from '../../src/registry/physical-keys.js';
import { FIXTURES } from '../helpers/harness.js';

interface Cases {
  unquote: [string, string][];
  s3: { url: string; scheme: string; bucket: string; key: string; versionId: string | null; query_error: boolean }[];
  file: { url: string; netloc: string; path: string; query: string }[];
}
const cases = JSON.parse(readFileSync(path.join(FIXTURES, 'unquote-cases.json'), 'utf8')) as Cases;

t.test('pyUnquote is urllib.parse.unquote, escape by escape', async (t) => {
  t.ok(cases.unquote.length >= 30);
  for (const [input, expected] of cases.unquote) t.equal(pyUnquote(input), expected, JSON.stringify(input));
});

t.test('s3 physical keys: urlparse (a raw # starts an ignored fragment), unquote, parse_qs', async (t) => {
  for (const c of cases.s3) {
    if (c.scheme !== 's3') continue;
    if (c.query_error) {
      t.throws(() => parsePhysicalKey(c.url), /unexpected query string/, c.url);
      continue;
    }
    t.same(parsePhysicalKey(c.url), { kind: 's3', bucket: c.bucket, key: c.key, ...(c.versionId ? { versionId: c.versionId } : {}) }, c.url);
  }
  t.same(parsePhysicalKey('s3://bkt/a#b'), { kind: 's3', bucket: 'bkt', key: 'a' }, 'the fragment is not part of the key');
  t.same(parsePhysicalKey('s3://bkt/a%23b'), { kind: 's3', bucket: 'bkt', key: 'a#b' }, '%23 is a # in the key (how quilt3 writes one)');
});

t.test('file physical keys: unquote of the path (url2pathname on POSIX), fragment ignored, query refused', async (t) => {
  for (const c of cases.file) {
    if (c.query !== '') {
      t.throws(() => parsePhysicalKey(c.url), /query/, c.url);
      continue;
    }
    t.same(parsePhysicalKey(c.url), { kind: 'file', path: path.normalize(c.path) }, c.url);
  }
  t.throws(() => parsePhysicalKey('file:///data/a%00b'), /NUL/);
  t.throws(() => parsePhysicalKey('file://otherhost/x'), /another host/);
  t.throws(() => parsePhysicalKey('file:relative/x'), /absolute/);
});
