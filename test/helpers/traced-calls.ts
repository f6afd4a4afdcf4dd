/**
 * What the tracing tests need around a bundle: MCP clients of both eras that can send a `traceparent` header or
 * `_meta.traceparent`, the trace a routed tool call must make (router span → server span → tool span → the
 * server's outgoing calls), and each process's log lines of a trace. A new route through the router is one more
 * `TracedRoute`.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Bundle, jsonLogLines, type LogLine } from './bundle.js';
import { type CollectedSpan, describe, SPAN_KIND } from './otlp-collector.js';

/** One routed MCP endpoint and a tool call on it that makes outgoing calls. */
export interface TracedRoute {
  name: string;
  /** Below the router's URL, e.g. `/quilt/mcp`. */
  path: string;
  /** The process that runs the tool (service.name of its spans, `service` of its log lines). */
  server: string;
  /** Further processes whose log lines must carry the trace (the Benchling sandbox, which the server calls). */
  alsoLogging: string[];
  headers: () => Promise<Record<string, string>>;
  /** The name of the router's span for a request of this route. */
  routerSpan: string;
  /** The tool's name at this endpoint, where it differs from the server's own (the merged `/mcp`'s prefixes). */
  call?: string;
  tool: string;
  args: Record<string, unknown>;
  /** Names of the server's outgoing-call spans for that tool. */
  outgoing: RegExp;
}

export type Era = 'modern' | 'legacy';

export interface CallOptions {
  era: Era;
  /** Sent as the `traceparent` header of every HTTP request of the connection. */
  header?: string;
  /** Sent as `_meta.traceparent` of the tools/call. */
  meta?: string;
}

export interface CallResult {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** Connects with the official client of `era`, makes the route's tool call, closes. */
export async function callRoute(bundle: Bundle, route: TracedRoute, options: CallOptions): Promise<CallResult> {
  const headers = { ...(await route.headers()), ...(options.header !== undefined && { traceparent: options.header }) };
  const url = new URL(`${bundle.routerUrl}${route.path}`);
  const params = { name: route.call ?? route.tool, arguments: route.args, ...(options.meta !== undefined && { _meta: { traceparent: options.meta } }) };
  if (options.era === 'modern') {
    const client = new Client({ name: 'labmcp-tracing-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    try {
      return (await client.callTool(params)) as CallResult;
    } finally {
      await client.close();
    }
  }
  const client = new LegacyClient({ name: 'labmcp-tracing-test', version: '1.0.0' });
  await client.connect(new LegacyTransport(url, { requestInit: { headers } }));
  try {
    return (await client.callTool(params)) as CallResult;
  } finally {
    await client.close();
  }
}

export interface RoutedTrace {
  router: CollectedSpan;
  server: CollectedSpan;
  tool: CollectedSpan;
  outgoing: CollectedSpan[];
}

/**
 * The spans of one routed tool call in trace `traceId`, once all have arrived: undefined while some are missing.
 * Each is looked up by its parent, so a span parented wrongly counts as missing.
 */
export function routedTrace(spans: CollectedSpan[], traceId: string, route: TracedRoute): RoutedTrace | undefined {
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const tool = inTrace.find((s) => s.service === route.server && s.name === `tools/call ${route.tool}`);
  const server = tool && inTrace.find((s) => s.service === route.server && s.kind === SPAN_KIND.server && s.spanId === tool.parentSpanId);
  const router = server && routerAncestor(inTrace, server);
  const outgoing = tool ? inTrace.filter((s) => s.service === route.server && route.outgoing.test(s.name) && s.parentSpanId === tool.spanId) : [];
  if (!tool || !server || !router || outgoing.length === 0) return undefined;
  return { router, server, tool, outgoing };
}

/**
 * The router's server span above a server's span: its parent, or further up through router spans in between (a
 * route that calls the servers itself, rather than forwarding, may put client spans of its own there).
 */
function routerAncestor(spans: CollectedSpan[], child: CollectedSpan): CollectedSpan | undefined {
  let current = child;
  for (let depth = 0; depth < 8; depth++) {
    const parent = spans.find((s) => s.service === 'router' && s.spanId === current.parentSpanId);
    if (!parent) return undefined;
    if (parent.kind === SPAN_KIND.server) return parent;
    current = parent;
  }
  return undefined;
}

export function describeTrace(spans: CollectedSpan[], traceId: string): string {
  return spans
    .filter((s) => s.traceId === traceId)
    .map(describe)
    .join('\n');
}

/** Every JSON log line of the bundle's processes. */
export function logLines(bundle: Bundle): LogLine[] {
  return jsonLogLines(bundle.logs());
}

/** The processes whose log has a line in `traceId` matching `msg` (lines reach the files a moment after the answer). */
export async function servicesLogging(bundle: Bundle, traceId: string, msg: string, expected: string[], timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const services = [
      ...new Set(
        logLines(bundle)
          .filter((l) => l.traceId === traceId && l.msg === msg)
          .map((l) => l.service),
      ),
    ].sort();
    if (expected.every((s) => services.includes(s)) || Date.now() > deadline) return services;
    await new Promise((r) => setTimeout(r, 100));
  }
}
