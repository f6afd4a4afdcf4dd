import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { BodyTimeoutError, BodyTooLargeError, bufferedBody, type Logger, outgoingTraceparent, REQUEST_ID_HEADER, readBody } from '@labmcp/service-kit/service';
import type { Counter } from 'prom-client';
import type { TrustedProxies } from './client-address.js';
import { type CredentialPolicy, connectionNamed, forwardsHeader } from './credentials.js';
import { sendProxyError, sendUnavailable } from './proxy-errors.js';
import type { RoutedRequest } from './routed-request.js';
import { UpstreamAvailability } from './upstream-health.js';
import type { Upstream } from './upstreams.js';

export type UpstreamErrorKind = 'unavailable' | 'timeout' | 'bad_gateway';

export interface ProxyOptions {
  upstreamTimeoutMs: number;
  retryAfterSeconds: number;
  maxBodyBytes: number;
  /** Time a request body has to arrive whole, from when its headers were read. */
  bodyTimeoutMs: number;
  credentials: CredentialPolicy;
  /** Whose `X-Forwarded-*` headers are passed on. */
  trustedProxies: TrustedProxies;
  /** Counts the requests the proxy could not complete upstream. */
  upstreamErrors: Counter<'upstream' | 'kind'>;
  /** Last look at an upstream's response headers before they go to the client. */
  onResponseHeaders?: (routed: RoutedRequest, req: IncomingMessage, proxyRes: IncomingMessage) => void;
}

/** One client request on its way through: its body is held so it can be sent again once (see `onError`). */
interface Exchange {
  routed: RoutedRequest;
  requestId: string;
  /** As `http.request` takes them when they are to be sent as they are: name, value, name, value... */
  headers: string[];
  body: Buffer;
  retried: boolean;
  /**
   * What makes the request one that must not run twice (a `tools/call` of a tool not known to only read), or
   * undefined when sending it again is harmless. Such a request is never sent again once it may have reached the
   * server, and a failure after that is answered as "may or may not have run". Asked only when a failure puts
   * sending it again in question, so that the body of every request need not be parsed for it.
   */
  once: () => string | undefined;
  timer?: NodeJS.Timeout;
  proxyReq?: ClientRequest;
  proxyRes?: IncomingMessage;
  timedOut?: boolean;
  /** Cut because its upstream was found down while it waited for a connection to be served. */
  abandoned?: boolean;
}

/** What `forward` sends on, beside the client's request itself. */
export interface ForwardedRequest {
  routed: RoutedRequest;
  requestId: string;
  body: Buffer;
  /** See `Exchange.once`; nothing in the request must not run twice when left out. */
  once?: (() => string | undefined) | undefined;
  /** Called once when the client's response closes (its concurrency slot). */
  release?: (() => void) | undefined;
  /**
   * A server's `/health` or `/metrics` for a client the router shows them to: the server sees the router's
   * operations token for it (`Upstream.opsAuthorization`) in place of the client's credentials, which are not
   * meant for it (a client's ROUTER_OPS_TOKEN, say).
   */
  ops?: boolean;
}

const nothingOnce = (): undefined => undefined;

interface Destination {
  request: typeof http.request;
  agent: http.Agent;
  protocol: string;
  hostname: string;
  port: string | number;
  basePath: string;
  /** What Node would send as `Host` (headers given as a list are sent as they are, without one added). */
  host: string;
}

/** Errors that mean "nobody is listening there right now", i.e. the service is down or restarting. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

/** Errors of a fresh connection that mark its upstream down until its `/health` answers (UpstreamAvailability). */
const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

// Describe one connection only (RFC 9110 §7.6.1); Node frames the client's response itself.
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * Forwards requests to the upstreams over keep-alive connections. A plain `http.request` rather than a proxy
 * library: the router already buffers the body, shapes the headers and answers every failure itself, and a
 * library's per-request passes and stream plumbing were a large share of the router's CPU (see BENCHMARKS.md).
 */
