/**
 * Request bodies are read with raw-body (the reader under Express's and Koa's body parsers): it refuses a
 * declared Content-Length over the limit without reading, stops buffering as soon as a streamed body crosses
 * it, and reports a body shorter than its Content-Length or cut off by the client. raw-body 3.0.2 is the
 * version for this project's Node 20 (4.x needs Node >= 22).
 *
 * Added here: JSON only, errors in Benchling's shape, and the end of an over-limit body is read and discarded
 * (raw-body leaves the request paused), so the client gets its 413 rather than a reset connection; past
 * DRAIN_FACTOR times the limit we stop being polite and drop the connection.
 */
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { ApiError, badRequest } from './errors.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const DRAIN_FACTOR = 8;

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    req.resume();
    throw badRequest(`Request bodies must be JSON; send Content-Type: application/json (got "${type || 'none'}").`);
  }
  const declared = req.headers['content-length'];
  let text: string;
  try {
    text = await getRawBody(req, {
      limit: maxBytes,
      encoding: 'utf-8',
      ...(declared === undefined ? {} : { length: Number(declared) }),
    });
  } catch (err) {
    throw bodyError(req, err, maxBytes);
  }
  if (text.trim() === '') throw badRequest('Request body is empty; expected a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`Request body is not valid JSON: ${(err as Error).message}`);
  }
}

function bodyError(req: IncomingMessage, err: unknown, maxBytes: number): unknown {
  switch ((err as { type?: string }).type) {
    case 'entity.too.large':
      discardRest(req, maxBytes * DRAIN_FACTOR);
      return new ApiError(413, `Request body is larger than the sandbox's limit of ${maxBytes} bytes.`, undefined, {}, { connection: 'close' });
    case 'request.aborted':
    case 'request.size.invalid':
      return badRequest('The request body was cut off before it ended.');
    default:
      return err;
  }
}

/** Reads what is left of a refused body without keeping it, destroying the connection past `maxBytes`. */
function discardRest(req: IncomingMessage, maxBytes: number): void {
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) req.destroy();
  });
  req.resume();
}
