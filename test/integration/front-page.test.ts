/**
 * The front page's HTTP rules against the whole bundle (the browser test, test/browser/front-page.test.ts, covers
 * what a person sees): the headers (strict CSP, Cache-Control), the Host check and the hardening rule of `/health`
 * (details and figures for loopback clients and holders of the operations token only), no CORS, nothing else
 * answered at `/`-like paths, and figures computed from the same counters `/metrics` exports.
 */
import { request } from 'node:http';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';

const OPS_TOKEN = 'front-page-ops-token-0123456789abcdef';
// 127.0.0.1 is a trusted proxy, so a request with X-Forwarded-For counts as coming from that address.
const bundle = await startBundle({ env: { ROUTER_OPS_TOKEN: OPS_TOKEN, ROUTER_TRUSTED_PROXIES: '127.0.0.1' } });
t.teardown(() => bundle.stop());
const base = bundle.routerUrl;
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with any headers, `Host` included (fetch does not let a caller set it). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('headers: strict CSP, no caching of the page, assets revalidated', async (t) => {
  const page = await get('/');
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self'/);
  t.notMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'no inline script or style, no other origin');
  t.equal(page.headers['cache-control'], 'no-store');
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  t.notMatch(page.body, /<script(?![^>]*\ssrc=)[^>]*>|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler in the HTML');
  for (const [path, type] of [
    ['/front-page/page.js', /^text\/javascript/],
    ['/front-page/summary-text.js', /^text\/javascript/],
    ['/front-page/page.css', /^text\/css/],
  ] as const) {
    const asset = await get(path);
    t.equal(asset.status, 200, path);
    t.match(asset.headers['content-type'], type);
    t.equal(asset.headers['cache-control'], 'no-cache');
    t.notMatch(asset.body, /sourceMappingURL/, `${path}: no source map asked for`);
    const again = await get(path, { 'if-none-match': String(asset.headers.etag) });
    t.equal(again.status, 304, `${path}: revalidated by its ETag`);
    t.equal(asset.headers['x-content-type-options'], 'nosniff', `${path}: nosniff`);
  }
  const summary = await get('/front-page/summary.json');
  t.equal(summary.headers['cache-control'], 'no-store');
  const head = await get('/', {}, 'HEAD');
  t.equal(head.status, 200);
  t.equal(head.body, '', 'HEAD has no body');
});

t.test('the Host check of /health: a name the router does not answer to is refused', async (t) => {
  for (const path of ['/', '/front-page/summary.json', '/front-page/page.js']) {
    const res = await get(path, { host: 'rebind.example' });
    t.equal(res.status, 403, `${path} refused for Host rebind.example`);
  }
  t.equal((await get('/', { host: `localhost:${bundle.ports.router}` })).status, 200, 'localhost is answered');
});

t.test('no CORS: another origin cannot read the page or its summary', async (t) => {
  for (const path of ['/', '/front-page/summary.json']) {
    const res = await get(path, { origin: 'http://localhost:6274' });
    t.equal(res.headers['access-control-allow-origin'], undefined, `${path}: no CORS header, even for an allowed origin`);
  }
});

t.test('from elsewhere than loopback: the states only, as /health shows them', async (t) => {
  const summary = JSON.parse((await get('/front-page/summary.json', REMOTE)).body) as Record<string, unknown>;
  t.equal(summary.access, 'status');
  t.same(summary.router, {});
  t.equal(summary.figures, undefined, 'no figures (as /metrics is refused)');
  t.same(summary.services, [
    { service: 'quilt-mcp', mcpPath: '/quilt/mcp', status: 'ok', warnings: [] },
    { service: 'benchling-mcp', mcpPath: '/benchling/mcp', status: 'ok', warnings: [] },
  ]);
  const page = (await get('/', REMOTE)).body;
  t.match(page, /data-field="status">ok</, 'the states are on the page');
  t.notMatch(page, /0\.1\.0|demo auth<|demo sandbox|sandbox-key-alice|data-chart=/, 'no version, mode, demo key or chart');
  t.match(page, /operations token/, 'says who sees more');
  // The same with the operations token: everything.
  const withToken = JSON.parse((await get('/front-page/summary.json', { ...REMOTE, authorization: `Bearer ${OPS_TOKEN}` })).body) as Record<string, unknown>;
  t.equal(withToken.access, 'full');
  t.match(withToken.services, [
    { service: 'quilt-mcp', demoAuth: true },
    { service: 'benchling-mcp', sandbox: true },
  ]);
  t.notMatch((await get('/', { ...REMOTE, authorization: 'Bearer not-the-token-000000000000000' })).body, /demo auth</, 'a wrong token sees no more');
});

t.test('the figures are the counters /metrics exports', async (t) => {
  const metricTotal = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    let sum = 0;
    for (const m of text.matchAll(/^labmcp_http_requests_total\{([^}]*)\} (\d+)$/gm)) {
      if (/route="quilt-mcp"/.test(m[1]!) && /service="router"/.test(m[1]!)) sum += Number(m[2]);
    }
    return sum;
  };
  const figureTotal = async () => {
    const summary = (await (await fetch(`${base}/front-page/summary.json`)).json()) as { figures: { services: Record<string, { requests: number }[]> } };
    return summary.figures.services['quilt-mcp']!.reduce((s, p) => s + p.requests, 0);
  };
  const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
  // Nothing else in this file calls Quilt, so both totals change by exactly what is sent here.
  const startMetric = await metricTotal();
  const startFigures = await figureTotal();
  for (let i = 0; i < 7; i++) {
    const res = await fetch(`${base}/quilt/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    await res.arrayBuffer();
  }
  const deadline = Date.now() + 8000;
  let figures = 0;
  while (Date.now() < deadline) {
    figures = (await figureTotal()) - startFigures;
    if (figures >= 7) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(figures, 7, 'the figures count the 7 requests');
  t.equal((await metricTotal()) - startMetric, 7, '/metrics counts the same 7');
});

t.test('other paths answer as before; the token never reaches a log', async (t) => {
  const other = await get('/nothing-here');
  t.equal(other.status, 404);
  t.match(other.body, /No service at \/nothing-here/);
  t.equal((await get('/', {}, 'POST')).status, 404, 'only GET and HEAD at /');
  t.notMatch(bundle.logs(), new RegExp(OPS_TOKEN), 'the operations token is not logged');
});
