import { createHash } from 'node:crypto';
import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { readBytesBounded } from '../benchling/bounded-body.js';
import { BenchlingError } from '../benchling/errors.js';
import { idSchema } from '../benchling/ids.js';
import { api, benchlingTool, type ToolCtx } from '../context.js';
import { assayIdSchema } from './assay-common.js';

const MAX_BYTES = 4 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 30_000;

interface ApiBlob {
  id?: string;
  name?: string;
  mimeType?: string;
}

export const attachmentRead = benchlingTool({
  name: 'attachment_read',
  title: 'Read a file attached in Benchling',
  description:
    "Reads a file: one attached to a notebook entry (entry_id and external_file_id, as entry_get's notes show " +
    '"[attached file <id>]") or a blob (blob_id, the value of a blob_link field of an assay result or entity). Returns its ' +
    'name, type, size and SHA-256, and the content as UTF-8 text when it is text, base64 otherwise. Files larger than max_bytes ' +
    'are refused with their size, never cut.',
  input: z
    .object({
      entry_id: idSchema('entry').optional().describe('The entry the file is attached to (etr_...)'),
      external_file_id: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .regex(/^[A-Za-z0-9_-]+$/, 'must be an external file id')
        .optional(),
      blob_id: assayIdSchema.optional().describe('A blob (a UUID)'),
      max_bytes: z
        .number()
        .int()
        .min(1)
        .max(MAX_BYTES)
        .default(1024 * 1024)
        .describe(`Refuse files larger than this (at most ${MAX_BYTES})`),
    })
    .refine((a) => (a.blob_id !== undefined) !== (a.entry_id !== undefined || a.external_file_id !== undefined), {
      message: 'give blob_id, or entry_id with external_file_id',
    })
    .refine((a) => a.blob_id !== undefined || (a.entry_id !== undefined && a.external_file_id !== undefined), {
      message: 'an entry attachment needs both entry_id and external_file_id',
    }),
  output: z.object({
    id: z.string(),
    name: z.string().nullable(),
    mime_type: z.string().nullable(),
    size: z.number(),
    sha256: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => (args.blob_id ? { blob_id: args.blob_id } : { entry_id: args.entry_id, external_file_id: args.external_file_id }),
  run: async (args, ctx) => {
    const session = api(ctx);
    let id: string;
    let name: string | null = null;
    let mimeType: string | null = null;
    let url: string;
    if (args.blob_id) {
      id = args.blob_id;
      const blob = await session.get<ApiBlob>(`/blobs/${args.blob_id}`);
      name = blob.name ?? null;
      mimeType = blob.mimeType ?? null;
      url = String((await session.get<{ downloadURL?: unknown }>(`/blobs/${args.blob_id}/download-url`)).downloadURL ?? '');
    } else {
      id = args.external_file_id!;
      const meta = await session.get<{ externalFile?: { downloadURL?: unknown; size?: unknown } }>(
        `/entries/${args.entry_id}/external-files/${args.external_file_id}`,
      );
      const size = meta.externalFile?.size;
      if (typeof size === 'number' && size > args.max_bytes) throw tooLarge(id, size, args.max_bytes);
      url = String(meta.externalFile?.downloadURL ?? '');
    }
    const bytes = await download(ctx, url, args.max_bytes, id);
    const text = isText(mimeType, bytes);
    return {
      id,
      name,
      mime_type: mimeType,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: text ? ('utf8' as const) : ('base64' as const),
      content: text ? bytes.toString('utf8') : bytes.toString('base64'),
    };
  },
});

function tooLarge(id: string, size: number | undefined, max: number): ToolError {
  return new ToolError(
    `The file ${id} is ${size === undefined ? 'larger than' : `${size} bytes,`} more than max_bytes (${max}); raise max_bytes (up to ${MAX_BYTES}).`,
    'too_large',
  );
}

/**
 * Fetches a pre-signed download link. No key goes with it (the link carries its own authority); it must be
 * https, or on the Benchling server itself, so an answer cannot point this server at arbitrary local addresses.
 */
async function download(ctx: ToolCtx, link: string, maxBytes: number, id: string): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new BenchlingError('bad_response', `Benchling gave no usable download link for ${id}.`);
  }
  if (url.protocol !== 'https:' && url.origin !== new URL(ctx.baseUrl).origin) {
    throw new BenchlingError('bad_response', `Benchling's download link for ${id} is not https; it is not followed.`);
  }
  const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.any([ctx.signal, timeout]), redirect: 'manual' });
  } catch {
    if (ctx.signal.aborted) throw new BenchlingError('cancelled', 'The call was cancelled while the file was downloading.');
    throw new BenchlingError(timeout.aborted ? 'timeout' : 'network', `Could not download ${id} from its link${timeout.aborted ? ' in time' : ''}. Try again.`);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new BenchlingError(
      'unavailable',
      `The download link for ${id} answered HTTP ${res.status}${res.status === 403 ? ' (expired or refused)' : ''}. Try again.`,
    );
  }
  const read = await readBytesBounded(res, maxBytes, false);
  if (read.tooLarge) throw tooLarge(id, read.declared, maxBytes);
  return read.bytes;
}

/** Text when the type says so, or when the bytes are valid UTF-8 without NUL bytes. */
function isText(mimeType: string | null, bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  if (mimeType && /^(text\/|application\/(json|xml|csv))/.test(mimeType)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
