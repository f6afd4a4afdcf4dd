import type { IncomingMessage } from 'node:http';

// The one reader of request bodies (the router's hop, the MCP endpoint, the Benchling sandbox): bounded in size
// and, when the caller gives a deadline, in time. It fails with the errors below and leaves the answer to the
// caller; on failure the rest of the body is discarded (not the socket destroyed), so a 413 or 408 can still be sent.

/** How long a client has to send a request's body once its headers are in, unless configured otherwise. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Node's own whole-request timeout (`server.requestTimeout`, 300 s by default): a longer body timeout would never fire. */
export const MAX_BODY_TIMEOUT_MS = 300_000;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

export class BodyTimeoutError extends Error {
  override readonly name = 'BodyTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`request body did not arrive within ${timeoutMs} ms`);
  }
}

/** The client went away (or the stream was destroyed) before the body ended. */
export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
  constructor() {
    super('request body was cut off before it ended');
  }
}

/**
 * The body of a request whose bytes are all in already, taken from the stream's buffer at once: no listeners,
 * timer or promise (the router's hop and the MCP endpoint's answer cache depend on this path staying that cheap).
 * Undefined when they are not all in (the stream is left as it was then; see readBody). MCP messages are small
 * and usually come in the same packet as their headers, so this is the common case one turn after the headers
 * (the parser reads the rest of the packet before the turn ends). All in means: as many bytes as
 * `Content-Length` declares (Node's parser marks the message complete only a little later), or the message is
 * complete, or it has no body (neither `Content-Length` nor `Transfer-Encoding`). Throws BodyTooLargeError when
 * `Content-Length` declares more than `limit` (nothing read) or the bytes buffered exceed it; the rest of the body
 * is discarded then, as readBody does.
 */
export function bufferedBody(req: IncomingMessage, limit: number): Buffer | undefined {
  const declared = req.headers['content-length'];
  const length = declared !== undefined ? Number(declared) : req.headers['transfer-encoding'] === undefined ? 0 : Number.NaN;
  if (length > limit) {
    req.resume();
    throw new BodyTooLargeError(limit);
  }
  // A flowing stream hands its bytes to its 'data' listeners, not to read().
  if ((!req.complete && req.readableLength !== length) || req.readableFlowing === true) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  // The stream then ends by itself, as a read one does ('end', 'close').
  if (!req.readableEnded) req.resume();
  // A copy, as readBody makes: the request's own buffers (slices of the socket's reads) are not held for as
  // long as the caller keeps the body.
  return Buffer.concat(chunks, size);
}

/**
 * Reads a request body, failing as soon as it exceeds the limit (chunked bodies declare no length up front), when
 * it has not arrived whole within `timeoutMs` (a client that sends headers and then stalls must not hold anything
 * for long; without `timeoutMs`, only the server's own request timeout bounds it), or when the client goes away
 * first (BodyAbortedError, or the stream's own error). On a limit or a timeout the rest of the body is discarded
 * rather than the socket destroyed, so the 413 or 408 can still be sent. Try bufferedBody first: it takes a body
 * that is all in already without the listeners, timer and promise this needs.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Gone already: its 'close' has been and will not come again.
    if (req.destroyed) {
      reject(new BodyAbortedError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            cleanup();
            req.resume();
            reject(new BodyTimeoutError(timeoutMs));
          }, timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new BodyAbortedError());
    };
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
