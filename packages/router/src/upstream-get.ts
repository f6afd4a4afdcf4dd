import http from 'node:http';
import https from 'node:https';
import type { Upstream } from './upstreams.js';

/** An upstream's answer to a GET: its status and its whole body. */
export interface UpstreamAnswer {
  status: number;
  ok: boolean;
  body: Buffer;
}

/** What a failed GET says: `TimeoutError` past its deadline, otherwise the socket's error (its `code`, e.g. ECONNREFUSED). */
export class UpstreamGetError extends Error {
  constructor(
    message: string,
    override readonly name: 'TimeoutError' | 'UpstreamGetError',
    readonly code?: string,
  ) {
    super(message);
  }
}

// /health and a server's metrics as JSON are a few KiB; anything this large is not what we asked for.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * GETs a path of an upstream (its `/health`, its metrics) with node:http, within `timeoutMs` for the whole exchange,
 * presenting the upstream's operations token if it has one. Not `fetch`: the router's one other use of HTTP as a
 * client is the proxy, on node:http too, and loading Node's built-in fetch client (undici) only for these probes
 * costs every router process ~14 MiB (measured).
 */
export function getUpstream(upstream: Pick<Upstream, 'target' | 'opsAuthorization'>, path: string, timeoutMs: number): Promise<UpstreamAnswer> {
  const url = new URL(path, upstream.target);
  const client = url.protocol === 'https:' ? https : http;
  const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
  // Everything asked here is the upstream's /health or /metrics, whose details it shows holders of the token.
  if (upstream.opsAuthorization !== undefined) headers.authorization = upstream.opsAuthorization;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new UpstreamGetError(`answer larger than ${MAX_BODY_BYTES} bytes`, 'UpstreamGetError'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, body: Buffer.concat(chunks, size) });
      });
      res.on('error', () => {});
    });
    const timer = setTimeout(() => req.destroy(new UpstreamGetError(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err instanceof UpstreamGetError ? err : new UpstreamGetError(err.message, 'UpstreamGetError', err.code));
    });
    req.on('close', () => clearTimeout(timer));
  });
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf(answer: UpstreamAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
