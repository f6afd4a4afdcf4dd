// The servers on a network, as in the separate-containers and ECS layouts (QUILT_MCP_HOST / BENCHLING_MCP_HOST
// 0.0.0.0): the real quilt-mcp and benchling-mcp reached at this machine's own network address, which is not
// loopback to them. They show `/health`'s details and `/metrics` only to holders of LABMCP_OPS_TOKEN (Prometheus),
// and a router in front of them (QUILT_MCP_UPSTREAM / BENCHLING_MCP_UPSTREAM at that address) presents the token
// for its /health, its merged /metrics and the servers' own pages it passes on.
import { type ChildProcess, spawn } from 'node:child_process';
import t from 'tap';
import { freePort, scriptOf } from '../../scripts/lib/launcher.js';
import { startBundle } from '../helpers/bundle.js';
import { networkAddress } from '../helpers/network-address.js';

const address = networkAddress();
if (!address) {
  t.plan(0, 'this machine has no IPv4 address but loopback, so no client can reach a server from elsewhere');
  process.exit(0);
}

const OPS_TOKEN = 'the-operations-token-of-the-bundle';
const servers = await startBundle({
  only: ['benchling-sandbox', 'quilt-mcp', 'benchling-mcp'],
  env: { QUILT_MCP_HOST: '0.0.0.0', BENCHLING_MCP_HOST: '0.0.0.0', LABMCP_OPS_TOKEN: OPS_TOKEN },
});
const children: ChildProcess[] = [];
t.teardown(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }),
  );
  await servers.stop();
});

const elsewhere = {
  'quilt-mcp': `http://${address}:${servers.ports['quilt-mcp']}`,
  'benchling-mcp': `http://${address}:${servers.ports['benchling-mcp']}`,
};

/** What a `/health` holds, whole or status only. */
interface Health {
  status: string;
  service?: string;
  version?: string;
  checks: Record<string, { status: string; httpStatus?: number; version?: string }>;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: () => Health }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Health };
}

/** A router alone in front of the servers at their network address; its own clients come from loopback. */
async function startRouter(opsToken: string | undefined): Promise<{ url: string; logs: () => string }> {
  const port = await freePort();
  const { LABMCP_OPS_TOKEN: _, ...env } = servers.env;
  const child = spawn(process.execPath, [scriptOf('router')], {
    env: {
      ...env,
      ...(opsToken !== undefined && { LABMCP_OPS_TOKEN: opsToken }),
      ROUTER_PORT: String(port),
      QUILT_MCP_UPSTREAM: elsewhere['quilt-mcp'],
      BENCHLING_MCP_UPSTREAM: elsewhere['benchling-mcp'],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let logs = '';
  child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline && child.exitCode === null; ) {
    if ((await get(`${url}/health`).catch(() => undefined))?.status === 200) return { url, logs: () => logs };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`router did not come up:\n${logs}`);
}

t.test('each server, from elsewhere: the status only, unless the operations token comes with the request', async (t) => {
  for (const [service, base] of Object.entries(elsewhere)) {
    const health = await get(`${base}/health`);
    t.equal(health.status, 200, `${service}: /health answers`);
    t.same(Object.keys(health.json()).sort(), ['checks', 'status'], `${service}: only the status`);
    t.notMatch(health.text, /version|uptime|readOnlyTools|sandbox|127\.0\.0\.1/, `${service}: no version, settings or tenant`);
    t.equal((await get(`${base}/metrics`)).status, 403, `${service}: no /metrics`);

    const withToken = { authorization: `Bearer ${OPS_TOKEN}` };
    t.match((await get(`${base}/health`, withToken)).json(), { service, version: String }, `${service}: the token shows the details`);
    const metrics = await get(`${base}/metrics`, withToken);
    t.equal(metrics.status, 200, `${service}: and /metrics`);
    t.match(metrics.text, /^labmcp_http_requests_total\{/m);

    const local = `http://127.0.0.1:${servers.ports[service as keyof typeof elsewhere]}`;
    t.match((await get(`${local}/health`)).json(), { service, version: String }, `${service}: loopback (a container's health check) sees everything`);
  }
});

t.test('a router with the token: details, merged metrics and the servers’ own pages, as with loopback servers', async (t) => {
  const { url: router, logs } = await startRouter(OPS_TOKEN);
  const health = (await get(`${router}/health`)).json();
  for (const service of ['quilt-mcp', 'benchling-mcp']) {
    t.match(health.checks[service], { status: 'ok', httpStatus: 200, version: String }, `${service}: its version, read from its /health details`);
  }
  const metrics = await get(`${router}/metrics`);
  t.match(metrics.text, /^labmcp_router_metrics_scrape_ok\{upstream="quilt-mcp",service="router"\} 1$/m, "quilt-mcp's metrics merged");
  t.match(metrics.text, /^labmcp_router_metrics_scrape_ok\{upstream="benchling-mcp",service="router"\} 1$/m, "benchling-mcp's metrics merged");
  t.match(metrics.text, /^labmcp_http_requests_total\{[^}]*service="quilt-mcp"/m);
  t.match((await get(`${router}/quilt/health`)).json(), { service: 'quilt-mcp', version: String }, "a server's own /health, whole, for a loopback client");
  t.match((await get(`${router}/benchling/metrics`)).text, /^labmcp_http_requests_total\{[^}]*service="benchling-mcp"/m, "a server's own /metrics");
  t.notMatch(logs(), OPS_TOKEN, 'the router never logs the operations token');
  t.notMatch(servers.logs(), OPS_TOKEN, 'nor do the servers');
});

t.test('a router without it: the servers keep their details to themselves, and the router says what it could not read', async (t) => {
  const { url: router } = await startRouter(undefined);
  const health = (await get(`${router}/health`)).json();
  t.match(health.checks['quilt-mcp'], { status: 'ok', httpStatus: 200 }, 'each server is still seen up');
  t.equal(health.checks['quilt-mcp']?.version, undefined, 'but not its version');
  const metrics = await get(`${router}/metrics`);
  t.match(metrics.text, /^labmcp_router_metrics_scrape_ok\{upstream="quilt-mcp",service="router"\} 0$/m, 'the missing scrape shows');
  t.equal((await get(`${router}/quilt/metrics`)).status, 403, "a server's /metrics is refused by the server");
  t.same(Object.keys((await get(`${router}/quilt/health`)).json()).sort(), ['checks', 'status']);
});
