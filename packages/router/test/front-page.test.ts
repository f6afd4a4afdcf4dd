import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpsAccess } from '@labmcp/service-kit/service';
import { Counter, Histogram, Registry } from 'prom-client';
import t from 'tap';
import { clientConfigs, prettyJson } from '../src/front-page/client-configs.js';
import { createFrontPage } from '../src/front-page/index.js';
import { LiveFigures } from '../src/front-page/live-figures.js';
import { type FrontPageSummary, renderFrontPage } from '../src/front-page/render.js';
import type { Upstream } from '../src/upstreams.js';

/** The router's request counters, as service-kit's createMetrics and createRouterMetrics name them. */
function routerCounters() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'labmcp_http_requests_total', help: 'h', labelNames: ['route', 'status_class'], registers }),
    duration: new Histogram({ name: 'labmcp_http_request_duration_seconds', help: 'h', labelNames: ['route', 'status_class'], buckets: [0.01, 1], registers }),
    rateLimited: new Counter({ name: 'labmcp_router_rate_limited_total', help: 'h', labelNames: ['upstream'], registers }),
  };
}

t.test('live figures: deltas per interval, per service, and a fixed number of points', async (t) => {
  const c = routerCounters();
  const figures = new LiveFigures(c.registry, ['quilt-mcp', 'benchling-mcp'], 1000, 5000);
  await figures.sample(); // the baseline
  c.requests.inc({ route: 'quilt-mcp', status_class: '2xx' }, 3);
  c.requests.inc({ route: 'quilt-mcp', status_class: '5xx' }, 1);
  c.duration.observe({ route: 'quilt-mcp', status_class: '2xx' }, 0.002);
  c.duration.observe({ route: 'quilt-mcp', status_class: '2xx' }, 0.004);
  c.requests.inc({ route: 'benchling-mcp', status_class: '4xx' }, 2);
  c.rateLimited.inc({ upstream: 'benchling-mcp' }, 2);
  c.requests.inc({ route: 'other', status_class: '4xx' }, 50); // not a service: not shown
  await figures.sample();
  const first = figures.snapshot();
  t.match(first.services['quilt-mcp'], [{ requests: 4, errors: 1, rateLimited: 0, latencyMs: 3 }]);
  t.match(first.services['benchling-mcp'], [{ requests: 2, errors: 0, rateLimited: 2, latencyMs: null }]);
  t.same(Object.keys(first.services), ['quilt-mcp', 'benchling-mcp']);
  for (let i = 0; i < 20; i++) {
    c.requests.inc({ route: 'quilt-mcp', status_class: '2xx' }, i);
    await figures.sample();
  }
  const points = figures.snapshot().services['quilt-mcp']!;
  t.equal(points.length, 5, 'no more points than the window holds (5 s / 1 s)');
  t.same(
    points.map((p) => p.requests),
    [15, 16, 17, 18, 19],
    'the newest points are kept',
  );
  t.equal(first.windowSeconds, 5);
  figures.close();
});

const summary: FrontPageSummary = {
  access: 'full',
  baseUrl: 'https://mcp.example.org',
  router: { version: '1.2.3', uptimeSeconds: 4000 },
  services: [
    { service: 'quilt-mcp', mcpPath: '/quilt/mcp', status: 'ok', version: '1.2.3', uptimeSeconds: 90, tools: 16, demoAuth: false, warnings: [] },
    { service: 'benchling-mcp', mcpPath: '/benchling/mcp', status: 'degraded', sandbox: false, warnings: ['<b>not markup</b>'] },
  ],
};

t.test('the merged /mcp endpoint appears only when the router serves it', async (t) => {
  for (const mergedMcp of [false, true]) {
    const configs = clientConfigs({ baseUrl: summary.baseUrl, demoAuth: false, sandbox: false, mergedMcp });
    const html = renderFrontPage(summary, configs, mergedMcp);
    t.equal(html.includes('https://mcp.example.org/mcp'), mergedMcp, `page (mergedMcp ${mergedMcp})`);
    for (const c of configs) t.equal(c.text.includes('https://mcp.example.org/mcp'), mergedMcp, `${c.id} (mergedMcp ${mergedMcp})`);
  }
});

