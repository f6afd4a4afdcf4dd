/**
 * Tracing across hops (issue 17), with the real processes: a W3C `traceparent` (header or `_meta.traceparent`)
 * sent by an official MCP client of either era reaches the router, the server and the server's S3 or Benchling
 * calls; every process's log lines of the request carry its trace id. With OTEL_EXPORTER_OTLP_ENDPOINT set, the
 * processes export spans over OTLP/HTTP to a receiver started here, as one trace: router span → server span →
 * tool span → outgoing-call spans; the spans hold no secret. Without it nothing is exported, no OpenTelemetry
 * module is loaded (a loader hook in each process records what it imports), and the client's `traceparent` is
 * passed on unchanged (the S3 server, behind a recording proxy, sees it as the client sent it).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { bucketObjects } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { startS3Vectors } from '../../packages/quilt-mcp/test/helpers/s3-fixture.js';
import { type Bundle, startBundle } from '../helpers/bundle.js';
import { createModuleProbe } from '../helpers/module-probe.js';
import { SPAN_KIND, startOtlpCollector } from '../helpers/otlp-collector.js';
import { callRoute, describeTrace, logLines, routedTrace, servicesLogging, type TracedRoute } from '../helpers/traced-calls.js';

const REG = 's3://quilt-vectors';
const BENCHLING_KEY = 'sandbox-key-alice';
const AWS_KEY_ID = 'TRACEKEYID';
const AWS_SECRET = 'TRACESECRETvalue0123456789';

const collector = await startOtlpCollector();
t.teardown(() => collector.close());
const s3 = await startS3Vectors({ keys: [[AWS_KEY_ID, AWS_SECRET]] });
t.teardown(() => s3.close());
const s3Proxy = await startRecordingProxy(s3.endpoint);
t.teardown(() => s3Proxy.close());
const objectKey = [...(await bucketObjects(s3.client, 'quilt-vectors').listAll()).keys()][0];
if (!objectKey) throw new Error('the quilt-vectors bucket is empty');

// Every module each bundle's processes import (test/helpers/module-probe.ts); of interest here, @opentelemetry's.
// ES modules only: prom-client `require`s @opentelemetry/api (the no-op API, for exemplars) in every process.
const probe = createModuleProbe(t, { esmOnly: true });
const probed = probe.env;
const loaded = (name: string) => probe.loaded(name).filter((where) => where.includes('@opentelemetry'));

const common = {
  QUILT_REGISTRIES: REG,
  AWS_ENDPOINT_URL: s3Proxy.endpoint,
  QUILT_S3_FORCE_PATH_STYLE: 'true',
  AWS_REGION: 'us-east-1',
  ROUTER_RATE_LIMIT_PER_MINUTE: '100000',
  ROUTER_RATE_LIMIT_BURST: '10000',
};
const exporting = await startBundle({
  env: { ...common, ...probed('exporting'), OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
});
t.teardown(() => exporting.stop());
const quiet = await startBundle({ env: { ...common, ...probed('quiet') } });
t.teardown(() => quiet.stop());

const tokens = new Map<Bundle, string>();
async function tokenFor(bundle: Bundle): Promise<string> {
  let token = tokens.get(bundle);
  if (!token) {
    token = await mintDemoToken({
      dataDir: bundle.dataDir,
      subject: 'tracer',
      scopes: ['read:packages'],
      awsCredentials: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET },
    });
    tokens.set(bundle, token);
  }
  return token;
}

/** The routes under test: the prefixed routes, which forward, and the merged `/mcp`, which calls the servers itself. */
function routes(bundle: Bundle): TracedRoute[] {
  return [
    {
      name: 'quilt',
      path: '/quilt/mcp',
      server: 'quilt-mcp',
      alsoLogging: [],
      headers: async () => ({ authorization: `Bearer ${await tokenFor(bundle)}` }),
      routerSpan: 'POST quilt-mcp',
      // A HEAD of the object (an S3 call) and a presigned link (signed here, no call).
      tool: 'bucket_object_link',
      args: { registry: REG, key: objectKey, expires_seconds: 600 },
      outgoing: /^S3\./,
    },
    {
      name: 'benchling',
      path: '/benchling/mcp',
      server: 'benchling-mcp',
      alsoLogging: ['benchling-sandbox'],
      headers: async () => ({ 'x-benchling-api-key': BENCHLING_KEY }),
      routerSpan: 'POST benchling-mcp',
      tool: 'entries_list',
      args: { page_size: 2 },
      outgoing: /^Benchling GET$/,
    },
    {
      name: 'merged /mcp',
      path: '/mcp',
      server: 'quilt-mcp',
      alsoLogging: [],
      headers: async () => ({ authorization: `Bearer ${await tokenFor(bundle)}`, 'x-benchling-api-key': BENCHLING_KEY }),
      routerSpan: 'POST mcp',
      call: 'quilt_bucket_object_link',
      tool: 'bucket_object_link',
      args: { registry: REG, key: objectKey, expires_seconds: 600 },
      outgoing: /^S3\./,
    },
  ];
}

