/**
 * quilt3's entry order ("walk order").
 *
 * quilt3 keeps a package as a tree and `Package.walk()` visits it depth-first, each directory's children
 * sorted by name (`sorted(self._children.items())`): a file by its name, a directory by its name
 * *without* the slash. The top hash is computed over entries in that order and manifests are written in
 * it, so a package built here must use it too.
 *
 * It is not plain string order of the logical keys: in `demo/ordering` the directory `a` sorts before
 * the file `a-b.txt` (name "a" is a prefix of "a-b.txt"), so `a/b/c.txt` and `a/b.txt` come before
 * `a-b.txt` even though '/' (0x2F) sorts after '-' (0x2D) and '.' (0x2E). Equivalently: compare the
 * keys' '/'-separated segment lists lexicographically, each segment by code point.
 */
import { compareUnitsAt } from './codepoint.js';

const SLASH = 0x2f;

/**
 * Sort comparator for logical keys in quilt3 walk order. Allocation-free: at the first differing code
 * unit, a segment that has ended (at '/' or at the end of the key) sorts before one that goes on.
 */
export function compareLogicalKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const ca = i < a.length ? a.charCodeAt(i) : -1;
  const cb = i < b.length ? b.charCodeAt(i) : -1;
  const endA = ca === -1 || ca === SLASH;
  const endB = cb === -1 || cb === SLASH;
  if (endA && endB) return ca === -1 ? -1 : 1; // same segment; the key that stops here is shallower
  if (endA) return -1;
  if (endB) return 1;
  return compareUnitsAt(a, b, i, ca, cb);
}

export class LogicalKeyError extends Error {
  override readonly name = 'LogicalKeyError';
}

/** An empty, "." or ".." segment anywhere in a key (or an empty key). */
const BAD_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** quilt3's `validate_key`: non-empty, and no segment is empty, `.` or `..`. */
export function validateLogicalKey(key: string): void {
  if (key === '') throw new LogicalKeyError('Invalid logical key "": a package entry key cannot be empty');
  if (BAD_SEGMENT.test(key)) {
    throw new LogicalKeyError(`Invalid logical key ${JSON.stringify(key)}: segments cannot be empty, "." or ".." (no leading, trailing or doubled "/")`);
  }
}

/**
 * Checks, one key at a time, that keys arrive in strict walk order and, for files, that no key is both
 * a file and a directory. Only the previous key is kept: if `p` is a file, every key under `p/` sorts
 * right after it, so a conflict always shows between neighbours. Directory keys (given without their
 * trailing slash) nest legitimately.
 */
export class WalkOrderGuard {
  private previous: string | undefined;

  constructor(private readonly what: 'entry' | 'directory' = 'entry') {}

  accept(key: string): void {
    const prev = this.previous;
    if (prev !== undefined) {
      const cmp = compareLogicalKeys(prev, key);
      if (cmp === 0) throw new LogicalKeyError(`Duplicate ${this.what} logical key ${JSON.stringify(key)}`);
      if (cmp > 0) {
        throw new LogicalKeyError(
          `${capitalise(this.what)} ${JSON.stringify(key)} is out of walk order (after ${JSON.stringify(prev)}); sort entries with compareLogicalKeys`,
        );
      }
      if (this.what === 'entry' && key.startsWith(prev) && key.charCodeAt(prev.length) === SLASH) {
        throw new LogicalKeyError(`${JSON.stringify(prev)} is both a file and a directory (${JSON.stringify(key)})`);
      }
    }
    this.previous = key;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
