import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './traceparent.js';

export type SpanKind = 'server' | 'client' | 'internal';
export type SpanAttributes = Record<string, string | number | boolean>;

/** A span of this process, recorded only while spans are exported (see `startTracing`). */
export interface SpanRecord {
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  startTime: number;
  /** Never headers, credentials or signed URLs: ids, names, methods, paths and statuses only. */
  attributes: SpanAttributes;
  /** Why the operation failed, when it did: an error's name or code, or a status. Never an error's message. */
  error?: string;
}

/** The trace a piece of work belongs to, carried with it (AsyncLocalStorage) into its log lines and outgoing calls. */
export interface TraceScope {
  traceId: string;
  /**
   * The span that calls made from here name as their parent: this process's own span when spans are exported;
   * otherwise the caller's span, passed through unchanged (or a made-up one when the request brought no trace).
   */
  spanId: string;
  /** The parent of this process's span (spans exported only); undefined for a root span. */
  parentSpanId?: string;
  /** Whether the parent is another process's span (the caller's) rather than one of this process. */
  remoteParent?: boolean;
  /** W3C trace flags, two hex digits. */
  flags: string;
  /** Where the trace id came from: a `traceparent` header, an MCP request's `_meta.traceparent`, or made here. */
  origin: 'header' | 'meta' | 'new';
  span?: SpanRecord;
  /**
   * Where the spans of this work go: the sink of the service whose request it is, if that service exports spans.
   * Several services may share a process (run-together.ts), and only those that started tracing record spans.
   */
  sink?: SpanSink | undefined;
}

/** Where finished spans go: the OpenTelemetry SDK (otel.ts), loaded only when an OTLP endpoint is configured. */
export interface SpanSink {
  record: (scope: TraceScope, span: SpanRecord, endTime: number) => void;
  flush: () => Promise<void>;
}

const store = new AsyncLocalStorage<TraceScope>();
/** By service: in a process that runs several (run-together.ts), each exports its spans under its own name, or none. */
const sinks = new Map<string, SpanSink>();
/**
 * The trace of a response, kept on it for its access line, which is written from the response's `finish` event
 * (a property rather than a WeakMap entry: several times cheaper per request).
 */
const RESPONSE_TRACE = Symbol('labmcp.trace');
type TracedResponse = ServerResponse & { [RESPONSE_TRACE]?: TraceScope };

/** Where `service`'s spans go from now on (undefined: nowhere). */
export function setSpanSink(service: string, next: SpanSink | undefined): void {
  if (next) sinks.set(service, next);
  else sinks.delete(service);
}

/** Whether `service` records and exports spans (without a service: whether any service of this process does). */
export function recordingSpans(service?: string): boolean {
  return service === undefined ? sinks.size > 0 : sinks.has(service);
}

export async function flushSpans(): Promise<void> {
  await Promise.all([...sinks.values()].map((sink) => sink.flush()));
}

export function currentTrace(): TraceScope | undefined {
  return store.getStore();
}

/** The trace of what a log line is about: the response being logged (access lines), else the work running now. */
export function traceOfLogLine(merge: object): TraceScope | undefined {
  const res = (merge as { res?: TracedResponse }).res;
  return (typeof res === 'object' && res !== null && res[RESPONSE_TRACE]) || store.getStore();
}

const now = (): number => performance.timeOrigin + performance.now();

/** The trace a request arrives with (its `traceparent` header), or a new one; `sink` when its service records spans. */
export function incomingTrace(traceparent: unknown, sink?: SpanSink): TraceScope {
  const parent = parseTraceparent(traceparent);
  if (!parent) return { traceId: newTraceId(), spanId: newSpanId(), flags: '01', origin: 'new', sink };
  if (!sink) return { traceId: parent.traceId, spanId: parent.parentId, flags: parent.flags, origin: 'header', sink };
  return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.parentId, remoteParent: true, flags: parent.flags, origin: 'header', sink };
}

/**
 * Joins the trace named by an MCP request's `_meta.traceparent`, for a request that came without a `traceparent`
 * header (a header wins: it names the nearer caller, a proxy's span for instance). Everything of the request not
 * yet logged or recorded then carries that trace. False when the value is malformed or the trace is fixed already.
 */