export function createProxy(logger: Logger, options: ProxyOptions) {
  // Keep-alive to the upstreams: a new TCP connection per MCP request would double the router's overhead.
  const agentOptions = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const pending = new Map<string, Set<Exchange>>();
  const availability = new UpstreamAvailability(logger);

  /** How to reach an upstream, worked out once per upstream rather than on every request. */
  const destinations = new WeakMap<Upstream, Destination>();
  function destinationOf(upstream: Upstream): Destination {
    let destination = destinations.get(upstream);
    if (!destination) {
      const { target } = upstream;
      const secure = target.protocol === 'https:';
      destination = {
        request: secure ? https.request : http.request,
        agent: secure ? httpsAgent : httpAgent,
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || (secure ? 443 : 80),
        basePath: target.pathname === '/' ? '' : target.pathname.replace(/\/+$/, ''),
        host: target.host,
      };
      destinations.set(upstream, destination);
    }
    return destination;
  }

  /** Answers 503 at once when the upstream is known to be down; a request sent there would not fail fast. */
  function refuseIfDown(req: IncomingMessage, res: ServerResponse, upstream: Upstream): boolean {
    if (!availability.isDown(upstream)) return false;
    upstreamFailed(upstream, 'unavailable', undefined);
    sendUnavailable(req, res, upstream.service, options.retryAfterSeconds);
    return true;
  }

  /**
   * Counts a failure, and takes one that says nobody listens there now (`code`; undefined when the failure
   * proves nothing of the kind) as the upstream being down: requests to it are answered at once from then on,
   * and those already waiting for it are let go.
   */
  function upstreamFailed(upstream: Upstream, kind: UpstreamErrorKind, code: string | undefined): void {
    options.upstreamErrors.inc({ upstream: upstream.service, kind });
    if (code !== undefined && DOWN_CODES.has(code) && availability.markDown(upstream)) abandonWaiting(upstream);
  }

  /**
   * Answers at once the requests still waiting on a fresh connection to an upstream just found down. In PM2
   * cluster mode the master accepts connections for a crashed worker and holds them until a new one is up;
   * without this, those requests would hang for the whole restart. Requests on reused connections, already
   * answering, or whose attempt has already failed (the one that found the upstream down among them) are left
   * alone. Requests sent from now on are answered by `send`'s own check.
   */
  function abandonWaiting(upstream: Upstream): void {
    for (const exchange of pending.get(upstream.service) ?? []) {
      if (exchange.proxyRes || !exchange.proxyReq || exchange.proxyReq.reusedSocket) continue;
      exchange.abandoned = true;
      exchange.proxyReq.destroy(new Error(`${upstream.service} is down`));
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    // Checked again at each attempt, not only when the request came in: the upstream may have been found down
    // while the body was read or since the attempt being retried, and a request sent now would be held by PM2's
    // master (or handed to the dead worker) instead of failing fast.
    if (refuseIfDown(req, res, exchange.routed.upstream)) return;
    const to = destinationOf(exchange.routed.upstream);
    exchange.timedOut = false;
    clearTimeout(exchange.timer);
    const proxyReq = to.request({
      protocol: to.protocol,
      hostname: to.hostname,
      port: to.port,
      agent: to.agent,
      method: req.method,
      path: to.basePath + exchange.routed.path,
      headers: exchange.headers,
    });
    exchange.proxyReq = proxyReq;
    // Connect + response headers are bounded; a streaming body after that is not (a live SSE stream may be
    // quiet for long, and keep-alive comments are the servers' job), so this is not a socket idle timeout.
    exchange.timer = setTimeout(() => {
      exchange.timedOut = true;
      proxyReq.destroy(new Error('upstream response timeout'));
    }, options.upstreamTimeoutMs);
    proxyReq.on('response', (proxyRes) => onResponse(req, res, exchange, proxyRes));
    proxyReq.on('error', (err: NodeJS.ErrnoException) => onError(req, res, exchange, proxyReq, err));
    proxyReq.end(exchange.body.length > 0 ? exchange.body : undefined);
  }

  function onResponse(req: IncomingMessage, res: ServerResponse, exchange: Exchange, proxyRes: IncomingMessage): void {
    clearTimeout(exchange.timer);
    exchange.proxyRes = proxyRes;
    if (res.destroyed) {
      proxyRes.destroy();
      return;
    }
    const sse = (proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (sse) {
      // Tell nginx or a load balancer in front not to buffer the stream either.
      proxyRes.headers['x-accel-buffering'] = 'no';
      proxyRes.headers['cache-control'] = 'no-cache, no-transform';
    }
    options.onResponseHeaders?.(exchange.routed, req, proxyRes);
    // Headers already set on `res` (request id, CORS, `Connection: close` while draining) stay unless the
    // upstream sends the same one. (Set one by one, as `writeHead` would set an object's, without copying it.)
    const headers = proxyRes.headers;
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && !HOP_BY_HOP_RESPONSE.has(name)) res.setHeader(name, value);
    }
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage);
    if (sse) res.flushHeaders();
    proxyRes.on('error', () => res.destroy());
    // An upstream that dies mid-body: the client must see a cut response, not a short one that looks whole.
    proxyRes.on('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
    proxyRes.pipe(res);
  }

  function onError(req: IncomingMessage, res: ServerResponse, exchange: Exchange, proxyReq: ClientRequest, err: NodeJS.ErrnoException): void {
    // Either a later attempt owns the exchange now, or this attempt's failure was handled already: a request can
    // fail twice (destroying one whose connection was just hung up on emits a second error), and answering twice
    // would cut the client's connection under its next request.
    if (exchange.proxyReq !== proxyReq) return;
    exchange.proxyReq = undefined;
    clearTimeout(exchange.timer);
    if (res.destroyed) return;
    if (exchange.proxyRes) {
      // Cut only an answer that did not arrive whole; a whole one still flows out to the client.
      if (!exchange.proxyRes.complete) res.destroy();
      return;
    }
    const reset = err.code === 'ECONNRESET' || err.code === 'EPIPE';
    // A call that must not run twice, on a connection that broke after it was written: the server may have begun
    // it (a server that died under the call looks just like one that closed an idle connection), so it is neither
    // sent again nor answered as "unavailable, retry".
    const once = reset && !exchange.abandoned && !exchange.timedOut ? exchange.once() : undefined;
    if (once !== undefined) {
      const service = exchange.routed.upstream.service;
      // A reset of a reused connection is not by itself a sign that the server is down (it may only have closed
      // an idle connection); one of a fresh connection is.
      upstreamFailed(exchange.routed.upstream, 'bad_gateway', proxyReq.reusedSocket ? undefined : err.code);
      logger.warn(
        { upstream: service, requestId: exchange.requestId, code: err.code, kind: 'outcome_unknown' },
        'upstream connection lost under a call that is not sent twice',
      );
      sendProxyError(
        req,
        res,
        502,
        'outcome_unknown',
        `The connection to ${service} was lost after ${once} was sent: it may or may not have run. Check its effect before calling it again.`,
      );
      return;
    }
    // A reused keep-alive connection that the server closed as we sent (a restart or reload draining it): the
    // request most likely never reached a handler, so sending it once more on a fresh connection is safe for
    // everything but calls that must not run twice (above).
    if (!exchange.retried && !exchange.timedOut && !exchange.abandoned && !res.headersSent && proxyReq.reusedSocket && reset) {
      exchange.retried = true;
      logger.debug({ upstream: exchange.routed.upstream.service, requestId: exchange.requestId }, 'retrying on a fresh upstream connection');
      send(req, res, exchange);
      return;
    }
    const service = exchange.routed.upstream.service;
    const kind: UpstreamErrorKind = exchange.abandoned
      ? 'unavailable'
      : exchange.timedOut
        ? 'timeout'
        : err.code !== undefined && UNAVAILABLE_CODES.has(err.code)
          ? 'unavailable'
          : 'bad_gateway';
    upstreamFailed(exchange.routed.upstream, kind, err.code);
    logger.warn({ upstream: service, requestId: exchange.requestId, code: err.code, kind, detail: err.message }, 'upstream error');
    const retryAfter = { 'retry-after': String(options.retryAfterSeconds) };
    if (kind === 'timeout') sendProxyError(req, res, 504, 'upstream_timeout', `${service} did not answer within ${options.upstreamTimeoutMs} ms`, retryAfter);
    else if (kind === 'unavailable') sendUnavailable(req, res, service, options.retryAfterSeconds);
    else sendProxyError(req, res, 502, 'bad_gateway', `${service} failed (${err.code ?? 'bad gateway'})`, retryAfter);
  }

  return {
    refuseIfDown,
    /**
     * Reads a request's body whole, answering 413 (too large) or 408 (not in time) itself; undefined then.
     * MCP request bodies are small JSON-RPC messages; holding one (bounded) lets a request that met a keep-alive
     * connection just closed by a restarting server be sent again, which a streamed body could not.
     */
    async readRequestBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
      try {
        // Its headers were handed over before the parser went on to the body in the same packet: one turn later,
        // a small body is most often there whole. (A body declared over the limit is refused by bufferedBody unread.)
        if (!req.complete) await undefined;
        const body = bufferedBody(req, options.maxBodyBytes) ?? (await readBody(req, options.maxBodyBytes, options.bodyTimeoutMs));
        return res.destroyed ? undefined : body;
      } catch (err) {
        if (err instanceof BodyTooLargeError)
          sendProxyError(req, res, 413, 'body_too_large', `Request body is larger than ${options.maxBodyBytes} bytes`, { connection: 'close' });
        else if (err instanceof BodyTimeoutError) {
          // The connection goes with the answer: what is left of the body may never come.
          res.once('finish', () => req.socket.destroy());
          sendProxyError(req, res, 408, 'body_timeout', `The request body did not arrive within ${options.bodyTimeoutMs} ms`, { connection: 'close' });
        } else res.destroy();
        return undefined;
      }
    },
    /**
     * Sends a request on, with its body already read (`readRequestBody`). `once` names what in it must not run
     * twice, if anything (see `Exchange.once`); `release` (its concurrency slot) is called when the response closes.
     */
    forward(req: IncomingMessage, res: ServerResponse, request: ForwardedRequest): void {
      const { routed, requestId, body, release } = request;
      if (res.destroyed) {
        release?.();
        return;
      }
      const { upstream } = routed;
      const headers = upstreamHeaders(
        req,
        upstream,
        requestId,
        body,
        options.credentials,
        options.trustedProxies.forwardedBy(req),
        destinationOf(upstream).host,
        request.ops === true,
      );
      const exchange: Exchange = { routed, requestId, headers, body, retried: false, once: request.once ?? nothingOnce };
      let waiting = pending.get(upstream.service);
      if (!waiting) {
        waiting = new Set<Exchange>();
        pending.set(upstream.service, waiting);
      }
      waiting.add(exchange);
      // One listener for all that ends with the response.
      res.once('close', () => {
        clearTimeout(exchange.timer);
        waiting.delete(exchange);
        release?.();
        // The client went away (or the answer was cut): stop the upstream work too, e.g. a running tool call.
        if (!res.writableFinished) {
          exchange.proxyRes?.destroy();
          exchange.proxyReq?.destroy();
        }
      });
      send(req, res, exchange);
    },
    close(): void {
      availability.close();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * The client's headers as the upstream should see them: its own credential only (forwardsHeader), forwarding
 * headers, framing. Built as a list in one pass over the client's headers, which `http.request` sends as they are:
 * no copy of the headers object to delete from, and no `setHeader` for each one.
 */
export function upstreamHeaders(
  req: IncomingMessage,
  upstream: Upstream,
  requestId: string,
  body: Buffer,
  credentials: CredentialPolicy,
  trusted: boolean,
  destinationHost: string,
  ops = false,
): string[] {
  const incoming = req.headers;
  const named = connectionNamed(incoming.connection);
  // The request's trace: the client's `traceparent` as it came while the router records no spans, otherwise one
  // naming the router's span; one made here when the client sent none (see tracing/trace.ts).
  const traceparent = outgoingTraceparent();
  const out: string[] = [];
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    switch (name) {
      // What a client says about where a request came from counts only from a trusted proxy in front; these are
      // added below.
      case 'x-forwarded-for':
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
        continue;
      case 'forwarded':
        if (!trusted) continue;
        break;
      // The upstream's own name, set below: an ingress or TLS name check in front of an upstream (an `https://`
      // one elsewhere) must see its host, not the router's. The client's goes on in X-Forwarded-Host.
      case 'host':
      // The whole body is in hand: it is sent with its length, and there is nothing left to wait a `100 Continue` for.
      case 'expect':
      case 'transfer-encoding':
      case 'content-length':
      case REQUEST_ID_HEADER:
        continue;
      case 'traceparent':
        if (traceparent !== undefined) continue;
        break;
      case 'authorization':
      case 'x-benchling-api-key':
        if (ops) continue;
        break;
      // Checked here (applyOriginPolicy): the router's allowed origins are its own, not each server's.
      case 'origin':
        continue;
    }
    if (named.length > 0 && named.includes(name)) continue;
    if (!forwardsHeader(upstream.service, name, value, credentials)) continue;
    // Only `set-cookie` comes as a list: each of its values is a line of its own, as Node would send it.
    if (typeof value === 'string') out.push(name, value);
    else for (const each of value) out.push(name, each);
  }
  out.push('host', destinationHost);
  if (ops && upstream.opsAuthorization !== undefined) out.push('authorization', upstream.opsAuthorization);
  if (incoming['content-length'] !== undefined || body.length > 0) out.push('content-length', String(body.length));
  out.push(REQUEST_ID_HEADER, requestId);
  if (traceparent !== undefined) out.push('traceparent', traceparent);
  const before = trusted ? incoming['x-forwarded-for'] : undefined;
  const clientAddress = req.socket.remoteAddress;
  if (clientAddress) out.push('x-forwarded-for', before ? `${String(before)}, ${clientAddress}` : clientAddress);
  else if (before !== undefined) out.push('x-forwarded-for', String(before));
  // What a trusted proxy in front already said about the original request is kept; otherwise this hop is the edge.
  const proto = trusted ? incoming['x-forwarded-proto'] : undefined;
  out.push('x-forwarded-proto', proto === undefined ? ('encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http') : String(proto));
  const forwardedHost = (trusted ? incoming['x-forwarded-host'] : undefined) ?? incoming.host;
  if (forwardedHost !== undefined) out.push('x-forwarded-host', String(forwardedHost));
  return out;
}
