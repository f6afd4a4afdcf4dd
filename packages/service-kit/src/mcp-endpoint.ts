import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type McpHandlerRequestOptions,
  McpServer,
  type McpServerFactory,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { answerFor, type CacheableRequest, cacheableRequest, createAnswerCache, templateOf, verifiedCacheable } from './answer-cache.js';
import { BodyTimeoutError, BodyTooLargeError, bufferedBody, DEFAULT_BODY_TIMEOUT_MS, readBody } from './request-body.js';
import { sendJsonRpcError } from './responses.js';
import { createSharedToolCalls, type SharedCall, sharedCallCandidate } from './shared-server.js';

export interface McpEndpointOptions {
  /** Bodies over this are answered 413 before anything is parsed. */
  maxRequestBodySize?: number;
  /**
   * Time a client has to send a request body, declared or chunked, once the headers are in (408 and the connection
   * closed past it). Default 30 s (the servers pass `LABMCP_MCP_BODY_TIMEOUT_MS`, see mcp-service.ts).
   */
  bodyTimeoutMs?: number;
  /** SSE comment frames while a call runs, so idle timeouts of proxies in front don't cut long calls. */
  keepAliveMs?: number;
  onerror?: (error: Error) => void;
  /**
   * Distinct `tools/list` / `initialize` / `server/discover` answers kept (see answer-cache.ts); 0 turns the cache
   * off. Default 64 entries, at most `answerCacheMaxBytes` (default 8 MiB) in all.
   */
  answerCacheEntries?: number;
  answerCacheMaxBytes?: number;
  /**
   * Serve 2025-era JSON-only `tools/call` requests on one server built once by `factory` (shared-server.ts) instead
   * of a fresh one per request. Only for factories whose servers do not depend on the request: the tools read
   * the caller from the request's AuthInfo (registerTools' `callerContext`). Default false.
   */
  sharedToolCalls?: boolean;
}

