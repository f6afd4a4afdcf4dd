import type { IncomingMessage } from 'node:http';

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

/**
 * The body of a request whose bytes are all in already, taken from the stream's buffer at once: no listeners,
 * timer or promise. Undefined when they are not all in (the stream is left as it was then; see readBody). MCP
 * messages are small and usually come in the same packet as their headers, so this is the common case one turn
 * after the headers (the parser reads the rest of the packet before the turn ends). All in means: as many bytes
 * as `Content-Length` declares (Node's parser marks the message complete only a little later), or the message
 * is complete, or it has no body (neither `Content-Length` nor `Transfer-Encoding`). Throws BodyTooLargeError
 * past `limit` (the rest of the body discarded, as readBody does).
 */
export function bufferedBody(req: IncomingMessage, limit: number): Buffer | undefined {
  const declared = req.headers['content-length'];
  const length = declared !== undefined ? Number(declared) : req.headers['transfer-encoding'] === undefined ? 0 : Number.NaN;
  if (!req.complete && req.readableLength !== length) return undefined;
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
  // A copy, as readBody makes: the request's own buffers are not held for as long as the exchange lives.
  return Buffer.concat(chunks, size);
}

/**
 * Reads a request body, failing as soon as it exceeds the limit (chunked bodies declare no length up front) or
 * when it has not arrived whole within `timeoutMs` (a client that sends headers and then stalls must not hold
 * anything for long). On failure the rest of the body is discarded rather than the socket destroyed, so the 413
 * or 408 can still be sent.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
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
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
