/**
 * Physical keys: where a manifest entry's bytes are, as quilt3 writes them.
 * - `s3://bucket/percent-encoded/key[?versionId=...]` (quilt3 `PhysicalKey.__str__`: `quote(path)`);
 * - `file:///percent-encoded/absolute/path` (`pathname2url`).
 * quilt3 reads both with `unquote`, so raw (unencoded) Unicode keys, as in hand-edited manifests, read too.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** `unquote`: percent escapes decoded as UTF-8; text that is not a valid escape sequence is kept as it is. */
export function pyUnquote(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function formatS3PhysicalKey(bucket: string, key: string, versionId?: string): string {
  return `s3://${bucket}/${pyQuote(key)}${versionId === undefined ? '' : `?versionId=${pyQuote(versionId).replace(/\//g, '%2F')}`}`;
}

export function formatFilePhysicalKey(absolutePath: string): string {
  return `file://${pyQuote(absolutePath)}`;
}

export function parsePhysicalKey(physicalKey: string): ParsedPhysicalKey {
  if (physicalKey.startsWith('s3://')) {
    const rest = physicalKey.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const pathAndQuery = slash === -1 ? '' : rest.slice(slash + 1);
    const q = pathAndQuery.indexOf('?');
    const rawKey = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
    const query = q === -1 ? '' : pathAndQuery.slice(q + 1);
    const key = pyUnquote(rawKey);
    if (bucket === '' || key === '')
      throw new RegistryRequestError(`Physical key ${JSON.stringify(physicalKey)} names no object (expected s3://bucket/key)`, 'bad_physical_key');
    const versionId = new URLSearchParams(query).get('versionId') ?? undefined;
    return { kind: 's3', bucket, key, ...(versionId ? { versionId } : {}) };
  }
  if (physicalKey.startsWith('file:')) {
    let p: string;
    try {
      p = fileURLToPath(new URL(physicalKey));
    } catch {
      throw new RegistryRequestError(`Physical key ${JSON.stringify(physicalKey)} is not a local file URL (file:///absolute/path)`, 'bad_physical_key');
    }
    if (!path.isAbsolute(p)) throw new RegistryRequestError(`Physical key ${JSON.stringify(physicalKey)} is not absolute`, 'bad_physical_key');
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
