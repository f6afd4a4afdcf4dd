import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  isLegacyRequest,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type McpHandlerRequestOptions,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

export interface McpEndpointOptions {
  /** Bodies over this are answered 413 before anything is parsed. */
  maxRequestBodySize?: number;
  /** SSE comment frames while a call runs, so idle timeouts of proxies in front don't cut long calls. */
  keepAliveMs?: number;
  onerror?: (error: Error) => void;
}

export interface McpEndpoint {
  handle: (req: IncomingMessage, res: ServerResponse, authInfo?: AuthInfo) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A JSON answer is one string already; with its length declared it leaves in one write. Without it, the Node
 * adapter sends it chunked: two writes here, and the router in front has to re-chunk it (two more).
 */
async function withContentLength(response: Response): Promise<Response> {
  if (response.body === null || response.headers.has('content-length') || !(response.headers.get('content-type') ?? '').startsWith('application/json')) return response;
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set('content-length', String(body.byteLength));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * An MCP server for this endpoint's factory. It declares `tools.listChanged: false` outright (the SDK would declare
 * true): the tool lists are fixed, and a stateless server has no session on which to send the notification.
 */
export function createStatelessMcpServer(name: string, version: string, instructions: string): McpServer {
  return new McpServer({ name, version }, { instructions, capabilities: { tools: { listChanged: false } } });
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
          return withContentLength(await jsonOnlyLegacy(request, opts));
        }
        return withContentLength(await handler.fetch(request, opts));
      },
    },
    { ...(maxRequestBodySize !== undefined && { maxRequestBodySize }), ...(onerror && { onerror }) },
  );

  return {
    handle: (req, res, authInfo) => {
      if (authInfo) (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
      return nodeHandler(req, res);
    },
    close: () => handler.close(),
  };
}
