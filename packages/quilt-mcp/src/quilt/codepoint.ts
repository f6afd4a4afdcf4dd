/**
 * Code-point string ordering, as Python's `str` comparison (and S3's UTF-8 binary key order) sees it.
 *
 * JS compares strings by UTF-16 code unit, which puts astral characters (stored as surrogates
 * U+D800–U+DFFF) *before* U+E000–U+FFFF; by code point they come after. Lone surrogates are their
 * own code points (Python keeps them in `str`), so they sort by their unit value.
 */

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * The code point of `s` that contains code unit `i`, given that `s[0..i)` is shared with the other
 * string being compared (so a high surrogate at `i - 1` belongs to both strings identically).
 */
function codePointContaining(s: string, i: number): number {
  const unit = s.charCodeAt(i);
  if (isHighSurrogate(unit) && i + 1 < s.length) {
    const next = s.charCodeAt(i + 1);
    if (isLowSurrogate(next)) return 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
  } else if (isLowSurrogate(unit) && i > 0) {
    const prev = s.charCodeAt(i - 1);
    if (isHighSurrogate(prev)) return 0x10000 + ((prev - 0xd800) << 10) + (unit - 0xdc00);
  }
  return unit;
}

/** Compares the code units `a` and `b` found at the first index `i` where two strings differ. */
export function compareUnitsAt(x: string, y: string, i: number, a: number, b: number): number {
  // Outside the surrogate range a code unit is its code point.
  if ((a < 0xd800 || a > 0xdfff) && (b < 0xd800 || b > 0xdfff)) return a - b;
  return codePointContaining(x, i) - codePointContaining(y, i);
}

/** Negative, zero or positive as `a` sorts before, equal to or after `b` by code point. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return compareUnitsAt(a, b, i, ca, cb);
  }
  return a.length - b.length;
}
