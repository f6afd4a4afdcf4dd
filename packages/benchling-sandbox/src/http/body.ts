import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, bufferedBody, readBody } from '@labmcp/service-kit/service';
import { ApiError, badRequest } from './errors.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/*
 * The body is read with service-kit's reader (request-body.ts), the one the router and the MCP servers use. Kept
 * rather than raw-body (measured 2026-12-01): raw-body@4 needs Node >= 22, and raw-body@3.0.2 leaves the request
 * paused on a 413, so draining was still needed around it; with it the same tests passed, but it loads iconv-lite
 * and http-errors at start (~30 ms CPU, ~3-4 MiB RSS of the ~8 MiB measured with find-my-way, see router.ts) for a
 * reader this short. co-body wraps raw-body.
 */

/**
 * Reads a JSON request body, refusing more than `maxBytes` with a 413. Memory stays bounded: a declared
 * Content-Length over the limit is refused without reading, and a body that crosses the limit while streaming
 * is refused there, the rest of it discarded (not buffered) so the client still gets the 413 rather than a reset
 * connection; the 413 closes the connection after it. No deadline of its own: the server's `requestTimeout`
 * bounds a slow body.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new ApiError(413, `Request body is larger than the sandbox's limit of ${maxBytes} bytes.`, undefined, {}, { connection: 'close' });
  let raw: Buffer | undefined;
  try {
    // Before the type is looked at, so a body declared over the limit is a 413 whatever its type.
    raw = bufferedBody(req, maxBytes);
  } catch {
    throw tooLarge();
  }
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    req.resume();
    throw badRequest(`Request bodies must be JSON; send Content-Type: application/json (got "${type || 'none'}").`);
  }
  try {
    raw ??= await readBody(req, maxBytes);
  } catch (err) {
    throw err instanceof BodyTooLargeError ? tooLarge() : badRequest('The request body was cut off before it ended.');
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest('Request body is empty; expected a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`Request body is not valid JSON: ${(err as Error).message}`);
  }
}
