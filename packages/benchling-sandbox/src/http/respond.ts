import type { ServerResponse } from 'node:http';

/** Writes a JSON answer; `headers` are merged over the defaults (rate-limit headers ride along here). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

export function sendRaw(res: ServerResponse, status: number, contentType: string | undefined, payload: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...(contentType ? { 'content-type': contentType } : {}),
    'content-length': String(Buffer.byteLength(payload)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}