export function adoptTraceparent(scope: TraceScope | undefined, traceparent: unknown): boolean {
  if (scope?.origin !== 'new') return false;
  const parent = parseTraceparent(traceparent);
  if (!parent) return false;
  scope.traceId = parent.traceId;
  scope.flags = parent.flags;
  scope.origin = 'meta';
  if (scope.span) {
    scope.parentSpanId = parent.parentId;
    scope.remoteParent = true;
  } else scope.spanId = parent.parentId;
  return true;
}

/** The `traceparent` for a call made from the current work, or undefined outside any trace. */
export function outgoingTraceparent(): string | undefined {
  const scope = store.getStore();
  return scope && formatTraceparent(scope.traceId, scope.spanId, scope.flags);
}

/**
 * Serves one HTTP request within its trace: log lines carry its trace id, outgoing calls its `traceparent`, and,
 * while spans are exported, a server span covers it (`record` false for health probes and scrapes, which would
 * only drown the traces worth seeing).
 */
export function serveInTrace(
  service: string,
  req: IncomingMessage,
  res: ServerResponse,
  record: boolean,
  serve: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  const scope = incomingTrace(req.headers.traceparent, sinks.get(service));
  (res as TracedResponse)[RESPONSE_TRACE] = scope;
  if (scope.sink && record) {
    const method = req.method ?? 'HTTP';
    const span: SpanRecord = { name: method, kind: 'server', startTime: now(), attributes: { 'http.request.method': method } };
    scope.span = span;
    res.once('close', () => {
      span.attributes['http.response.status_code'] = res.statusCode;
      if (!res.writableFinished) span.error = 'response not completed';
      else if (res.statusCode >= 500) span.error = `HTTP ${res.statusCode}`;
      endSpan(scope);
    });
  }
  store.run(scope, serve, req, res);
}

/** Names the current request's server span after its route (a small, fixed set of labels: never raw URLs). */
export function nameRequestSpan(method: string | undefined, route: string): void {
  const span = store.getStore()?.span;
  if (span?.kind !== 'server') return;
  span.name = `${method ?? 'HTTP'} ${route}`;
  span.attributes['labmcp.route'] = route;
}

/**
 * Leaves the current request out of the exported spans: one answered before anything else was done for it (a
 * refusal under the router's rate limit), which must stay as cheap as the refusal of a flood is meant to be.
 */
export function unrecordRequest(): void {
  const scope = store.getStore();
  if (scope?.span?.kind === 'server') scope.span = undefined;
}

function endSpan(scope: TraceScope): void {
  const span = scope.span;
  if (!span || !scope.sink) return;
  scope.span = undefined;
  scope.sink.record(scope, span, now());
}

/** What an operation can say about its span while it runs. */
export interface ActiveSpan {
  /** The `traceparent` to send with a call made now: it names this span when spans are exported. */
  traceparent(): string | undefined;
  set(attributes: SpanAttributes): void;
  /** Marks the span failed, with a short reason that holds no secret (an error code or a status). */
  fail(reason: string): void;
}

/** Without a recorded span: calls carry the current trace, and nothing is kept. */
const UNRECORDED: ActiveSpan = { traceparent: outgoingTraceparent, set: () => {}, fail: () => {} };

/**
 * Runs `work` in a child span of the current one (an outgoing call, a tool call). While spans are not exported,
 * or outside any trace, it is only `work(span)` with a span that does nothing but carry the current trace.
 */
export async function inSpan<T>(name: string, kind: SpanKind, attributes: SpanAttributes, work: (span: ActiveSpan) => Promise<T>): Promise<T> {
  const parent = store.getStore();
  const sink = parent?.sink;
  if (!sink || !parent) return work(UNRECORDED);
  const span: SpanRecord = { name, kind, startTime: now(), attributes: { ...attributes } };
  const scope: TraceScope = {
    traceId: parent.traceId,
    spanId: newSpanId(),
    parentSpanId: parent.spanId,
    flags: parent.flags,
    origin: parent.origin,
    span,
    sink,
  };
  const active: ActiveSpan = {
    traceparent: () => formatTraceparent(scope.traceId, scope.spanId, scope.flags),
    set: (more) => Object.assign(span.attributes, more),
    fail: (reason) => {
      span.error = reason;
    },
  };
  try {
    return await store.run(scope, () => work(active));
  } catch (err) {
    span.error ??= errorName(err);
    throw err;
  } finally {
    endSpan(scope);
  }
}

/** An error's class name or code: what a span may say of a failure (messages may quote input or credentials). */
function errorName(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'error';
  const { code, name } = err as { code?: unknown; name?: unknown };
  return typeof code === 'string' ? code : typeof name === 'string' ? name : 'error';
}
