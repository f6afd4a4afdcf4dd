import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { inSpan, REQUEST_ID_HEADER } from '@labmcp/service-kit/service';
import { type CredentialPolicy, prepareUpstreamHeaders } from '../credentials.js';
import type { Upstream } from '../upstreams.js';
import type { BackendName } from './names.js';

/** A tool as a server lists it: passed on unchanged but for its name. */
export interface ListedTool {
  name: string;
  annotations?: { readOnlyHint?: boolean } & Record<string, unknown>;
  [key: string]: unknown;
}

/** What a server said to `tools/list` with the caller's credentials. */
export type ListAnswer =
  | { kind: 'ok'; tools: ListedTool[]; digest: string }
  | { kind: 'refused'; status: number; message: string; challenge?: string }
  | { kind: 'unavailable'; message: string };

/** A tool call's result, as the server sent it. */
export type CallResult = Record<string, unknown> & { isError?: boolean };

export type BackendFailureKind = 'unavailable' | 'refused' | 'timeout' | 'outcome_unknown' | 'bad_response';

/** A call that did not get an answer from its server; `rpc` when the server answered with a JSON-RPC error. */
export class BackendFailure extends Error {
  override readonly name = 'BackendFailure';
  constructor(
    readonly kind: BackendFailureKind | 'rpc',
    message: string,
    readonly rpc?: { code: number; message: string; data?: unknown },
  ) {
    super(message);
  }
}

export interface BackendOptions {
  credentials: CredentialPolicy;
  /** Time to connect and get response headers (as the prefixed routes' ROUTER_UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number;
  /**
   * The same for `tools/list`, which the servers answer from memory: a server that does not answer it quickly
   * (one PM2 is restarting holds new connections until it is back) is left out of the list rather than holding it.
   */
  listTimeoutMs: number;
  /** Whether the server is known to be down (answered at once), and where to report that it was found so. */
  availability: { isDown: (upstream: Upstream) => boolean; markDown: (upstream: Upstream) => unknown };
  /** Bound on one answer (a tool list, a call's whole event stream). */
  maxAnswerBytes: number;
}

/** What a call is sent with: the caller's headers, whose credentials go through the prefixed routes' own filter. */
export interface CallerHeaders {
  incoming: IncomingHttpHeaders;
  requestId: string;
  clientAddress: string;
}

// The 2025-era stateless form: one HTTP request per message, no initialize, answered by the servers' own `/mcp`.
const PROTOCOL_VERSION = '2025-11-25';
/**
 * Failures that leave a call unsent: nobody there, or an HTTPS server whose certificate was refused (not trusted,
 * expired, naming another host: `ERR_TLS_CERT_ALTNAME_INVALID`, `DEPTH_ZERO_SELF_SIGNED_CERT`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`...), which happens in the handshake, before the request is written.
 */
const NOT_SENT = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)$|CERT|^UNABLE_TO_/;
// Headers of the caller's request that reach a server: its credentials (filtered below) and who it is.
const PASSED = ['authorization', 'x-benchling-api-key', 'user-agent'];

/**
 * One MCP server behind `/mcp`, spoken to over its own Streamable HTTP endpoint with the caller's credential,
 * exactly as the prefixed route would forward it (prepareUpstreamHeaders).
 */
export class Backend {
  readonly service: string;

  constructor(
    readonly name: BackendName,
    readonly upstream: Upstream,
    private readonly options: BackendOptions,
  ) {
    this.service = upstream.service;
  }

  headersFor(caller: CallerHeaders): Record<string, string> {
    const headers: OutgoingHttpHeaders = {};
    for (const name of PASSED) if (caller.incoming[name] !== undefined) headers[name] = caller.incoming[name];
    prepareUpstreamHeaders(this.service, headers, this.options.credentials);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = String(value);
    out[REQUEST_ID_HEADER] = caller.requestId;
    out['x-forwarded-for'] = caller.clientAddress;
    return out;
  }