t.test('no real credential: placeholders unless the sandbox demo key applies', async (t) => {
  const real = clientConfigs({ baseUrl: summary.baseUrl, demoAuth: false, sandbox: false, mergedMcp: false });
  for (const c of real) {
    t.notMatch(c.text, /sandbox-key|npm run/, `${c.id}: no demo key or demo token command for a real deployment`);
    t.match(c.text, /<your Quilt JWT>|\$\{input:quilt-token\}|\$\{QUILT_AUTH\}/, `${c.id}: a placeholder for the token`);
  }
  const demo = clientConfigs({ baseUrl: summary.baseUrl, demoAuth: true, sandbox: true, mergedMcp: false });
  t.match(demo.find((c) => c.id === 'curl')?.text, /TOKEN=\$\(npm run --silent token\)/);
  t.match(demo.find((c) => c.id === 'claude-desktop')?.text, /"BENCHLING_KEY": "sandbox-key-alice"/);
});

t.test('everything a server says is escaped', async (t) => {
  const html = renderFrontPage(summary, [], false);
  t.notMatch(html, /<b>not markup<\/b>/);
  t.match(html, /&lt;b&gt;not markup&lt;\/b&gt;/);
  t.match(html, /status-degraded/);
});

t.test('JSON as docs/clients.md writes it: string arrays on one line', async (t) => {
  t.equal(prettyJson({ a: { args: ['-y', 'x'] }, n: [1, 2] }), '{\n  "a": {\n    "args": ["-y", "x"]\n  },\n  "n": [\n    1,\n    2\n  ]\n}');
});

t.test('createFrontPage in-process: states from the servers health, assets, status-only, refused hosts', async (t) => {
  // Real HTTP servers on loopback standing in for the two servers' /health.
  const bodies: Record<string, unknown> = {
    'quilt-mcp': { status: 'ok', version: '7.0.0', uptimeSeconds: 42, tools: 16, checks: { auth: { status: 'ok', mode: 'demo' } } },
    'benchling-mcp': { status: 'degraded', version: '7.0.0', uptimeSeconds: 5, tools: 15, checks: { benchling: { status: 'degraded', sandbox: true } } },
  };
  const upstreams: Upstream[] = [];
  for (const [service, prefix] of [
    ['quilt-mcp', '/quilt'],
    ['benchling-mcp', '/benchling'],
  ] as const) {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(bodies[service])));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    upstreams.push({ service, prefix, target: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) });
  }
  // The page's own listener; who may see what is decided by the caller (app.ts passes the router's opsAccess).
  const c = routerCounters();
  const page = createFrontPage({
    upstreams,
    healthTimeoutMs: 1000,
    registry: c.registry,
    access: (req) => (req.headers['x-access'] as OpsAccess | undefined) ?? 'full',
    baseUrl: () => 'http://localhost:8080',
    mergedMcp: false,
  });
  t.teardown(() => page.close());
  const server = createServer((req, res) => {
    void page.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end('not mine');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const full = (await (await fetch(`${url}/front-page/summary.json`)).json()) as { services: unknown[]; figures: unknown };
  t.match(full.services, [
    { service: 'quilt-mcp', status: 'ok', version: '7.0.0', tools: 16, demoAuth: true, warnings: [/demo auth/] },
    { service: 'benchling-mcp', status: 'degraded', sandbox: true, warnings: [/sandbox/] },
  ]);
  t.ok(full.figures, 'figures for full access');
  const html = await (await fetch(`${url}/`)).text();
  t.match(html, /status-degraded/);
  t.match(html, /http:\/\/localhost:8080\/quilt\/mcp/);
  const status = (await (await fetch(`${url}/front-page/summary.json`, { headers: { 'x-access': 'status' } })).json()) as Record<string, unknown>;
  t.same(status.services, [
    { service: 'quilt-mcp', mcpPath: '/quilt/mcp', status: 'ok', warnings: [] },
    { service: 'benchling-mcp', mcpPath: '/benchling/mcp', status: 'degraded', warnings: [] },
  ]);
  t.equal(status.figures, undefined);
  t.equal((await fetch(`${url}/`, { headers: { 'x-access': 'refused' } })).status, 403);
  const script = await fetch(`${url}/front-page/page.js`);
  t.equal(script.status, 200);
  t.match(await script.text(), /front-page\/summary\.json/);
  const css = await fetch(`${url}/front-page/page.css`, { method: 'HEAD' });
  t.equal(css.status, 200);
  t.equal((await fetch(`${url}/front-page/page.css`, { headers: { 'if-none-match': css.headers.get('etag') ?? '' } })).status, 304);
  t.equal((await fetch(`${url}/elsewhere`)).status, 404, 'other paths are not the page');
  t.equal((await fetch(`${url}/`, { method: 'POST' })).status, 404, 'nor other methods');
});
