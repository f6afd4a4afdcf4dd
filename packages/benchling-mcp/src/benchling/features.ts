/**
 * Benchling's feature coordinates (annotations, translations, parts, primers): "start: 0-based inclusive start
 * index", "end: 0-based exclusive end index. The end of the sequence is always represented as 0." A feature on
 * a circular sequence may also run across the origin (start > end). The tools speak plain half-open ranges:
 * ends are 1..length, so `bases.slice(start, end)` is the feature (for one that does not cross the origin).
 */

/** A plain exclusive end from Benchling's: 0 means the end of the sequence. */
export function plainEnd(end: number | null, length: number | null): number | null {
  if (end === null) return null;
  return end === 0 && length !== null && length > 0 ? length : end;
}

/** Benchling's end for a plain exclusive end: the end of the sequence is written 0. */
export function benchlingEnd(end: number, length: number): number {
  return end === length ? 0 : end;
}
