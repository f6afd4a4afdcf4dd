import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';
import { REQUEST_ID_HEADER, sendJson, type Logger } from '@labmcp/service-kit';
import { Readable } from 'node:stream';
import { BodyTooLargeError, readBody } from './body-limit.js';
import { prepareUpstreamHeaders, type CredentialPolicy } from './credentials.js';
import type { Upstream } from './upstreams.js';

export type UpstreamErrorKind = 'unavailable' | 'timeout' | 'bad_gateway';

export interface ProxyOptions {
  upstreamTimeoutMs: number;
  retryAfterSeconds: number;
  maxBodyBytes: number;
  credentials: CredentialPolicy;
  onUpstreamError?: (upstream: Upstream, kind: UpstreamErrorKind, code: string | undefined) => void;
  /** Last look at an upstream's response headers before they go to the client. */
  onResponseHeaders?: (upstream: Upstream, req: IncomingMessage, proxyRes: IncomingMessage) => void;
}

interface ProxyState {
  upstream: Upstream;
  requestId: string;
  timer?: NodeJS.Timeout;
  proxyReq?: ClientRequest;
  timedOut?: boolean;
  responded?: boolean;
  /** Cut because its upstream was found down while it waited for a connection to be served. */
  abandoned?: boolean;
  body: Buffer;
  retried: boolean;
}

const states = new WeakMap<IncomingMessage, ProxyState>();
const pending = new Map<string, Set<ProxyState>>();

/** Errors that mean "nobody is listening there right now", i.e. the service is down or restarting. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

function looksLikeJsonRpc(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.headers['content-type'] ?? '').includes('json');
}

/** A fast, machine-readable failure; JSON-RPC shaped for MCP clients, so they report it instead of choking. */
export function sendProxyError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (looksLikeJsonRpc(req)) sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message, data: { reason: code } }, id: null }, headers);
  else sendJson(res, status, { error: code, message }, headers);
}

export function createProxy(logger: Logger, options: ProxyOptions) {
  // Keep-alive to the upstreams: a new TCP connection per MCP request would double the router's overhead.
  const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' });
  const proxy = createProxyServer({ agent, xfwd: true, ws: false });

  proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
    const state = states.get(req);
    if (state) state.proxyReq = proxyReq;
  });

  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    const state = states.get(req);
    clearTimeout(state?.timer);
    if (state) state.responded = true;
    // The upstream's connection headers describe its link to us, not ours to the client. http-proxy copies
    // `Connection` into the response, so set it to what this connection should do (`close` while draining).
    delete proxyRes.headers['keep-alive'];
    proxyRes.headers.connection = String(res.getHeader('connection') ?? 'keep-alive');
    proxyRes.socket?.setNoDelay(true);
    if ((proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      // Tell nginx or a load balancer in front not to buffer the stream either.
      proxyRes.headers['x-accel-buffering'] = 'no';
      proxyRes.headers['cache-control'] = 'no-cache, no-transform';
    }
    if (state) options.onResponseHeaders?.(state.upstream, req, proxyRes);
  });

  proxy.on('error', (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse | Socket) => {
    const state = states.get(req);
    clearTimeout(state?.timer);
    if (!('writeHead' in res)) {
      res.destroy();
      return;
    }
    // A reused keep-alive connection that the server closed as we sent (a restart or reload draining it): the
    // request never reached a handler, so sending it once more on a fresh connection is safe.
    if (state && !state.retried && !state.timedOut && !res.headersSent && state.proxyReq?.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      state.retried = true;
      logger.debug({ service: state.upstream.service, requestId: state.requestId }, 'retrying on a fresh upstream connection');
      send(req, res, state);
      return;
    }
    const service = state?.upstream.service ?? 'upstream';
    const kind: UpstreamErrorKind = state?.abandoned ? 'unavailable' : state?.timedOut ? 'timeout' : err.code !== undefined && UNAVAILABLE_CODES.has(err.code) ? 'unavailable' : 'bad_gateway';
    if (state) options.onUpstreamError?.(state.upstream, kind, err.code);
    logger.warn({ service, requestId: state?.requestId, code: err.code, kind, detail: err.message }, 'upstream error');
    const retry = { 'retry-after': String(options.retryAfterSeconds) };
    if (kind === 'timeout') sendProxyError(req, res, 504, 'upstream_timeout', `${service} did not answer within ${options.upstreamTimeoutMs} ms`, retry);
    else if (kind === 'unavailable') sendProxyError(req, res, 503, 'upstream_unavailable', `${service} is unavailable (down or restarting); retry shortly`, retry);
    else sendProxyError(req, res, 502, 'bad_gateway', `${service} failed (${err.code ?? 'bad gateway'})`, retry);
  });

  function send(req: IncomingMessage, res: ServerResponse, state: ProxyState): void {
    state.proxyReq = undefined;
    state.timedOut = false;
    clearTimeout(state.timer);
    // Connect + response headers are bounded; a streaming body after that is not (a live SSE stream may be
    // quiet for long, and keep-alive comments are the servers' job). http-proxy's proxyTimeout is an idle
    // timeout on the socket and would cut such streams, so it is not used.
    state.timer = setTimeout(() => {
      state.timedOut = true;
      state.proxyReq?.destroy(new Error('upstream response timeout'));
    }, options.upstreamTimeoutMs);
    proxy.web(req, res, { target: state.upstream.target, buffer: Readable.from(state.body.length ? [state.body] : []) });
  }

  return {
    async forward(req: IncomingMessage, res: ServerResponse, upstream: Upstream, path: string, requestId: string): Promise<void> {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > options.maxBodyBytes) {
        sendProxyError(req, res, 413, 'body_too_large', `Request body is larger than ${options.maxBodyBytes} bytes`, { connection: 'close' });
        req.resume();
        return;
      }
      // MCP request bodies are small JSON-RPC messages; holding one (bounded) lets a request that met a
      // keep-alive connection just closed by a restarting server be sent again, which a streamed body could not.
      let body: Buffer;
      try {
        body = await readBody(req, options.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          sendProxyError(req, res, 413, 'body_too_large', `Request body is larger than ${options.maxBodyBytes} bytes`, { connection: 'close' });
        } else res.destroy();
        return;
      }
      const state: ProxyState = { upstream, requestId, body, retried: false };
      states.set(req, state);
      req.url = path;
      prepareUpstreamHeaders(upstream.service, req.headers, options.credentials);
      req.headers[REQUEST_ID_HEADER] = requestId;
      if (req.headers['content-length'] !== undefined || body.length > 0) {
        req.headers['content-length'] = String(body.length);
        delete req.headers['transfer-encoding'];
      }
      const waiting = pending.get(upstream.service) ?? new Set<ProxyState>();
      pending.set(upstream.service, waiting);
      waiting.add(state);
      res.once('close', () => {
        clearTimeout(state.timer);
        waiting.delete(state);
      });
      send(req, res, state);
    },
    /**
     * Answers at once the requests still waiting on a fresh connection to an upstream just found down. In PM2
     * cluster mode the master accepts connections for a crashed worker and holds them until a new one is up;
     * without this, those requests would hang for the whole restart. Requests on reused connections, or already
     * answering, are left alone.
     */
    abandonWaiting(upstream: Upstream): void {
      for (const state of pending.get(upstream.service) ?? []) {
        if (state.responded || !state.proxyReq || state.proxyReq.reusedSocket) continue;
        state.abandoned = true;
        state.proxyReq.destroy(new Error(`${upstream.service} is down`));
      }
    },
    close(): void {
      agent.destroy();
      proxy.close();
    },
  };
}
