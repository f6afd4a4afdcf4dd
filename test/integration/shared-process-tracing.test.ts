/**
 * Spans of a process that runs two services (the default bundle: the demo tenant inside benchling-mcp's process,
 * service-kit's run-together.ts), exported over OTLP/HTTP to a receiver started here. Only benchling-mcp starts
 * tracing, as when the tenant runs as its own process: its spans go out under its name, and the tenant's requests,
 * served by the same process, are not exported under that name (nor under any), while their log lines still carry
 * the caller's trace id.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import t from 'tap';
import { jsonLogLines, startBundle } from '../helpers/bundle.js';
import { describe, SPAN_KIND, startOtlpCollector } from '../helpers/otlp-collector.js';

const TRACE = '5c3e1b0a9d8f7e6d5c4b3a2918070605';
const CLIENT_SPAN = '1a2b3c4d5e6f7081';

const collector = await startOtlpCollector();
t.teardown(() => collector.close());
const bundle = await startBundle({
  only: ['benchling-sandbox', 'benchling-mcp'],
  together: ['benchling-sandbox', 'benchling-mcp'],
  env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
});
t.teardown(() => bundle.stop());

t.test('only the service that started tracing exports spans; the tenant beside it passes the trace on', async (t) => {
  const client = new Client({ name: 'labmcp-shared-tracing-test', version: '1.0.0' });
  const headers = { 'x-benchling-api-key': 'sandbox-key-alice', traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` };
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${bundle.ports['benchling-mcp']}/mcp`), { requestInit: { headers } }));
  try {
    const result = (await client.callTool({ name: 'projects_list', arguments: {} })) as { isError?: boolean };
    t.notOk(result.isError, 'the call reached the tenant');
  } finally {
    await client.close();
  }

  const inTrace = () => collector.spans.filter((s) => s.traceId === TRACE);
  await collector.waitFor(
    () => inTrace().some((s) => s.kind === SPAN_KIND.client && s.name.startsWith('Benchling ')) && inTrace().some((s) => s.kind === SPAN_KIND.server),
  );
  const spans = inTrace();
  const described = spans.map(describe).join('\n');
  t.same([...new Set(spans.map((s) => s.service))], ['benchling-mcp'], `every span is benchling-mcp's:\n${described}`);
  const servers = spans.filter((s) => s.kind === SPAN_KIND.server);
  t.ok(servers.length > 0, 'benchling-mcp exported its server spans');
  t.ok(
    servers.every((s) => s.attributes['labmcp.route'] === '/mcp'),
    `the only server spans are benchling-mcp's own (POST /mcp), none of the tenant's requests:\n${described}`,
  );
  const calls = spans.filter((s) => s.kind === SPAN_KIND.client && s.name.startsWith('Benchling '));
  t.ok(calls.length > 0, 'its calls to the tenant are client spans');
  t.notOk(
    spans.some((s) => calls.some((c) => c.spanId === s.parentSpanId)),
    'no span is a child of a call to the tenant (a tenant span under benchling-mcp would be)',
  );

  // The tenant served those calls in this process, and its lines carry the trace.
  const tenantLines = jsonLogLines(bundle.logs()).filter((l) => l.service === 'benchling-sandbox' && l.msg === 'request completed');
  t.ok(
    tenantLines.some((l) => l.traceId === TRACE),
    'the tenant logged the calls in the trace',
  );
});
