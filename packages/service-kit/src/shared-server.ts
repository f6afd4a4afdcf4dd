import {
  type AuthInfo,
  classifyInboundRequest,
  isJsonContentType,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServer,
  type MessageExtraInfo,
  parseJSONRPCMessage,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';

/**
 * A 2025-era `tools/call` from a client that accepts only JSON is answered by the SDK's stateless JSON transport
 * with one JSON body and nothing else (notifications are dropped in that mode). Building a fresh McpServer with
 * every tool and a fresh web-standard transport (undici Request/Response, web streams, an AbortSignal per request)
 * for that was most of the ~1.2 ms of CPU such a call cost. Here one McpServer, built once by the same factory,
 * serves all of them through this transport: each call is delivered to the SDK's protocol layer as its own request
 * (the SDK validates it, finds the tool, checks arguments and result against the tool's schemas, encodes the
 * result), with the caller's AuthInfo beside it, exactly as the per-request transport delivers it.
 *
 * This is safe because nothing of a caller lives in the server: the tools read the caller from the request's
 * AuthInfo (registerTools' `callerContext`), and a `tools/call` changes no state of the server. Only 2025-era
 * `tools/call` comes here, from clients that accept only JSON and from clients that accept SSE too (the SDK
 * clients; their answer is framed as the one SSE event the SDK's transport would send) when they asked for no
 * progress. `initialize` (which records the client), everything of the 2026-07-28 era (whose per-request envelope
 * seeds the client's identity into the server), calls with a progress token and batches still get a server of
 * their own.
 */
class SharedServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** What the server supports, as it tells every transport it connects to; checked as the JSON transport does. */
  supportedProtocolVersions: readonly string[] = [];
  /** Calls in flight, by the id this transport gave them (clients' ids may collide with each other). */
  private readonly pending = new Map<number, { id: string | number; resolve: (json: string | null) => void }>();
  private nextId = 0;
  private closed = false;

  async start(): Promise<void> {}

  setSupportedProtocolVersions(versions: string[]): void {
    this.supportedProtocolVersions = versions;
  }

  /**
   * Delivers the request; `answer` resolves with the JSON answer the SDK gives it, or null when there is none
   * (`cancel` was called — the client went away — and the call was cancelled in the SDK as a
   * `notifications/cancelled` would; or the server closed).
   */
  call(request: JSONRPCRequest, authInfo: AuthInfo): { answer: Promise<string | null>; cancel: () => void } {
    if (this.closed || !this.onmessage) return { answer: Promise.resolve(null), cancel: () => {} };
    const internalId = ++this.nextId;
    let settle: (json: string | null) => void = () => {};
    const answer = new Promise<string | null>((resolve) => {
      settle = resolve;
    });
    this.pending.set(internalId, { id: request.id, resolve: settle });
    const cancel = () => {
      if (!this.pending.delete(internalId)) return;
      settle(null);
      this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: internalId, reason: 'client disconnected' } });
    };
    this.onmessage({ ...request, id: internalId }, { authInfo });
    return { answer, cancel };
  }

  async send(message: JSONRPCMessage): Promise<void> {
    // Only the answer goes back: the JSON transport drops what a handler sends before it (progress, logs).
    if (!('id' in message) || typeof message.id !== 'number' || !('result' in message || 'error' in message)) return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    // The id goes back where it was: the bytes are those the JSON transport would send (JSON.stringify of the message).
    waiting.resolve(JSON.stringify({ ...message, id: waiting.id }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiting of this.pending.values()) waiting.resolve(null);
    this.pending.clear();
    this.onclose?.();
  }
}

/** What the shared server may answer, and how the per-request way would have framed it. */
export interface SharedCall {
  request: JSONRPCRequest;
  /**
   * The client accepts SSE (the SDK clients do): the per-request way answers with an SSE stream holding the one
   * answer event (keep-alive comments while it runs). Only without a progress token, so nothing but the answer
   * can go on it.
   */
  sse: boolean;
}

/** A parsed body the shared server may answer, or undefined when it must go the SDK's per-request way. */
export function sharedCallCandidate(body: unknown, headers: Record<string, string | string[] | undefined>): SharedCall | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { method?: unknown }).method !== 'tools/call') return undefined;
  const accept = String(headers.accept ?? '').toLowerCase();
  const sse = accept.includes('text/event-stream');
  // The SDK's transport refuses (406) a client that accepts SSE but not JSON: leave that to it.
  if ((sse && !accept.includes('application/json')) || !isJsonContentType(String(headers['content-type'] ?? ''))) return undefined;
  if (headers['mcp-session-id'] !== undefined) return undefined;
  const header = (name: string) => (typeof headers[name] === 'string' ? headers[name] : undefined);
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: header('mcp-protocol-version'),
    mcpMethodHeader: header('mcp-method'),
    mcpNameHeader: header('mcp-name'),
    body,
  });
  if (route.kind !== 'legacy') return undefined;
  let message: JSONRPCMessage;
  try {
    message = parseJSONRPCMessage(body);
  } catch {
    return undefined;
  }
  if (!('method' in message) || !('id' in message)) return undefined;
  const request = message as JSONRPCRequest;
  if (sse && request.params?._meta?.progressToken !== undefined) return undefined;
  return { request, sse };
}

export interface SharedToolCalls {
  /**
   * Serves the request on the shared server: resolves with the JSON answer; null when there is none (the client
   * went away: `gone` was called); undefined when the request is not one for the shared server after all (an
   * unsupported protocol version header, which the SDK's transport refuses with its own 400) — use the SDK's way.
   * `accepted` runs once the request is taken, before it is delivered (an SSE answer's head goes out then).
   */
  answer: (
    request: JSONRPCRequest,
    protocolVersion: string | undefined,
    authInfo: AuthInfo,
    accepted: () => void,
    gone: (cancel: () => void) => void,
  ) => Promise<string | null | undefined>;
  close: () => Promise<void>;
}

/** Builds the shared server on first use, from `build` (the endpoint's factory); a failed build is tried again next time. */
export function createSharedToolCalls(build: () => McpServer | Server | Promise<McpServer | Server>): SharedToolCalls {
  let ready: Promise<{ server: McpServer | Server; transport: SharedServerTransport }> | undefined;
  let closed = false;
  const connect = () => {
    if (!ready) {
      ready = (async () => {
        const server = await build();
        const transport = new SharedServerTransport();
        await server.connect(transport);
        return { server, transport };
      })();
      ready.catch(() => {
        ready = undefined;
      });
    }
    return ready;
  };
  return {
    answer: async (request, protocolVersion, authInfo, accepted, gone) => {
      if (closed) return undefined;
      const { transport } = await connect();
      if (protocolVersion !== undefined && !transport.supportedProtocolVersions.includes(protocolVersion)) return undefined;
      accepted();
      const { answer, cancel } = transport.call(request, authInfo);
      gone(cancel);
      return answer;
    },
    close: async () => {
      closed = true;
      const current = ready;
      ready = undefined;
      if (current) await (await current).server.close().catch(() => {});
    },
  };
}
