/**
 * Reading an object for a client: text a window at a time (offset + byte limit, cut on UTF-8 character
 * boundaries), binary as metadata plus a short head in hex and base64 — never the whole of a large file.
 */

import { ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import type { ByteRange, GetResult } from '../quilt/index.js';

export const MAX_READ_BYTES = 1024 * 1024;
const SNIFF_BYTES = 4096;
const HEAD_BYTES = 64;

const TEXT_EXTENSIONS = new Set([
  'txt',
  'md',
  'markdown',
  'rst',
  'csv',
  'tsv',
  'tab',
  'json',
  'jsonl',
  'ndjson',
  'geojson',
  'yaml',
  'yml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'xml',
  'html',
  'htm',
  'svg',
  'css',
  'js',
  'mjs',
  'ts',
  'py',
  'r',
  'rmd',
  'ipynb',
  'sh',
  'bash',
  'sql',
  'log',
  'tex',
  'bib',
  'fasta',
  'fa',
  'fna',
  'faa',
  'fastq',
  'fq',
  'gff',
  'gff3',
  'gtf',
  'bed',
  'vcf',
  'sam',
  'pdb',
  'mol',
  'sdf',
  'smi',
  'gb',
  'gbk',
  'genbank',
  'nf',
  'wdl',
  'cwl',
  'dockerfile',
  'readme',
  'license',
]);

export const readArgs = {
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe('Byte offset to start reading text at'),
  max_bytes: z
    .number()
    .int()
    .min(1)
    .max(MAX_READ_BYTES)
    .default(65_536)
    .describe(`Most bytes of text returned, 1-${MAX_READ_BYTES} (at least one whole character)`),
  as: z
    .enum(['auto', 'text', 'binary'])
    .default('auto')
    .describe('auto: text when the bytes look like UTF-8 text; text: decode anyway; binary: only metadata and the head'),
};

export const contentOut = z.object({
  size: z.number(),
  is_text: z.boolean(),
  text: z.string().nullable().describe('The text window (null for binary)'),
  offset: z.number().describe('Where the window starts (moved forward to a character boundary if needed)'),
  bytes_read: z.number(),
  next_offset: z.number().nullable().describe('Offset of the next window; null at the end'),
  truncated: z.boolean().describe('More text follows the window'),
  head_hex: z.string().nullable().describe(`Binary: the first ${HEAD_BYTES} bytes in hex`),
  head_base64: z.string().nullable().describe(`Binary: the first ${HEAD_BYTES} bytes in base64`),
});

export type ContentOut = z.infer<typeof contentOut>;

type Reader = (range: ByteRange | undefined) => Promise<GetResult>;

async function readAll(got: GetResult, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of got.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= limit) break;
    }
  } finally {
    got.body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

async function readRange(read: Reader, offset: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  return readAll(await read({ offset, length }), length);
}

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot === -1 ? base : base.slice(dot + 1);
}

/**
 * Whether bytes look like text: no NUL, few control characters (other than tab, newlines, form feed and
 * escape), and valid UTF-8 apart from a character cut off at the end.
 */
export function looksLikeText(bytes: Buffer, cutAtEnd: boolean): boolean {
  if (bytes.includes(0)) return false;
  let control = 0;
  for (const b of bytes) if ((b < 0x20 && b !== 9 && b !== 10 && b !== 12 && b !== 13 && b !== 27) || b === 0x7f) control++;
  if (control > bytes.length * 0.05) return false;
  const body = cutAtEnd ? bytes.subarray(0, completeLength(bytes)) : bytes;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

/** Length of the longest prefix of `bytes` that doesn't end inside a UTF-8 sequence. */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = bytes[n - back] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export async function readContent(
  name: string,
  size: number,
  read: Reader,
  options: { offset: number; max_bytes: number; as: 'auto' | 'text' | 'binary' },
): Promise<ContentOut> {
  const binary = async (): Promise<ContentOut> => {
    const head = await readRange(read, 0, Math.min(HEAD_BYTES, size));
    return {
      size,
      is_text: false,
      text: null,
      offset: 0,
      bytes_read: head.length,
      next_offset: null,
      truncated: false,
      head_hex: head.toString('hex'),
      head_base64: head.toString('base64'),
    };
  };
  if (options.as === 'binary') return binary();
  if (size === 0) return { size, is_text: true, text: '', offset: 0, bytes_read: 0, next_offset: null, truncated: false, head_hex: null, head_base64: null };
  if (options.offset >= size) throw new ToolError(`offset ${options.offset} is at or past the end of ${name} (${size} bytes).`, 'invalid_request');
  if (options.as === 'auto' && !TEXT_EXTENSIONS.has(extensionOf(name))) {
    const sniffLength = Math.min(SNIFF_BYTES, size);
    const sniff = await readRange(read, 0, sniffLength);
    if (!looksLikeText(sniff, sniffLength < size)) return binary();
  }
  // Read up to 3 bytes more on each side, to land on character boundaries.
  const start = Math.max(0, options.offset);
  const length = Math.min(size - start, options.max_bytes + 3);
  const window = await readRange(read, start, length);
  let skip = 0;
  while (skip < 3 && skip < window.length && start + skip > 0 && ((window[skip] as number) & 0xc0) === 0x80) skip++;
  let end = Math.min(window.length, skip + options.max_bytes);
  const atEnd = start + end >= size;
  if (!atEnd) end = skip + completeLength(window.subarray(skip, end));
  if (end <= skip) {
    // max_bytes is smaller than the next character: give that one character whole.
    const lead = window[skip] as number;
    end = Math.min(window.length, skip + (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1));
  }
  const bytes = window.subarray(skip, end);
  if (options.as === 'auto' && bytes.includes(0)) return binary();
  const text = new TextDecoder('utf-8').decode(bytes);
  const next = start + end;
  return {
    size,
    is_text: true,
    text,
    offset: start + skip,
    bytes_read: bytes.length,
    next_offset: next < size ? next : null,
    truncated: next < size,
    head_hex: null,
    head_base64: null,
  };
}
