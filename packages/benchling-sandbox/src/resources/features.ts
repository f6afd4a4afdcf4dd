import { badRequest } from '../http/errors.js';

/**
 * Feature coordinates, as every coordinate property of the spec describes them (DnaAnnotation, RnaAnnotation,
 * Translation and its regions, parts, primers, AaAnnotation): "start: 0-based inclusive start index", "end:
 * 0-based exclusive end index. The end of the sequence is always represented as 0."
 *
 * The store keeps the plain half-open range (end in 1..length), so slicing is simple; answers write an end at
 * the end of the sequence as 0, and requests may say 0 (Benchling's form) or the length (accepted; the
 * description is silent on it, see the README). On a circular sequence a feature may run across the origin:
 * start > end (e.g. start 90, end 10 on 100 bases). On a linear one that is refused.
 */
export interface Range {
  start: number;
  end: number;
}

/** The API's end for a stored end: the end of the sequence is 0. */
export function apiEnd(end: number, length: number): number {
  return end === length ? 0 : end;
}

/** A stored range rendered with the API's end convention. */
export function apiRange<T extends Range>(feature: T, length: number): T {
  return { ...feature, end: apiEnd(feature.end, length) };
}

/** A range from a request, checked against a sequence of `length` and turned into the stored form. */
export function storedRange(input: Range, length: number, isCircular: boolean, what: string): Range {
  const { start } = input;
  const end = input.end === 0 ? length : input.end;
  if (start < 0 || start >= length) throw badRequest(`${what}: start ${start} must be a 0-based index inside the ${length} residues.`);
  if (end < 1 || end > length) throw badRequest(`${what}: end ${input.end} must be 1 to ${length} (exclusive end), or 0 for the end of the sequence.`);
  if (start === end) throw badRequest(`${what}: start and end ${input.end} describe an empty feature.`);
  if (start > end && !isCircular) {
    throw badRequest(`${what}: start ${start} is after end ${input.end}; only features on circular sequences may run across the origin.`);
  }
  return { start, end };
}

/** The residues a stored range covers, across the origin when it wraps. */
export function sliceRange(residues: string, range: Range): string {
  return range.start < range.end ? residues.slice(range.start, range.end) : residues.slice(range.start) + residues.slice(0, range.end);
}
