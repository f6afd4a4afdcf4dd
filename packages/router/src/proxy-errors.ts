import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '@labmcp/service-kit/service';

function looksLikeJsonRpc(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.headers['content-type'] ?? '').includes('json');
}

/** A fast, machine-readable failure; JSON-RPC shaped for MCP clients, so they report it instead of choking. */
export function sendProxyError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    // Mid-answer, cutting the connection is the only way left to say it failed; once the answer is whole, the
    // connection is the client's to reuse and is left alone.
    if (!res.writableEnded) res.destroy();
    return;
  }
  if (looksLikeJsonRpc(req)) sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message, data: { reason: code } }, id: null }, headers);
  else sendJson(res, status, { error: code, message }, headers);
}

/** The answer for a service that is down or restarting, whether known beforehand or found on connecting. */
export function sendUnavailable(req: IncomingMessage, res: ServerResponse, service: string, retryAfterSeconds: number): void {
  sendProxyError(req, res, 503, 'upstream_unavailable', `${service} is unavailable (down or restarting); retry shortly`, {
    'retry-after': String(retryAfterSeconds),
  });
}
