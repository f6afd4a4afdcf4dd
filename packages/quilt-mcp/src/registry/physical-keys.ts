/**
 * Physical keys: where a manifest entry's bytes are, as quilt3 writes them.
 * - `s3://bucket/percent-encoded/key[?versionId=...]` (quilt3 `PhysicalKey.__str__`: `quote(path)`);
 * - `file:///percent-encoded/absolute/path` (`pathname2url`).
 * quilt3 reads both with `urlparse` then `unquote` (`url2pathname` on POSIX), so raw (unencoded) Unicode keys, as
 * in hand-edited manifests, read too, and a raw `#` starts a fragment that is ignored (quilt3 writes `#` as %23).
 */
import path from 'node:path';
import { RegistryRequestError } from './errors.js';

export type ParsedPhysicalKey = { kind: 's3'; bucket: string; key: string; versionId?: string } | { kind: 'file'; path: string };

/** Python's `urllib.parse.quote(s, safe='/')`: UTF-8 bytes, everything but `A-Za-z0-9_.-~/` as `%XX`. */
export function pyQuote(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~/-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Python's `urllib.parse.unquote(s)`: each run of ASCII characters has its valid `%XX` escapes turned into bytes
 * (an invalid escape such as `%zz` or a lone `%` stays as it is), the run's bytes are decoded as UTF-8 with
 * invalid sequences replaced by U+FFFD (errors='replace'), and non-ASCII characters pass through unchanged.
 */
export function pyUnquote(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/[^\u0080-\uffff]+/g, (run) => {
    if (!run.includes('%')) return run;
    const parts = run.split('%');
    const bytes: number[] = [];
    const push = (text: string) => {
      for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i));
    };
    push(parts[0] as string);
    for (const part of parts.slice(1)) {
      const pair = part.slice(0, 2);
      if (HEX_PAIR.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        push(part.slice(2));
      } else {
        bytes.push(0x25);
        push(part);
      }
    }
    return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
  });
}

/**
 * Python's `urlsplit` of a URL whose scheme is already checked: `//netloc` up to the first `/`, `?` or `#`; then
 * the fragment from the first `#`, then the query from the first `?`.
 */
function splitUrl(rest: string): { netloc: string; path: string; query: string } {
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end === -1 ? '' : rest.slice(2 + end);
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return { netloc, path: q === -1 ? rest : rest.slice(0, q), query: q === -1 ? '' : rest.slice(q + 1) };
}

export function formatS3PhysicalKey(bucket: string, key: string, versionId?: string): string {
  return `s3://${bucket}/${pyQuote(key)}${versionId === undefined ? '' : `?versionId=${pyQuote(versionId).replace(/\//g, '%2F')}`}`;
}

export function formatFilePhysicalKey(absolutePath: string): string {
  return `file://${pyQuote(absolutePath)}`;
}

/** A physical key read as quilt3's `PhysicalKey.from_url` reads it. */
export function parsePhysicalKey(physicalKey: string): ParsedPhysicalKey {
  const bad = (why: string) => new RegistryRequestError(`Physical key ${JSON.stringify(physicalKey.slice(0, 200))} ${why}`, 'bad_physical_key');
  // urlsplit first strips leading C0 controls and spaces and removes tabs and newlines anywhere.
  let start = 0;
  while (start < physicalKey.length && physicalKey.charCodeAt(start) <= 0x20) start++;
  const url = physicalKey.slice(start).replace(/[\t\r\n]/g, '');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const { netloc, path: rawPath, query } = splitUrl(url.slice(3));
    const key = pyUnquote(rawPath).slice(1);
    if (netloc === '' || key === '') throw bad('names no object (expected s3://bucket/key)');
    // parse_qs: fields without a value are dropped; the first versionId counts; anything else is an error.
    const fields = [...new URLSearchParams(query)].filter(([, value]) => value !== '');
    const versionId = fields.find(([name]) => name === 'versionId')?.[1];
    if (fields.some(([name]) => name !== 'versionId')) throw bad('has an unexpected query string (only ?versionId= is allowed)');
    return { kind: 's3', bucket: netloc, key, ...(versionId ? { versionId } : {}) };
  }
  if (scheme === 'file') {
    const { netloc, path: rawPath, query } = splitUrl(url.slice(5));
    if (netloc !== '' && netloc !== 'localhost') throw bad('names another host (expected file:///absolute/path)');
    if (query !== '') throw bad('has a query string, which a file URL cannot have');
    const p = pyUnquote(rawPath);
    if (!p.startsWith('/') || !path.isAbsolute(p)) throw bad('is not an absolute local file URL (file:///absolute/path)');
    if (p.includes('\0')) throw bad('contains a NUL character');
    return { kind: 'file', path: path.normalize(p) };
  }
  throw new RegistryRequestError(
    `Unsupported physical key ${JSON.stringify(physicalKey.slice(0, 200))}: only s3:// and file:// are readable`,
    'bad_physical_key',
  );
}

/**
 * The key below `root` of an absolute path, or undefined when the path is not strictly inside it. Purely
 * lexical; the local store then resolves symlinks and refuses any that lead out.
 */
export function keyInside(root: string, absolutePath: string): string | undefined {
  const rel = path.relative(root, absolutePath);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  if (rel.split(path.sep).some((s) => s === '..')) return undefined;
  return rel.split(path.sep).join('/');
}

/** The key of `absolutePath` below the first of `roots` it lies strictly inside (a registry's real and configured root). */
export function keyInsideAny(roots: (string | undefined)[], absolutePath: string): string | undefined {
  for (const root of roots) {
    if (root === undefined) continue;
    const key = keyInside(root, absolutePath);
    if (key !== undefined) return key;
  }
  return undefined;
}
