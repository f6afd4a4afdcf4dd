import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../src/logger.js';
import {
  adoptTraceparent,
  currentTrace,
  inSpan,
  outgoingTraceparent,
  recordingSpans,
  type SpanRecord,
  serveInTrace,
  setSpanSink,
  type TraceScope,
  unrecordRequest,
} from '../src/tracing/trace.js';
import { parseTraceparent } from '../src/tracing/traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const CLIENT = `00-${TRACE}-${PARENT}-01`;

const req = (traceparent?: string) => ({ headers: traceparent === undefined ? {} : { traceparent } }) as unknown as IncomingMessage;
/** Enough of a response for serveInTrace: `once('close')` is kept, to be fired by the test. */
function res(): ServerResponse & { close: () => void } {
  const listeners: (() => void)[] = [];
  return {
    statusCode: 200,
    writableFinished: true,
    once: (_event: string, fn: () => void) => listeners.push(fn),
    close: () => {
      for (const fn of listeners) fn();
    },
  } as unknown as ServerResponse & { close: () => void };
}
const inRequest = <T>(traceparent: string | undefined, work: () => T, response = res(), service = 'test-svc'): T => {
  let out: T | undefined;
  serveInTrace(service, req(traceparent), response, true, () => {
    out = work();
  });
  return out as T;
};

t.test('traceparent values are read as W3C trace context level 1 says', async (t) => {
  t.same(parseTraceparent(CLIENT), { traceId: TRACE, parentId: PARENT, flags: '01' });
  t.same(parseTraceparent([CLIENT, 'x']), { traceId: TRACE, parentId: PARENT, flags: '01' }, 'the first of repeated headers');
  t.same(parseTraceparent(`cc-${TRACE}-${PARENT}-01-future`), { traceId: TRACE, parentId: PARENT, flags: '01' }, 'a later version: its first fields');
  for (const bad of [
    undefined,
    '',
    'garbage',
    CLIENT.toUpperCase(),
    `${CLIENT}-extra`,
    `ff-${TRACE}-${PARENT}-01`,
    `00-${'0'.repeat(32)}-${PARENT}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE}-${PARENT}`,
    42,
  ]) {
    t.equal(parseTraceparent(bad), undefined, `refused: ${String(bad)}`);
  }
});

