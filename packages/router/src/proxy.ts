import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import { REQUEST_ID_HEADER, sendJson, type Logger } from '@labmcp/service-kit';
import { isolateCredentials, type CredentialPolicy } from './credentials.js';
import type { Upstream } from './upstreams.js';

export interface ProxyOptions {
  upstreamTimeoutMs: number;
  retryAfterSeconds: number;
  credentials: CredentialPolicy;
}

interface ProxyState {
  upstream: Upstream;
  requestId: string;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
}

const states = new WeakMap<IncomingMessage, ProxyState>();

/** Errors that mean "nobody is listening there right now", i.e. the service is down or restarting. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);

function looksLikeJsonRpc(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.headers['content-type'] ?? '').includes('json');
}

/** A fast, machine-readable failure; JSON-RPC shaped for MCP clients, so they report it instead of choking. */
export function sendUpstreamError(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (looksLikeJsonRpc(req)) sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null }, headers);
  else sendJson(res, status, { error: status === 504 ? 'upstream_timeout' : 'upstream_unavailable', message }, headers);
}

export function createProxy(logger: Logger, options: ProxyOptions) {
  // Keep-alive to the upstreams: a new TCP connection per MCP request would double the router's overhead.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' });
  const proxy = createProxyServer({ agent, xfwd: true, ws: false });

  proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
    const state = states.get(req);
    if (!state) return;
    proxyReq.setHeader(REQUEST_ID_HEADER, state.requestId);
    proxyReq.setNoDelay?.(true);
    // Connect + response headers are bounded; a streaming body after that is not (a live SSE stream may be
    // quiet for long, and keep-alive comments are the servers' job).
    state.timer = setTimeout(() => {
      state.timedOut = true;
      proxyReq.destroy(new Error('upstream response timeout'));
    }, options.upstreamTimeoutMs);
  });

  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage) => {
    const state = states.get(req);
    clearTimeout(state?.timer);
    if ((proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      // Tell nginx or a load balancer in front not to buffer the stream either.
      proxyRes.headers['x-accel-buffering'] = 'no';
      proxyRes.headers['cache-control'] = 'no-cache, no-transform';
    }
  });

  proxy.on('error', (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) => {
    const state = states.get(req);
    clearTimeout(state?.timer);
    const service = state?.upstream.service ?? 'upstream';
    if (!('writeHead' in res)) {
      res.destroy();
      return;
    }
    if (state?.timedOut) {
      logger.warn({ service, requestId: state.requestId }, 'upstream timed out');
      sendUpstreamError(req, res, 504, `${service} did not answer in time`, {});
      return;
    }
    const unavailable = err.code !== undefined && UNAVAILABLE_CODES.has(err.code);
    logger.warn({ service, requestId: state?.requestId, code: err.code, msg: err.message }, 'upstream error');
    sendUpstreamError(req, res, unavailable ? 503 : 502, unavailable ? `${service} is unavailable (down or restarting); retry shortly` : `${service} failed: ${err.code ?? 'bad gateway'}`, {
      'retry-after': String(options.retryAfterSeconds),
    });
  });

  return {
    forward(req: IncomingMessage, res: ServerResponse, upstream: Upstream, path: string, requestId: string): void {
      states.set(req, { upstream, requestId });
      req.url = path;
      isolateCredentials(upstream.service, req.headers, options.credentials);
      res.once('close', () => clearTimeout(states.get(req)?.timer));
      proxy.web(req, res, { target: upstream.target });
    },
    close(): void {
      agent.destroy();
      proxy.close();
    },
  };
}