let counter = 0;
/** A fresh client context: a trace id and the id of the client's own span. */
function clientTrace(): { traceId: string; parentId: string; traceparent: string } {
  counter++;
  const traceId = `${'4bf92f3577b34da6a3ce929d0e0e'}${counter.toString(16).padStart(4, '0')}`;
  const parentId = `00f067aa0ba9${counter.toString(16).padStart(4, '0')}`;
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

for (const era of ['modern', 'legacy'] as const) {
  for (const route of routes(exporting)) {
    t.test(`${route.name}, ${era} client, traceparent header: one trace router → server → tool → outgoing calls, in every log`, async (t) => {
      const client = clientTrace();
      const result = await callRoute(exporting, route, { era, header: client.traceparent });
      t.notOk(result.isError, 'the call succeeded', { content: result.content });
      await collector.waitFor((spans) => routedTrace(spans, client.traceId, route) !== undefined);
      const trace = routedTrace(collector.spans, client.traceId, route)!;
      t.equal(trace.router.parentSpanId, client.parentId, "the router's span is a child of the client's", {
        trace: describeTrace(collector.spans, client.traceId),
      });
      t.equal(trace.router.name, route.routerSpan, 'the router span is named after its upstream');
      t.equal(trace.server.name, 'POST /mcp', 'the server span is named after its route');
      t.ok(
        trace.outgoing.every((s) => s.kind === SPAN_KIND.client),
        'outgoing calls are client spans',
      );
      t.equal(trace.tool.attributes['gen_ai.tool.name'], route.tool, 'the tool span names the tool');
      const expected = ['router', route.server, ...route.alsoLogging].sort();
      t.same(await servicesLogging(exporting, client.traceId, 'request completed', expected), expected, 'each process has an access line in the trace');
      t.ok(
        logLines(exporting).some((l) => l.traceId === client.traceId && l.msg === 'tool call' && l.service === route.server),
        'the audit line of the call carries the trace id',
      );
    });
  }
}

t.test('S3 requests carry a traceparent naming their own span; the presigned link still downloads', async (t) => {
  const route = routes(exporting)[0]!;
  const client = clientTrace();
  const result = await callRoute(exporting, route, { era: 'modern', header: client.traceparent });
  t.notOk(result.isError, 'the call succeeded', { content: result.content });
  await collector.waitFor((spans) => routedTrace(spans, client.traceId, route) !== undefined);
  const trace = routedTrace(collector.spans, client.traceId, route)!;
  const seen = s3Proxy.traceparents.filter((tp) => tp.includes(client.traceId));
  t.ok(seen.length > 0, 'S3 saw the trace');
  t.same(seen.map((tp) => tp.split('-')[2]).sort(), trace.outgoing.map((s) => s.spanId).sort(), 'each S3 request names its S3 span as parent');
  const link = result.structuredContent?.url as string;
  const download = await fetch(link);
  t.equal(download.status, 200, 'the presigned link is not bound to a traceparent header');
  await download.arrayBuffer();
});

t.test('no traceparent from the client: the router starts a trace and the servers and their calls join it', async (t) => {
  for (const route of routes(exporting)) {
    const before = new Set(collector.spans.map((s) => s.traceId));
    const result = await callRoute(exporting, route, { era: 'legacy' });
    t.notOk(result.isError, 'the call succeeded', { content: result.content });
    await collector.waitFor((spans) => spans.some((s) => s.name === `tools/call ${route.tool}` && !before.has(s.traceId)));
    const traceId = collector.spans.find((s) => s.name === `tools/call ${route.tool}` && !before.has(s.traceId))!.traceId;
    await collector.waitFor((spans) => routedTrace(spans, traceId, route) !== undefined);
    t.equal(routedTrace(collector.spans, traceId, route)!.router.parentSpanId, '', `${route.name}: the router's span is the root`);
    const expected = ['router', route.server, ...route.alsoLogging].sort();
    t.same(await servicesLogging(exporting, traceId, 'request completed', expected), expected, `${route.name}: every process logs the new trace id`);
  }
});

t.test('_meta.traceparent of the tools/call is honoured when no header names a trace', async (t) => {
  for (const era of ['modern', 'legacy'] as const) {
    for (const route of routes(exporting)) {
      const client = clientTrace();
      const result = await callRoute(exporting, route, { era, meta: client.traceparent });
      t.notOk(result.isError, 'the call succeeded', { content: result.content });
      await collector.waitFor((spans) => routedTrace(spans, client.traceId, route) !== undefined);
      t.equal(
        routedTrace(collector.spans, client.traceId, route)!.router.parentSpanId,
        client.parentId,
        `${route.name}, ${era}: the client's span is the parent`,
      );
      const expected = ['router', route.server, ...route.alsoLogging].sort();
      t.same(await servicesLogging(exporting, client.traceId, 'request completed', expected), expected, `${route.name}, ${era}: logged in the trace`);
    }
  }
});

t.test('no secret in any exported span', async (t) => {
  const token = await tokenFor(exporting);
  const link = (await callRoute(exporting, routes(exporting)[0]!, { era: 'modern' })).structuredContent?.url as string;
  const signature = new URL(link).searchParams.get('X-Amz-Signature');
  t.ok(signature, 'the link is signed');
  await collector.waitFor((spans) => spans.some((s) => s.name === 'tools/call bucket_object_link'));
  // One more flush interval, for spans of the last call still in a batch.
  await new Promise((r) => setTimeout(r, 500));
  const exported = collector.bodies.join('\n');
  t.ok(exported.length > 0, 'spans were exported');
  for (const [what, secret] of [
    ['the bearer token', token],
    ['the AWS secret', AWS_SECRET],
    ['the AWS key id', AWS_KEY_ID],
    ['the Benchling key', BENCHLING_KEY],
    ['a presigned signature', signature!],
    ['an X-Amz-Signature parameter', 'X-Amz-Signature'],
    ['an Authorization header', 'uthorization'],
  ] as const) {
    t.notOk(exported.includes(secret), `${what} is in no span`);
  }
});

t.test(
  'without OTEL_EXPORTER_OTLP_ENDPOINT: the trace is passed on unchanged and logged, nothing is exported, no OpenTelemetry module is loaded',
  async (t) => {
    const spansBefore = collector.spans.length;
    for (const route of routes(quiet)) {
      const client = clientTrace();
      const s3Before = s3Proxy.traceparents.length;
      const result = await callRoute(quiet, route, { era: 'modern', header: client.traceparent });
      t.notOk(result.isError, 'the call succeeded', { content: result.content });
      const expected = ['router', route.server, ...route.alsoLogging].sort();
      t.same(await servicesLogging(quiet, client.traceId, 'request completed', expected), expected, `${route.name}: every process logs the client's trace id`);
      if (route.server === 'quilt-mcp') {
        const seen = s3Proxy.traceparents.slice(s3Before);
        t.ok(seen.length > 0 && seen.every((tp) => tp === client.traceparent), 'S3 got the client’s traceparent as it was sent');
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    t.equal(collector.spans.length, spansBefore, 'nothing was exported');
    t.same(loaded('quiet'), [], 'no process imported an OpenTelemetry module');
    t.ok(
      loaded('exporting').some((url) => url.includes('@opentelemetry/sdk-trace-base')),
      'the probe sees the SDK where it is used',
    );
  },
);

/** A pass-through HTTP proxy in front of the S3 server that keeps each request's `traceparent`. */
async function startRecordingProxy(target: string): Promise<{ endpoint: string; traceparents: string[]; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const traceparents: string[] = [];
  const server = createServer((req, res) => {
    if (typeof req.headers.traceparent === 'string') traceparents.push(req.headers.traceparent);
    const forwarded = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    traceparents,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
