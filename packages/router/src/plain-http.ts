import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostName, type Logger } from '@labmcp/service-kit/service';
import type { AllowedHosts } from './hosts.js';

export interface PlainHttpOptions {
  host: string;
  port: number;
  /** `redirect`: GET and HEAD get a 308 to the same URL over HTTPS; `refuse`: everything gets the 403. */
  mode: 'redirect' | 'refuse';
  /** The HTTPS port clients reach (from ROUTER_PUBLIC_URL, else ROUTER_PORT). */
  httpsPort: number;
  /** The host of ROUTER_PUBLIC_URL, for a request whose Host the router does not answer to. */
  publicHost: string | undefined;
  hosts: AllowedHosts;
  headersTimeoutMs: number;
  maxHeaderSize: number;
}

/**
 * The plain-HTTP listener beside the router's HTTPS one (`ROUTER_HTTP_PORT`): it serves nothing but the way to
 * HTTPS. GET and HEAD (a browser, a health page) are redirected. Every other method is refused rather than
 * redirected: a client that POSTs a tool call over plain HTTP has already sent its credential in the clear, and
 * following a redirect would let it go on doing so unnoticed; the 403 names the HTTPS URL to configure instead.
 * Redirects go only to a host the router answers to, never to one a client names (no open redirect). Every
 * answer closes its connection, and a request body is never read.
 */
export async function startPlainHttp(options: PlainHttpOptions, logger: Logger): Promise<Server> {
  const server = createServer({ maxHeaderSize: options.maxHeaderSize, headersTimeout: options.headersTimeoutMs }, (req, res) => answer(req, res, options));
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger.info({ port: options.port, mode: options.mode }, 'plain HTTP listener: HTTPS only');
  return server;
}

function answer(req: IncomingMessage, res: ServerResponse, options: PlainHttpOptions): void {
  const target = httpsUrl(req, options);
  const headers = { connection: 'close', 'cache-control': 'no-store' };
  if (options.mode === 'redirect' && target && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(308, { ...headers, location: target }).end();
    return;
  }
  const message = target ? `This router serves HTTPS only: use ${target}` : 'This router serves HTTPS only: use https:// and its host name';
  const body = JSON.stringify({ error: 'https_required', message });
  res.writeHead(403, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** The same request's URL over HTTPS, on a host the router answers to; undefined when there is none to name. */
function httpsUrl(req: IncomingMessage, options: PlainHttpOptions): string | undefined {
  const named = options.hosts.named(req.headers.host) ? hostName(req.headers.host) : undefined;
  const host = named ?? options.publicHost;
  if (host === undefined) return undefined;
  const path = req.url?.startsWith('/') ? req.url : '/';
  return `https://${host}${options.httpsPort === 443 ? '' : `:${options.httpsPort}`}${path}`;
}
