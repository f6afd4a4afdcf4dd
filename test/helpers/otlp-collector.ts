/**
 * A small OTLP/HTTP trace receiver on 127.0.0.1 for tests: accepts what the OpenTelemetry exporters send to
 * `/v1/traces` as JSON (`application/json`, the OTLP/HTTP exporter's default) and keeps the spans, flattened.
 * Protobuf is answered 415, which the exporter reports as a failed export.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's numbers: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

export interface OtlpCollector {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to (the exporter appends /v1/traces). */
  endpoint: string;
  spans: CollectedSpan[];
  /** Every request body received, as text (for the checks that no secret was exported). */
  bodies: string[];
  /** Waits until `done(spans)` holds, or fails after `timeoutMs` saying what arrived. */
  waitFor: (done: (spans: CollectedSpan[]) => boolean, timeoutMs?: number) => Promise<void>;
  close: () => Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;
export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      res.writeHead(415).end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      bodies.push(text);
      try {
        spans.push(...flatten(JSON.parse(text)));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    waitFor: async (done, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!done(spans)) {
        if (Date.now() > deadline) throw new Error(`spans expected did not arrive in ${timeoutMs} ms; got:\n${spans.map(describe).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function describe(span: CollectedSpan): string {
  return `${span.service} ${span.name} trace=${span.traceId} span=${span.spanId} parent=${span.parentSpanId || '-'} kind=${span.kind}`;
}

type Value = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
interface Attribute {
  key: string;
  value: Value;
}
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: Attribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: Attribute[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

function flatten(request: ExportRequest): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        out.push({
          service: String(resource['service.name']),
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: span.parentSpanId ? hex(span.parentSpanId) : '',
          name: span.name,
          kind: span.kind,
          attributes: attributesOf(span.attributes),
          status: span.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

function attributesOf(list: Attribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? [])
    out[key] = value.stringValue ?? value.boolValue ?? value.doubleValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
  return out;
}

/** OTLP/JSON ids are hex; protobuf-style JSON (base64) is accepted too. */
function hex(id: string): string {
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}
