/**
 * Splits a UTF-8 byte stream into lines on "\n" only, in batches.
 *
 * Not `readline`, which also ends lines at a lone "\r" and replaces invalid UTF-8 silently; manifests
 * split on "\n" alone (a JSON string may contain U+2028, which some splitters treat as a line break)
 * and must be valid UTF-8, as quilt3 reads them. The byte 0x0A never occurs inside a multi-byte UTF-8
 * sequence, so each run of bytes up to a newline decodes on its own; lines come out in one array per
 * block of about 64 KiB, which keeps per-line overhead (a promise per line) out of million-line
 * manifests. Memory is bounded by the source chunk plus one partial line of at most `maxLineBytes`.
 */
import { isUtf8 } from 'node:buffer';
import type { ByteSource } from './byte-source.js';

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export class LineError extends Error {
  override readonly name = 'LineError';
  constructor(
    /** What is wrong, without the line number. */
    readonly reason: string,
    /** 1-based line number. */
    readonly line: number,
  ) {
    super(`Line ${line}: ${reason}`);
  }
}

export interface LineBatch {
  /** 1-based number of `lines[0]`. */
  firstLine: number;
  lines: string[];
}

export interface LineReaderOptions {
  maxLineBytes?: number;
  signal?: AbortSignal;
}

const NEWLINE = 0x0a;
/**
 * Bytes decoded at a time. Lines sliced out of one much larger decoded string parse and hash far
 * slower (measured: 1 MiB blocks took ~1.6x the CPU of 64 KiB ones for the same manifest; 16-64 KiB
 * were about equal), so large source chunks are cut into blocks of about this size.
 */
const BLOCK_BYTES = 65536;

export async function* readLineBatches(source: ByteSource, options: LineReaderOptions = {}): AsyncGenerator<LineBatch> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const signal = options.signal;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let nextLine = 1;

  const decode = (block: Buffer): LineBatch => {
    if (!isUtf8(block)) throw new LineError('not valid UTF-8', nextLine + firstInvalidLine(block));
    const lines = block.toString('utf8').split('\n');
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k] as string;
      // A line's UTF-8 length is between its UTF-16 length and three times it.
      if (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes) {
        throw new LineError(`longer than the ${maxLineBytes}-byte line limit`, nextLine + k);
      }
    }
    const batch = { firstLine: nextLine, lines };
    nextLine += lines.length;
    return batch;
  };

  for await (const chunk of source) {
    signal?.throwIfAborted();
    if (typeof chunk === 'string') throw new TypeError('The byte source yielded a string; read it without an encoding');
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      // Blocks of about BLOCK_BYTES, cut after a newline, whatever the source's chunk size.
      const windowEnd = start + BLOCK_BYTES;
      let newline = windowEnd >= buf.length ? buf.lastIndexOf(NEWLINE) : buf.lastIndexOf(NEWLINE, windowEnd - 1);
      if (newline < start) newline = buf.indexOf(NEWLINE, windowEnd);
      if (newline === -1) {
        carryBytes += buf.length - start;
        if (carryBytes > maxLineBytes) throw new LineError(`longer than the ${maxLineBytes}-byte line limit`, nextLine);
        carry.push(buf.subarray(start));
        break;
      }
      const head = buf.subarray(start, newline);
      const block = carry.length === 0 ? head : Buffer.concat([...carry, head]);
      carry = [];
      carryBytes = 0;
      yield decode(block);
      start = newline + 1;
    }
  }
  if (carryBytes > 0) yield decode(Buffer.concat(carry));
}

/** Index (0-based) of the first line in `block` that is not valid UTF-8; only used to word an error. */
function firstInvalidLine(block: Buffer): number {
  let start = 0;
  for (let line = 0; ; line++) {
    const end = block.indexOf(NEWLINE, start);
    if (!isUtf8(block.subarray(start, end === -1 ? block.length : end))) return line;
    if (end === -1) return line;
    start = end + 1;
  }
}