/** The head of the SDK transport's SSE answers (WebStandardStreamableHTTPServerTransport), and its keep-alive default. */
const SSE_HEADERS = { 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' };
const SDK_KEEP_ALIVE_MS = 15_000;

/** The SDK's own default (toNodeHandler), used when no limit is given. */
const DEFAULT_MAX_REQUEST_BODY_SIZE = 4 * 1024 * 1024;

export interface McpEndpoint {
  /**
   * `body`: the request's body when the caller has read it already (the router reads it under its own limits).
   * A request answered at once (from the answer cache) is done when this returns: no promise then.
   */
  handle: (req: IncomingMessage, res: ServerResponse, authInfo?: AuthInfo, body?: Buffer) => void | Promise<void>;
  close: () => Promise<void>;
}

/** An SSE answer kept for the cache is read whole first; the answers cached are one event of a few tens of KB. */
const MAX_SSE_KEPT_BYTES = 4 * 1024 * 1024;

/**
 * A JSON answer is one string already; with its length declared it leaves in one write. Without it, the Node
 * adapter sends it chunked: two writes here, and the router in front has to re-chunk it (two more).
 *
 * `keep` (set when the answer may go into the answer cache) gets the answer's bytes: a JSON answer's, and an SSE
 * answer's once its stream has ended (a cacheable method's stream is its one answer event; it is then sent as
 * read, chunked, its headers unchanged).
 */
async function withContentLength(response: Response, keep?: (status: number, headers: Headers, body: Uint8Array) => void): Promise<Response> {
  const type = response.headers.get('content-type') ?? '';
  if (keep && response.body !== null && type.startsWith('text/event-stream')) {
    const read = await readUpTo(response.body, MAX_SSE_KEPT_BYTES);
    if (read.whole) keep(response.status, response.headers, read.bytes);
    return new Response(read.body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  if (response.body === null || response.headers.has('content-length') || !type.startsWith('application/json')) return response;
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set('content-length', String(body.byteLength));
  keep?.(response.status, headers, body);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Reads the stream to its end, or until it has given more than `max` bytes; `body` is the same bytes again, the
 * rest of the stream after them when it was not read whole.
 */
async function readUpTo(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<{ whole: true; bytes: Uint8Array; body: Uint8Array } | { whole: false; body: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      const bytes = Buffer.concat(chunks);
      return { whole: true, bytes, body: bytes };
    }
    chunks.push(value);
    size += value.byteLength;
    if (size > max) break;
  }
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    pull: async (controller) => {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { whole: false, body };
}

/**
 * Reads a request body, or resolves undefined when the client goes away first, when it has not sent the body within
 * `timeoutMs` (answered 408 then, and the connection closed after it, as the router does), or when a chunked body
 * (no declared length) turns out larger than `limit` (answered 413). The stream is then spent, hence `replaying`.
 * A small body has usually arrived with the headers, and the parser has ended the message by the time the caller
 * is authenticated: it is taken as it is, at once, without a promise.
 */
function readRequestBody(req: IncomingMessage, res: ServerResponse, limit: number, timeoutMs: number): Buffer | undefined | Promise<Buffer | undefined> {
  const refused = (err: unknown): undefined => {
    const status = err instanceof BodyTimeoutError ? 408 : err instanceof BodyTooLargeError ? 413 : undefined;
    if (status === undefined || res.headersSent) return undefined;
    // What is left of the body may never come, or is not wanted.
    res.once('finish', () => req.socket.destroy());
    const message =
      status === 408
        ? `Request Timeout: the request body did not arrive within ${timeoutMs} ms`
        : `Payload Too Large: the request body is larger than ${limit} bytes`;
    sendJsonRpcError(res, status, -32000, message, null, { connection: 'close' });
    return undefined;
  };
  try {
    return bufferedBody(req, limit) ?? readBody(req, limit, timeoutMs).catch(refused);
  } catch (err) {
    // bufferedBody's own refusal of a body it has already seen to be too large.
    if (!(err instanceof BodyTooLargeError)) throw err;
    return refused(err);
  }
}

/** The request as the SDK's Node adapter sees it (method, url, headers, auth), with its body read from `body`. */
function replaying(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Object.create(req) as IncomingMessage;
  Object.defineProperty(replay, Symbol.asyncIterator, {
    value: async function* () {
      if (body.byteLength > 0) yield body;
    },
  });
  return replay;
}

/**
 * An MCP server for this endpoint's factory. It declares `tools.listChanged: false` outright (the SDK would declare
 * true): the tool lists are fixed, and a stateless server has no session on which to send the notification.
 */
export function createStatelessMcpServer(name: string, version: string, instructions: string): McpServer {
  return new McpServer({ name, version }, { instructions, capabilities: { tools: { listChanged: false } } });
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The request, parsed, when it is a `tools/call` the shared server may answer (cheap to reject: a substring test first). */
function sharedCall(text: string, headers: IncomingMessage['headers']) {
  if (!text.includes('"tools/call"')) return undefined;
  try {
    return sharedCallCandidate(JSON.parse(text), headers);
  } catch {
    return undefined;
  }
}

function acceptsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('text/event-stream');
}

/**
 * Streamable HTTP for both protocol eras, stateless, so any instance can answer any request:
 * - 2026-07-28 requests (per-request `_meta`, `server/discover`) and 2025-era requests from clients that accept
 *   SSE go through the SDK's own `createMcpHandler`;
 * - 2025-era requests from clients that accept only JSON (plain curl/fetch) get a plain JSON-RPC answer, where
 *   the SDK's stateless fallback would refuse them with 406.
 */
export function createMcpEndpoint(factory: McpServerFactory, options: McpEndpointOptions = {}): McpEndpoint {
  const { maxRequestBodySize, keepAliveMs, onerror } = options;
  const maxBody = maxRequestBodySize ?? DEFAULT_MAX_REQUEST_BODY_SIZE;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const answerCacheEntries = options.answerCacheEntries ?? 64;
  const answers = answerCacheEntries > 0 ? createAnswerCache(answerCacheEntries, options.answerCacheMaxBytes ?? 8 * 1024 * 1024) : undefined;
  // A cacheable request on its way through the SDK, found again by its AuthInfo (the one object that reaches
  // `fetch` from `handle` unchanged), so that its answer can be kept.
  const pending = new WeakMap<AuthInfo, CacheableRequest>();
  const shared = options.sharedToolCalls ? createSharedToolCalls(() => factory({ era: 'legacy' })) : undefined;
  const keep = (authInfo: AuthInfo | undefined) => {
    const candidate = authInfo && pending.get(authInfo);
    if (!candidate || !answers) return undefined;
    return (status: number, headers: Headers, body: Uint8Array) => {
      const flat: Record<string, string> = {};
      for (const [name, value] of headers) flat[name] = value;
      const answer = templateOf(status, flat, Buffer.from(body.buffer, body.byteOffset, body.byteLength), candidate.id);
      if (answer) answers.set(candidate.key, answer);
    };
  };

  const handler = createMcpHandler(factory, {
    legacy: 'stateless',
    ...(maxRequestBodySize !== undefined && { maxRequestBodySize }),
    ...(keepAliveMs !== undefined && { keepAliveMs }),
    ...(onerror && { onerror }),
  });

  async function jsonOnlyLegacy(request: Request, opts?: McpHandlerRequestOptions): Promise<Response> {
    const server = await factory({ era: 'legacy', requestInfo: request, ...(opts?.authInfo && { authInfo: opts.authInfo }) });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      ...(maxRequestBodySize !== undefined && { maxRequestBodySize }),
    });
    await server.connect(transport);
    try {
      // The transport insists that clients accept SSE even when it answers with JSON; this client cannot
      // receive a stream, and in JSON mode it will not get one.
      const headers = new Headers(request.headers);
      headers.set('accept', 'application/json, text/event-stream');
      const body = await request.arrayBuffer();
      const rewritten = new Request(request.url, { method: request.method, headers, body, signal: request.signal });
      return await transport.handleRequest(rewritten, opts);
    } finally {
      await transport.close().catch(() => {});
      await server.close().catch(() => {});
    }
  }

  const nodeHandler = toNodeHandler(
    {
      fetch: async (request, opts) => {
        if (
          request.method === 'POST' &&
          !acceptsEventStream(request) &&
          (await isLegacyRequest(request, undefined, maxRequestBodySize !== undefined ? { maxRequestBodySize } : undefined))
        ) {
          return withContentLength(await jsonOnlyLegacy(request, opts), keep(opts?.authInfo));
        }
        return withContentLength(await handler.fetch(request, opts), keep(opts?.authInfo));
      },
    },
    { ...(maxRequestBodySize !== undefined && { maxRequestBodySize }), ...(onerror && { onerror }) },
  );

  /** A 2025-era tools/call for the shared server, answered as the per-request way would have. */
  async function answerShared(req: IncomingMessage, res: ServerResponse, authInfo: AuthInfo, call: SharedCall, body: Buffer): Promise<void> {
    let keepAlive: NodeJS.Timeout | undefined;
    const json = await shared!.answer(
      call.request,
      headerOf(req, 'mcp-protocol-version'),
      authInfo,
      () => {
        if (!call.sse) return;
        // As the SDK's transport streams it: the head at once, comment frames while the call runs.
        res.writeHead(200, SSE_HEADERS);
        if (keepAliveMs !== 0) keepAlive = setInterval(() => res.write(': keepalive\n\n'), keepAliveMs ?? SDK_KEEP_ALIVE_MS).unref();
      },
      (cancel) => {
        res.once('close', () => {
          if (!res.writableFinished) cancel();
        });
      },
    );
    clearInterval(keepAlive);
    if (json === null) {
      if (!res.writableEnded) res.end();
      return;
    }
    if (json === undefined) return nodeHandler(replaying(req, body), res);
    if (call.sse) res.end(`event: message\ndata: ${json}\n\n`);
    else {
      const bytes = Buffer.from(json);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.byteLength) });
      res.end(bytes);
    }
  }

  /** The request, its body read: from the answer cache at once, else the shared server or the SDK (a promise). */
  function answerBody(req: IncomingMessage, res: ServerResponse, authInfo: AuthInfo, body: Buffer): void | Promise<void> {
    const text = body.toString('utf8');
    const candidate = answers && cacheableRequest(text, req.headers, authInfo.scopes);
    if (candidate) {
      const hit = answers.get(candidate.key);
      if (hit) {
        const answer = answerFor(hit, candidate.id);
        res.writeHead(hit.status, answer.headers);
        // Corked: head and the three pieces leave in one writev.
        res.cork();
        res.write(answer.body[0]);
        res.write(answer.body[1]);
        res.end(answer.body[2]);
        res.uncork();
        return;
      }
      if (verifiedCacheable(text, candidate)) pending.set(authInfo, candidate);
    }
    const call = shared && sharedCall(text, req.headers);
    if (call) return answerShared(req, res, authInfo, call, body);
    return nodeHandler(replaying(req, body), res);
  }

  const handle = (req: IncomingMessage, res: ServerResponse, authInfo?: AuthInfo, given?: Buffer): void | Promise<void> => {
    // Every POST body is read here, under the limit and the deadline, before anything else (the SDK's own reading
    // would bound its size but not its time); one declared over the limit is left to the SDK, which refuses it
    // unread. A chunked body, which declares no length, is held to the limit as it arrives.
    if (!given && req.method === 'POST' && !(Number(req.headers['content-length']) > maxBody)) {
      const read = readRequestBody(req, res, maxBody, bodyTimeoutMs);
      if (!(read instanceof Promise)) return read === undefined ? undefined : handle(req, res, authInfo, read);
      return read.then((body) => (body === undefined ? undefined : handle(req, res, authInfo, body)));
    }
    if (authInfo) (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    // Not a POST with its body in hand within the limit (a GET, one declared over the limit): the SDK answers it as it does.
    if ((!answers && !shared) || !authInfo || !given || !(given.byteLength > 0 && given.byteLength <= maxBody))
      return nodeHandler(given ? replaying(req, given) : req, res);
    return answerBody(req, res, authInfo, given);
  };

  return {
    handle,
    close: async () => {
      await shared?.close();
      await handler.close();
    },
  };
}
