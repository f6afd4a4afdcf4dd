/**
 * The separate-containers layout (deploy/docker-compose.yml) without containers: quilt-mcp, benchling-mcp and the
 * Benchling sandbox each started on its own from its compose `command` and `environment` (only what a container
 * network changes is rewritten: ports, hosts, data volumes), and a private nginx master running the repo's
 * deploy/nginx/labmcp.conf in front of them, on loopback ports. MCP clients of both generations go through nginx.
 *
 * Needs nginx (Debian package `nginx`): CI (CI=true) fails without it, a developer's machine skips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { connectLegacy, connectModern } from '../helpers/mcp-clients.js';
import { pinnedFetch } from '../helpers/pinned-fetch.js';
import { containerPort, loadCompose, type Nginx, type RunningService, startComposeServices, startNginx } from './helpers/layout.js';
import { findNginx, missing } from './helpers/tools.js';

const nginxBin = findNginx();
if (!nginxBin) {
  t.plan(0, missing('nginx is not installed (apt-get install nginx)'));
} else {
  await main(nginxBin);
}

async function main(nginxBin: string): Promise<void> {
  t.setTimeout(180_000);
  const base = mkdtempSync(path.join(tmpdir(), 'labmcp-nginx-'));
  let services = new Map<string, RunningService>();
  let nginx: Nginx | undefined;
  const cleanup = async () => {
    await nginx?.stop();
    await Promise.all([...services.values()].map((s) => s.proc.stop()));
    rmSync(base, { recursive: true, force: true });
  };
  t.teardown(cleanup);

  const compose = loadCompose();
  try {
    services = await startComposeServices(compose, ['benchling-sandbox', 'quilt-mcp', 'benchling-mcp'], base);
    nginx = await startNginx(nginxBin, path.join(base, 'nginx'), {
      'quilt-mcp': services.get('quilt-mcp')!.port,
      'benchling-mcp': services.get('benchling-mcp')!.port,
    });
  } catch (err) {
    t.fail(`the layout did not start: ${(err as Error).message}`);
    return;
  }
  const quilt = services.get('quilt-mcp')!;
  const url = nginx.url;

  const token = await mintDemoToken({ dataDir: quilt.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
  const quiltAuth = { authorization: `Bearer ${token}` };
  const benchlingAuth = { 'x-benchling-api-key': 'sandbox-key-alice' };

  t.test('compose: what the layout needs of each service', async (t) => {
    for (const name of ['quilt-mcp', 'benchling-mcp', 'benchling-sandbox']) {
      const svc = compose.services[name]!;
      const port = containerPort(svc);
      t.match(svc.healthcheck?.test?.join(' '), new RegExp(`127\\.0\\.0\\.1:${port}/health`), `${name}: health check on its own /health`);
      t.ok(
        Object.entries(svc.environment ?? {}).some(([k, v]) => /_PORT$/.test(k) && String(v) === String(port)),
        `${name}: listens on the port it exposes`,
      );
      t.ok(
        Object.entries(svc.environment ?? {}).some(([k, v]) => /_HOST$/.test(k) && v === '0.0.0.0'),
        `${name}: listens on the container network, not only loopback`,
      );
      t.ok(
        svc.volumes?.some((v) => v.endsWith(':/app/data')),
        `${name}: data on a volume`,
      );
    }
    const front = compose.services.nginx!;
    t.ok(
      front.volumes?.some((v) => v.startsWith('./nginx/labmcp.conf:')),
      'nginx runs deploy/nginx/labmcp.conf',
    );
    t.equal(front.depends_on?.['quilt-mcp']?.condition, 'service_healthy');
    t.equal(front.depends_on?.['benchling-mcp']?.condition, 'service_healthy');
    t.equal(
      compose.services['benchling-mcp']!.environment?.BENCHLING_URL,
      'http://benchling-sandbox:3002',
      'benchling-mcp reaches the sandbox by its service name',
    );
  });

  t.test('health: nginx itself, and each server with its prefix stripped (the status only); /metrics refused', async (t) => {
    const own = await fetch(`${url}/health`);
    t.equal(own.status, 200);
    t.match(await own.json(), { status: 'ok', service: 'nginx' });
    // Through nginx, as through the router: no versions, URLs, modes or counts for whoever asks from outside.
    t.same(await (await fetch(`${url}/quilt/health`)).json(), {
      status: 'ok',
      checks: { auth: { status: 'ok' }, registries: { status: 'ok' }, s3Clients: { status: 'ok' } },
    });
    t.same(await (await fetch(`${url}/benchling/health`)).json(), { status: 'ok', checks: { benchling: { status: 'ok' }, keys: { status: 'ok' } } });
    const claimed = await fetch(`${url}/benchling/health`, { headers: { 'x-labmcp-ops-access': 'full' } });
    t.notOk(JSON.stringify(await claimed.json()).includes('url'), "a client's own X-Labmcp-Ops-Access does not get past nginx's");
    for (const prefix of ['/quilt', '/benchling']) {
      const metrics = await fetch(`${url}${prefix}/metrics`);
      t.equal(metrics.status, 403, `${prefix}/metrics is refused through nginx`);
      t.match(await metrics.json(), { error: 'forbidden' });
    }
    // On the compose network, where Prometheus and the container health checks reach each server directly: everything.
    const direct = services.get('benchling-mcp')!;
    t.match(await (await fetch(`http://127.0.0.1:${direct.port}/health`)).json(), { service: 'benchling-mcp', checks: { benchling: { url: String } } });
    const scraped = await fetch(`http://127.0.0.1:${quilt.port}/metrics`);
    t.equal(scraped.status, 200);
    t.match(await scraped.text(), /labmcp_/);
  });

  for (const connect of [connectModern, connectLegacy]) {
    t.test(`${connect.name}: list tools and call one on each server through nginx`, async (t) => {
      const q = await connect(`${url}/quilt/mcp`, { ...quiltAuth, ...benchlingAuth });
      t.teardown(() => q.close());
      t.ok(
        (await q.listTools()).tools.some((x) => x.name === 'registries_list'),
        'quilt lists registries_list',
      );
      t.match((await q.callTool('registries_list')).structuredContent, { registries: [{ kind: 'local', isDefault: true }] });
      const b = await connect(`${url}/benchling/mcp`, { ...quiltAuth, ...benchlingAuth });
      t.teardown(() => b.close());
      t.ok(
        (await b.listTools()).tools.some((x) => x.name === 'projects_list'),
        'benchling lists projects_list',
      );
      const projects = await b.callTool('projects_list', {});
      t.notOk(projects.isError, `projects_list ${projects.isError ? (projects.content?.[0]?.text ?? '') : 'succeeds'}`);
      t.ok(((projects.structuredContent?.projects as unknown[]) ?? []).length > 0, 'the sandbox tenant answers through benchling-mcp');
    });
  }

  t.test('each server gets only its own credential', async (t) => {
    const post = (p: string, headers: Record<string, string>) =>
      fetch(`${url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
    const quiltWithKeyOnly = await post('/quilt/mcp', benchlingAuth);
    t.equal(quiltWithKeyOnly.status, 401, 'a Benchling key is no Quilt credential');
    t.match(quiltWithKeyOnly.headers.get('www-authenticate'), /^Bearer/);
    const benchlingWithJwtOnly = await post('/benchling/mcp', quiltAuth);
    t.equal(benchlingWithJwtOnly.status, 401, 'the Quilt JWT does not reach benchling-mcp');
    const basic = await post('/benchling/mcp', { authorization: `Basic ${Buffer.from('sandbox-key-alice:').toString('base64')}` });
    t.equal(basic.status, 200, 'Authorization: Basic base64(key:) reaches benchling-mcp');
    await Promise.all([quiltWithKeyOnly, benchlingWithJwtOnly, basic].map((r) => r.arrayBuffer()));
  });

  t.test('by host name: quilt.example.com and benchling.example.com, with the same credential rules', async (t) => {
    const pinned = pinnedFetch();
    t.teardown(() => pinned.close());
    const port = new URL(url).port;
    const at = (host: string, p: string) => `http://${host}:${port}${p}`;
    const q = await connectModern(at('quilt.example.com', '/mcp'), quiltAuth, { fetch: pinned.fetch });
    t.teardown(() => q.close());
    t.match((await q.callTool('registries_list')).structuredContent, { registries: [{ kind: 'local', isDefault: true }] });
    const b = await connectLegacy(at('benchling.example.com', '/mcp'), benchlingAuth, { fetch: pinned.fetch });
    t.teardown(() => b.close());
    t.notOk((await b.callTool('projects_list', {})).isError, 'benchling-mcp at benchling.example.com/mcp');
    t.match(
      await (await pinned.fetch(at('quilt.example.com', '/quilt/health'))).json(),
      { checks: { registries: { status: 'ok' } } },
      'the prefix still works there',
    );
    t.equal((await pinned.fetch(at('quilt.example.com', '/metrics'))).status, 403, 'and /metrics is refused there too');
    t.match(await (await pinned.fetch(at('benchling.example.com', '/health'))).json(), { service: 'nginx' }, "/health is nginx's own");
    const post = (u: string, headers: Record<string, string>) =>
      pinned.fetch(u, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
    const quiltWithKeyOnly = await post(at('quilt.example.com', '/mcp'), benchlingAuth);
    t.equal(quiltWithKeyOnly.status, 401, 'a Benchling key is no Quilt credential on quilt.example.com');
    const benchlingWithJwtOnly = await post(at('benchling.example.com', '/mcp'), quiltAuth);
    t.equal(benchlingWithJwtOnly.status, 401, 'the Quilt JWT does not reach benchling-mcp on benchling.example.com');
    await Promise.all([quiltWithKeyOnly, benchlingWithJwtOnly].map((r) => r.arrayBuffer()));
  });

  t.test('X-Request-Id is kept, forwarded and answered once', async (t) => {
    const res = await fetch(`${url}/quilt/health`, { headers: { 'x-request-id': 'trace-abc-123' } });
    await res.arrayBuffer();
    t.equal(res.headers.get('x-request-id'), 'trace-abc-123');
    const fresh = await fetch(`${url}/quilt/health`);
    await fresh.arrayBuffer();
    t.match(fresh.headers.get('x-request-id'), /^[0-9a-f]{32}$/, 'nginx makes one when none is sent');
    // /health is not access-logged; an MCP request is.
    const call = await fetch(`${url}/quilt/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-request-id': 'trace-def-456', ...quiltAuth },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    await call.arrayBuffer();
    t.equal(call.headers.get('x-request-id'), 'trace-def-456');
    await new Promise((r) => setTimeout(r, 300));
    t.match(quilt.proc.log(), /"id":"trace-def-456"/, 'quilt-mcp logged the same id');
  });

  t.test('DNS-rebinding protection and CORS', async (t) => {
    const evil = await fetch(`${url}/quilt/mcp`, {
      method: 'POST',
      headers: { origin: 'http://evil.example.com', 'content-type': 'application/json', ...quiltAuth },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    t.equal(evil.status, 403, 'a foreign browser origin is refused');
    await evil.arrayBuffer();
    const local = await fetch(`${url}/quilt/mcp`, {
      method: 'POST',
      headers: { origin: 'http://localhost:6274', 'content-type': 'application/json', accept: 'application/json', ...quiltAuth },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    t.equal(local.status, 200, 'a localhost origin (the Inspector) is allowed');
    t.equal(local.headers.get('access-control-allow-origin'), 'http://localhost:6274');
    await local.arrayBuffer();
    const preflight = await fetch(`${url}/benchling/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-benchling-api-key' },
    });
    t.equal(preflight.status, 204);
    t.match(preflight.headers.get('access-control-allow-headers'), /X-Benchling-API-Key/);
  });

  t.test('unknown paths are 404 with a hint', async (t) => {
    const res = await fetch(`${url}/nothing/mcp`);
    t.equal(res.status, 404);
    t.match(((await res.json()) as { message: string }).message, /\/quilt\/mcp/);
  });

  t.test('a stopped server is a fast JSON-RPC 503 with Retry-After; the other is unaffected', async (t) => {
    await quilt.proc.stop();
    const started = Date.now();
    const res = await fetch(`${url}/quilt/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...quiltAuth },
      body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}',
    });
    t.equal(res.status, 503);
    t.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
    t.match(await res.json(), { jsonrpc: '2.0', error: { code: -32000 } });
    t.ok(Date.now() - started < 3000, 'fast, not a hang');
    const b = await connectModern(`${url}/benchling/mcp`, benchlingAuth);
    t.ok((await b.listTools()).tools.length > 0);
    await b.close();
  });
}