  /** The server's tool list for this caller (every page). */
  async list(caller: CallerHeaders, signal?: AbortSignal): Promise<ListAnswer> {
    const tools: ListedTool[] = [];
    const digest = createHash('sha256');
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      let res: Response;
      try {
        res = await this.post(
          caller,
          { jsonrpc: '2.0', id: 1, method: 'tools/list', params: cursor ? { cursor } : {} },
          'application/json',
          signal,
          this.options.listTimeoutMs,
        );
      } catch (err) {
        return { kind: 'unavailable', message: this.unavailableMessage(err) };
      }
      if (res.status === 401 || res.status === 403) {
        const message = await errorMessageOf(res);
        const challenge = res.headers.get('www-authenticate') ?? undefined;
        return { kind: 'refused', status: res.status, message, ...(challenge && { challenge }) };
      }
      if (!res.ok) {
        await res.body?.cancel();
        return { kind: 'unavailable', message: `${this.service} answered tools/list with HTTP ${res.status}` };
      }
      const text = await boundedText(res, this.options.maxAnswerBytes);
      const message = parseJson(text) as { result?: { tools?: ListedTool[]; nextCursor?: string } } | undefined;
      if (!Array.isArray(message?.result?.tools)) return { kind: 'unavailable', message: `${this.service} sent a tools/list answer that is not one` };
      digest.update(text);
      tools.push(...message.result.tools);
      cursor = message.result.nextCursor;
      if (!cursor) break;
    }
    return { kind: 'ok', tools, digest: digest.digest('base64url').slice(0, 22) };
  }

  /**
   * Calls one of the server's tools. Progress notifications the server sends are handed to `onProgress`
   * (with `progressToken` as the client's own); aborting `signal` closes the request, which the server takes as
   * the call's cancellation, as on the prefixed route. Never sent twice.
   */
  async call(
    caller: CallerHeaders,
    tool: string,
    args: Record<string, unknown> | undefined,
    options: { signal?: AbortSignal; progressToken?: string | number; onProgress?: (params: Record<string, unknown>) => void } = {},
  ): Promise<CallResult> {
    const params: Record<string, unknown> = { name: tool, arguments: args ?? {} };
    if (options.progressToken !== undefined) params._meta = { progressToken: options.progressToken };
    let res: Response;
    try {
      res = await this.post(caller, { jsonrpc: '2.0', id: 1, method: 'tools/call', params }, 'application/json, text/event-stream', options.signal);
    } catch (err) {
      if (options.signal?.aborted) throw new BackendFailure('outcome_unknown', 'The call was cancelled');
      if ((err as Error).name === 'TimeoutError') throw new BackendFailure('timeout', `${this.service} did not answer within ${this.options.timeoutMs} ms`);
      const code = causeCode(err);
      // Refused before anything was sent: the call did not run. Anything else may have reached the server.
      if (code !== undefined && NOT_SENT.test(code)) throw new BackendFailure('unavailable', this.unavailableMessage(err));
      throw new BackendFailure('outcome_unknown', `The connection to ${this.service} was lost after the call of ${tool} was sent: it may or may not have run.`);
    }
    if (res.status === 401 || res.status === 403) throw new BackendFailure('refused', `${this.service} refused your credentials: ${await errorMessageOf(res)}`);
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream')) return this.readStream(res, tool, options.onProgress, options.signal);
    const text = await boundedText(res, this.options.maxAnswerBytes);
    const message = parseJson(text) as JsonRpcAnswer | undefined;
    if (message && (message.result || message.error)) return answerOf(message);
    if (res.status === 503) throw new BackendFailure('unavailable', `${this.service} is unavailable (down or restarting); retry shortly`);
    throw new BackendFailure('bad_response', `${this.service} answered the call with HTTP ${res.status}`);
  }

  private async readStream(
    res: Response,
    tool: string,
    onProgress: ((params: Record<string, unknown>) => void) | undefined,
    signal?: AbortSignal,
  ): Promise<CallResult> {
    const decoder = new TextDecoder();
    let buffered = '';
    let total = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > this.options.maxAnswerBytes)
          throw new BackendFailure('bad_response', `${this.service}'s answer to ${tool} is larger than ${this.options.maxAnswerBytes} bytes`);
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.search(/\r?\n\r?\n/);
        while (end !== -1) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + (buffered[end] === '\r' ? 4 : 2));
          const data = event
            .split(/\r?\n/)
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).replace(/^ /, ''))
            .join('\n');
          const message = data ? (parseJson(data) as (JsonRpcAnswer & { method?: string; params?: Record<string, unknown> }) | undefined) : undefined;
          if (message?.method === 'notifications/progress' && message.params) onProgress?.(message.params);
          else if (message && message.id !== undefined && (message.result || message.error)) return answerOf(message);
          end = buffered.search(/\r?\n\r?\n/);
        }
      }
    } catch (err) {
      if (err instanceof BackendFailure) throw err;
      if (signal?.aborted) throw new BackendFailure('outcome_unknown', 'The call was cancelled');
    }
    throw new BackendFailure('outcome_unknown', `${this.service}'s answer to the call of ${tool} was cut: it may or may not have run.`);
  }

  private async post(caller: CallerHeaders, message: unknown, accept: string, signal?: AbortSignal, timeoutMs = this.options.timeoutMs): Promise<Response> {
    if (this.options.availability.isDown(this.upstream)) throw Object.assign(new Error(`${this.service} is down`), { code: 'ECONNREFUSED' });
    const body = JSON.stringify(message);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('no answer in time', 'TimeoutError')), timeoutMs);
    const method = (message as { method?: unknown }).method;
    const attributes = { 'http.request.method': 'POST', 'server.address': this.service, ...(typeof method === 'string' && { 'mcp.method.name': method }) };
    try {
      // A client span of the caller's trace (while spans are exported) until the server's answer begins; the server
      // joins the trace through the `traceparent` sent along, as it does behind the prefixed routes.
      return await inSpan(`POST ${this.service}`, 'client', attributes, async (span) => {
        const traceparent = span.traceparent();
        const res = await fetch(new URL('/mcp', this.upstream.target), {
          method: 'POST',
          headers: {
            ...this.headersFor(caller),
            'content-type': 'application/json',
            accept,
            'mcp-protocol-version': PROTOCOL_VERSION,
            ...(traceparent !== undefined && { traceparent }),
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
        });
        span.set({ 'http.response.status_code': res.status });
        if (res.status >= 500) span.fail(`HTTP ${res.status}`);
        return res;
      });
    } catch (err) {
      // Nobody listening there: answered at once from now on, until its /health answers (as on the prefixed routes).
      if (causeCode(err) === 'ECONNREFUSED') this.options.availability.markDown(this.upstream);
      throw err;
    } finally {
      // Only the wait for headers is bounded: a streaming answer may take as long as the call does.
      clearTimeout(timer);
    }
  }

  private unavailableMessage(err: unknown): string {
    const code = causeCode(err);
    return `${this.service} is unavailable (${code ?? (err as Error).message}); its tools are left out until it is back`;
  }
}

interface JsonRpcAnswer {
  id?: unknown;
  result?: CallResult;
  error?: { code: number; message: string; data?: unknown };
}

function answerOf(message: JsonRpcAnswer): CallResult {
  if (message.error) throw new BackendFailure('rpc', message.error.message, message.error);
  return message.result as CallResult;
}

function causeCode(err: unknown): string | undefined {
  return (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function boundedText(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) {
    await res.body?.cancel();
    throw new BackendFailure('bad_response', `an answer of ${declared} bytes is larger than ${max}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw new BackendFailure('bad_response', `an answer is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The message of a refusal (a JSON-RPC error or the router's JSON error), for saying why in an answer. */
async function errorMessageOf(res: Response): Promise<string> {
  const body = parseJson(await boundedText(res, 64 * 1024).catch(() => '')) as { error?: { message?: string } | string; message?: string } | undefined;
  const message = typeof body?.error === 'object' ? body.error.message : body?.message;
  return message ?? `HTTP ${res.status}`;
}