t.test('without an exporter: the incoming trace is passed on unchanged, a missing or malformed one replaced', async (t) => {
  t.equal(
    inRequest(CLIENT, () => outgoingTraceparent()),
    CLIENT,
  );
  for (const incoming of [undefined, 'not-a-traceparent']) {
    const out = inRequest(incoming, () => outgoingTraceparent());
    t.match(out, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    t.notOk(out?.includes(TRACE));
  }
  t.equal(outgoingTraceparent(), undefined, 'outside a request there is no trace');
  const inside = await inRequest(CLIENT, () => inSpan('S3.GetObject', 'client', {}, async (span) => span.traceparent()));
  t.equal(inside, CLIENT, 'an outgoing call carries the caller’s traceparent as it came');
});

t.test('_meta.traceparent is joined only when no header named a trace', async (t) => {
  const meta = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
  const joined = inRequest(undefined, () => {
    t.ok(adoptTraceparent(currentTrace(), meta));
    t.notOk(adoptTraceparent(currentTrace(), `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`), 'only once');
    return outgoingTraceparent();
  });
  t.equal(joined, meta);
  const kept = inRequest(CLIENT, () => {
    t.notOk(adoptTraceparent(currentTrace(), meta), 'a header wins');
    return outgoingTraceparent();
  });
  t.equal(kept, CLIENT);
  inRequest(undefined, () => t.notOk(adoptTraceparent(currentTrace(), 'junk'), 'malformed values are ignored'));
  t.notOk(adoptTraceparent(undefined, meta), 'outside a request, nothing to join');
});

t.test('with an exporter: server span → child spans, parented by id, failures named without messages', async (t) => {
  const recorded: { scope: TraceScope; span: SpanRecord }[] = [];
  setSpanSink('test-svc', { record: (scope, span) => recorded.push({ scope: { ...scope }, span }), flush: async () => {} });
  t.teardown(() => setSpanSink('test-svc', undefined));
  const response = res();
  let sent: string | undefined;
  await inRequest(
    CLIENT,
    async () => {
      await inSpan('tools/call x', 'internal', { 'gen_ai.tool.name': 'x' }, async () => {
        await inSpan('S3.GetObject', 'client', {}, async (span) => {
          sent = span.traceparent();
        });
        await inSpan('Benchling GET', 'client', {}, async () => {
          throw Object.assign(new Error('secret-bearing message sk_live_123'), { code: 'ECONNRESET' });
        }).catch(() => {});
      });
    },
    response,
  );
  response.close();
  const [s3, benchling, tool, server] = recorded;
  t.same(
    recorded.map((r) => r.span.name),
    ['S3.GetObject', 'Benchling GET', 'tools/call x', 'HTTP'],
  );
  t.equal(server?.scope.parentSpanId, PARENT, 'the server span is a child of the caller');
  t.equal(tool?.scope.parentSpanId, server?.scope.spanId);
  t.equal(s3?.scope.parentSpanId, tool?.scope.spanId);
  t.equal(sent, `00-${TRACE}-${s3?.scope.spanId}-01`, 'the outgoing traceparent names the call’s own span');
  t.equal(benchling?.span.error, 'ECONNRESET', 'a failure is named by its code, never its message');
  t.ok(recorded.every((r) => r.scope.traceId === TRACE));
  recorded.length = 0;
  const refused = res();
  inRequest(CLIENT, () => unrecordRequest(), refused);
  refused.close();
  t.same(recorded, [], 'a request answered before anything was done for it (a rate-limit refusal) makes no span');
});

t.test('two services in one process: each request is recorded by its own service’s sink, or not at all', async (t) => {
  // As in benchling-mcp's process, which runs the demo tenant beside it (run-together.ts): only benchling-mcp
  // started tracing, so the tenant's requests must not be exported under its name.
  const recorded: { service: string; name: string; scope: TraceScope }[] = [];
  const sinkOf = (service: string) => ({
    record: (scope: TraceScope, span: SpanRecord) => recorded.push({ service, name: span.name, scope: { ...scope } }),
    flush: async () => {},
  });
  setSpanSink('front', sinkOf('front'));
  setSpanSink('other', sinkOf('other'));
  t.teardown(() => {
    setSpanSink('front', undefined);
    setSpanSink('other', undefined);
  });

  const front = res();
  let frontCall: string | undefined;
  await inRequest(
    CLIENT,
    () =>
      inSpan('Benchling GET', 'client', {}, async (span) => {
        frontCall = span.traceparent();
      }),
    front,
    'front',
  );
  front.close();
  t.same(
    recorded.map((r) => [r.service, r.name]),
    [
      ['front', 'Benchling GET'],
      ['front', 'HTTP'],
    ],
    "the front's request: its spans, to its sink",
  );
  const [call] = recorded;
  t.equal(frontCall, `00-${TRACE}-${call?.scope.spanId}-01`);

  recorded.length = 0;
  const tenant = res();
  let tenantCall: string | undefined;
  let tenantTrace: TraceScope | undefined;
  await inRequest(
    frontCall,
    () =>
      inSpan('store', 'internal', {}, async (span) => {
        tenantCall = span.traceparent();
        tenantTrace = currentTrace();
      }),
    tenant,
    'tenant',
  );
  tenant.close();
  t.same(recorded, [], 'the tenant, which started no tracing, records nothing although others in its process do');
  t.equal(tenantTrace?.traceId, TRACE, 'its log lines still carry the trace id');
  t.equal(tenantCall, frontCall, "what it passes on names its caller's span, as a process without an exporter does");
  t.ok(recordingSpans('front'));
  t.notOk(recordingSpans('tenant'));
  t.ok(recordingSpans(), 'some service of the process records');
});

t.test('log lines carry the trace id of their request, access lines that of their response', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = createLogger('test-svc', 'info', stream);
  const response = res();
  inRequest(CLIENT, () => log.info('inside'), response);
  log.info('outside');
  log.info({ res: response }, 'request completed');
  const [inside, outside, access] = lines.map((l) => JSON.parse(l) as { traceId?: string });
  t.equal(inside?.traceId, TRACE);
  t.equal(outside?.traceId, undefined);
  t.equal(access?.traceId, TRACE);
});
