// Routing by host name (ROUTER_SERVICE_HOSTS) through the real bundle: each service on its own host name with the
// official clients, the path prefixes still working, the same credential isolation and rate limit on both ways in,
// and a 404 naming the known hosts for any other name.
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern } from '../helpers/mcp-clients.js';
import { pinnedFetch } from '../helpers/pinned-fetch.js';

const bundle = await startBundle({
  env: {
    ROUTER_SERVICE_HOSTS: 'quilt.labmcp.test=quilt, Benchling.Labmcp.Test=benchling',
    ROUTER_ALLOWED_HOSTS: 'mcp.labmcp.test',
    // Small enough to reach in a test, for the credential of the limits test only (each credential has its own).
    ROUTER_RATE_LIMIT_BURST: '12',
    ROUTER_RATE_LIMIT_PER_MINUTE: '1',
  },
});
const pinned = pinnedFetch();
t.teardown(async () => {
  await pinned.close();
  await bundle.stop();
});
const port = bundle.ports.router;
const at = (host: string, path: string) => `http://${host}:${port}${path}`;
const token = (subject: string) => mintDemoToken({ dataDir: bundle.dataDir, subject, scopes: ['read:packages'] });
const benchlingAuth = { 'x-benchling-api-key': 'sandbox-key-alice' };

function post(url: string, headers: Record<string, string>) {
  return pinned.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
}

for (const connect of [connectModern, connectLegacy]) {
  t.test(`${connect.name}: each server on its own host name, at /mcp`, async (t) => {
    const quilt = await connect(at('quilt.labmcp.test', '/mcp'), { authorization: `Bearer ${await token('alice@example.com')}` }, { fetch: pinned.fetch });
    t.teardown(() => quilt.close());
    t.match((await quilt.callTool('registries_list')).structuredContent, { registries: [{ kind: 'local', isDefault: true }] });
    const benchling = await connect(at('benchling.labmcp.test', '/mcp'), benchlingAuth, { fetch: pinned.fetch });
    t.teardown(() => benchling.close());
    const projects = await benchling.callTool('projects_list', {});
    t.notOk(projects.isError, 'projects_list answers on benchling.labmcp.test');
    t.ok(((projects.structuredContent?.projects as unknown[]) ?? []).length > 0);
  });
}

t.test('the path prefixes keep working, on the router host and on a service host', async (t) => {
  const auth = { authorization: `Bearer ${await token('bob@example.com')}` };
  for (const url of [at('mcp.labmcp.test', '/quilt/mcp'), at('quilt.labmcp.test', '/quilt/mcp'), `${bundle.routerUrl}/quilt/mcp`]) {
    const client = await connectModern(url, auth, { fetch: pinned.fetch });
    t.notOk((await client.callTool('registries_list')).isError, url);
    await client.close();
  }
  const benchling = await connectModern(at('mcp.labmcp.test', '/benchling/mcp'), benchlingAuth, { fetch: pinned.fetch });
  t.notOk((await benchling.callTool('projects_list', {})).isError, 'benchling by its prefix');
  await benchling.close();
  // /health is the router's on every host; a server's own stays at its prefix.
  t.match(await (await pinned.fetch(at('quilt.labmcp.test', '/health'))).json(), { service: 'router', status: 'ok' });
  t.match(await (await pinned.fetch(at('quilt.labmcp.test', '/quilt/health'))).json(), { service: 'quilt-mcp' });
  t.match(await (await pinned.fetch(at('benchling.labmcp.test', '/benchling/health'))).json(), { service: 'benchling-mcp' });
});

t.test("/mcp on the router's own host is the one-connection endpoint for both servers", async (t) => {
  const both = { authorization: `Bearer ${await token('carol@example.com')}`, ...benchlingAuth };
  const client = await connectModern(at('mcp.labmcp.test', '/mcp'), both, { fetch: pinned.fetch });
  t.teardown(() => client.close());
  const names = (await client.listTools()).tools.map((x) => x.name);
  t.ok(names.includes('quilt_registries_list') && names.includes('benchling_projects_list'), 'both servers, prefixed');
  t.notOk((await client.callTool('benchling_projects_list', {})).isError);
});

t.test('a service host passes on only its own credential', async (t) => {
  const quiltWithKeyOnly = await post(at('quilt.labmcp.test', '/mcp'), benchlingAuth);
  t.equal(quiltWithKeyOnly.status, 401, 'a Benchling key is no Quilt credential');
  t.match(quiltWithKeyOnly.headers.get('www-authenticate'), /^Bearer/);
  const basic = await post(at('quilt.labmcp.test', '/mcp'), { authorization: `Basic ${Buffer.from('sandbox-key-alice:').toString('base64')}` });
  t.equal(basic.status, 401, 'nor is one sent as Basic');
  const benchlingWithJwtOnly = await post(at('benchling.labmcp.test', '/mcp'), { authorization: `Bearer ${await token('alice@example.com')}` });
  t.equal(benchlingWithJwtOnly.status, 401, 'the Quilt JWT does not reach benchling-mcp (user key mode)');
  t.match(await benchlingWithJwtOnly.json(), { error: { message: /No Benchling API key/ } });
  // Another service's prefix on a service host goes to that host's service (which has no such path), never across.
  const across = await post(at('quilt.labmcp.test', '/benchling/mcp'), benchlingAuth);
  t.not(across.status, 200, 'quilt.labmcp.test does not reach benchling-mcp');
  await Promise.all([quiltWithKeyOnly, basic, across].map((r) => r.arrayBuffer()));
});

t.test('the host name and the prefix share one rate limit per credential and service', async (t) => {
  const auth = { authorization: `Bearer ${await token('limits@example.com')}` };
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await post(at('quilt.labmcp.test', '/mcp'), auth);
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  t.same(new Set(statuses), new Set([200]), 'the burst, through the host name');
  const byPrefix = await post(at('mcp.labmcp.test', '/quilt/mcp'), auth);
  await byPrefix.arrayBuffer();
  t.equal(byPrefix.status, 429, 'the same credential by the prefix is over the same limit');
  t.ok(byPrefix.headers.get('retry-after'));
});

t.test('an unknown host gets a 404 naming the known hosts, whatever the path', async (t) => {
  for (const path of ['/quilt/mcp', '/mcp', '/']) {
    const res = await post(at('elsewhere.labmcp.test', path), benchlingAuth);
    t.equal(res.status, 404, path);
    const body = (await res.json()) as { error: string; message: string };
    t.equal(body.error, 'unknown_host');
    t.match(body.message, /elsewhere\.labmcp\.test/);
    t.match(body.message, /quilt\.labmcp\.test \(quilt-mcp\)/);
    t.match(body.message, /benchling\.labmcp\.test \(benchling-mcp\)/);
    t.match(body.message, /mcp\.labmcp\.test/);
  }
  const health = await pinned.fetch(at('elsewhere.labmcp.test', '/health'));
  t.equal(health.status, 403, '/health is not served for an unknown host (DNS rebinding), as before');
  await health.arrayBuffer();
  // By IP address, as health checks and local tools reach it, the prefixes work.
  const byAddress = await fetch(`${bundle.routerUrl}/benchling/health`);
  t.equal(byAddress.status, 200);
  await byAddress.arrayBuffer();
});
