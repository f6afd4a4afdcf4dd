// The router with its servers elsewhere, behind HTTPS (QUILT_MCP_UPSTREAM / BENCHLING_MCP_UPSTREAM = https://…), as
// when the packages run as separate containers: real quilt-mcp, benchling-mcp and sandbox, each behind a TLS
// terminator made here, with certificates signed by a private CA that the router trusts through NODE_EXTRA_CA_CERTS.
// All three of the router's ways to its servers are covered: the proxy (the prefixed routes, SSE included), the
// /health probes and the merged /mcp's calls. Upstreams named by host name and by IP address; and ones whose
// certificate is not trusted or does not name them, which must read as down and answer a clean 502, not hang.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { freePort, scriptOf } from '../../scripts/lib/launcher.js';
import { startBundle } from '../helpers/bundle.js';
import { type Certificate, hasOpenssl, makeAuthority, makeCertificate } from '../helpers/certificates.js';
import { connectModern, connectors } from '../helpers/mcp-clients.js';
import { pinnedFetch } from '../helpers/pinned-fetch.js';
import { callAcceptingSse } from '../helpers/sse-call.js';

if (!hasOpenssl()) {
  t.plan(0, 'openssl is not installed (apt-get install openssl)');
  process.exit(0);
}

const base = mkdtempSync(path.join(tmpdir(), 'labmcp-https-upstreams-'));
const authority = makeAuthority(base, 'authority');
// Signed by the trusted CA: one for the host name only, one for the IP address only (each fails for the other).
const named = makeCertificate(base, 'named', ['DNS:localhost'], authority);
const addressed = makeCertificate(base, 'addressed', ['IP:127.0.0.1'], authority);
// Right names, but nobody trusts it.
const untrusted = makeCertificate(base, 'untrusted', ['DNS:localhost', 'IP:127.0.0.1']);

const servers = await startBundle({ only: ['benchling-sandbox', 'quilt-mcp', 'benchling-mcp'] });
const terminators: Terminator[] = [];
const routers: Router[] = [];
t.teardown(async () => {
  await Promise.all(routers.map((r) => r.stop()));
  await Promise.all(terminators.map((x) => x.close()));
  await servers.stop();
  rmSync(base, { recursive: true, force: true });
});

// Requests go to the router under a host name of its own, not the upstreams' (`localhost`): the name the router is
// reached by must not be what it checks an upstream's certificate against (or sends as its SNI).
const ROUTER_HOST = 'mcp.labmcp.test';
const pinned = pinnedFetch();
t.teardown(() => pinned.close());
const token = await mintDemoToken({ dataDir: servers.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
const quiltAuth = { authorization: `Bearer ${token}` };
const benchlingAuth = { 'x-benchling-api-key': 'sandbox-key-alice' };
/** Each server's route, the credential it takes and a tool that only reads. */
const ROUTES = [
  { prefix: '/quilt', headers: quiltAuth, tool: 'registries_list' },
  { prefix: '/benchling', headers: benchlingAuth, tool: 'projects_list' },
];

interface Terminator {
  port: number;
  /** The TLS server name (SNI) of each connection made to it; false for one without. */
  servernames: TLSSocket['servername'][];
  /** The Host of each request through it (what an ingress that routes by host name goes by). */
  hosts: (string | undefined)[];
  close: () => Promise<void>;
}

// Describe one connection only; each side of the terminator frames its own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer', 'upgrade']);
const endToEnd = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/** HTTPS in front of a server's loopback port, as a load balancer or sidecar would be: both ways streamed. */
async function terminate(certificate: Certificate, port: number): Promise<Terminator> {
  const servernames: TLSSocket['servername'][] = [];
  const hosts: (string | undefined)[] = [];
  const server = https.createServer({ cert: certificate.pem, key: readFileSync(certificate.key) }, (req, res) => {
    hosts.push(req.headers.host);
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: endToEnd(req.headers) }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      // An event stream's headers go at once, and its events as they come (pipe does not wait for more).
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.on('secureConnection', (socket: TLSSocket) => servernames.push(socket.servername));
  // Failed handshakes (the router refusing the certificate) are the point of some of the cases.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const terminator: Terminator = {
    port: (server.address() as AddressInfo).port,
    servernames,
    hosts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  terminators.push(terminator);
  return terminator;
}

interface Router {
  url: string;
  logs: () => string;
  stop: () => Promise<void>;
}

/**
 * A router alone, its servers at `upstreams`, trusting the test CA. Started here rather than by startBundle, which
 * waits for a /health of 200: two of these routers have an upstream that must read as down.
 */
async function startRouter(upstreams: { quilt: string; benchling: string }): Promise<Router> {
  const port = await freePort();
  const env = {
    ...servers.env,
    ROUTER_PORT: String(port),
    ROUTER_ALLOWED_HOSTS: ROUTER_HOST,
    QUILT_MCP_UPSTREAM: upstreams.quilt,
    BENCHLING_MCP_UPSTREAM: upstreams.benchling,
    NODE_EXTRA_CA_CERTS: authority.cert,
  };
  const child: ChildProcess = spawn(process.execPath, [scriptOf('router')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const router: Router = {
    url: `http://${ROUTER_HOST}:${port}`,
    logs: () => logs,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
  routers.push(router);
  // Up once /health answers at all (503 included: some upstreams here are meant to be down).
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const answered = await pinned
      .fetch(`${router.url}/health`, { signal: AbortSignal.timeout(1000) })
      .then((res) => res.arrayBuffer())
      .catch(() => undefined);
    if (answered) return router;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`router did not come up:\n${logs}`);
}

type Health = { status: string; checks: Record<string, { status: string; error?: string }> };
async function healthOf(router: Router): Promise<{ status: number; body: Health }> {
  const res = await pinned.fetch(`${router.url}/health`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Health };
}

/** A `tools/list` posted to a prefixed route without a client, to see the router's own answer as it is. */
async function postToolsList(router: Router, prefix: string, headers: Record<string, string>) {
  const res = await pinned.fetch(`${router.url}${prefix}/mcp`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

const quilt = await terminate(named, servers.ports['quilt-mcp']);
const benchling = await terminate(named, servers.ports['benchling-mcp']);
const benchlingByAddress = await terminate(addressed, servers.ports['benchling-mcp']);
const quiltUntrusted = await terminate(untrusted, servers.ports['quilt-mcp']);
const quiltForNameOnly = await terminate(named, servers.ports['quilt-mcp']);
const benchlingForAddressOnly = await terminate(addressed, servers.ports['benchling-mcp']);
const [byName, mixed, misnamed] = await Promise.all([
  // Both by host name, as the brief for separate containers has it.
  startRouter({ quilt: `https://localhost:${quilt.port}`, benchling: `https://localhost:${benchling.port}` }),
  // quilt-mcp's certificate is not trusted; benchling-mcp reached by IP address, its certificate naming that address.
  startRouter({ quilt: `https://localhost:${quiltUntrusted.port}`, benchling: `https://127.0.0.1:${benchlingByAddress.port}` }),
  // Trusted certificates for other names than the URLs': a host name's for an address, and the other way round.
  startRouter({ quilt: `https://127.0.0.1:${quiltForNameOnly.port}`, benchling: `https://localhost:${benchlingForAddressOnly.port}` }),
]);

/** Whether the router's /metrics page could read each server's metrics (its scrape gauge), by service. */
async function scrapedOf(router: Router): Promise<Record<string, string>> {
  const page = await (await pinned.fetch(`${router.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return Object.fromEntries([...page.matchAll(/^labmcp_router_metrics_scrape_ok\{[^}]*upstream="([^"]+)"[^}]*\} (\d)$/gm)].map((m) => [m[1], m[2]]));
}

t.test('HTTPS upstreams by host name: /health probes both up, /metrics reads both', async (t) => {
  const { status, body } = await healthOf(byName);
  t.equal(status, 200);
  t.match(body.checks, { 'quilt-mcp': { status: 'ok', httpStatus: 200 }, 'benchling-mcp': { status: 'ok', httpStatus: 200 } });
  t.same(await scrapedOf(byName), { 'quilt-mcp': '1', 'benchling-mcp': '1' });
});

for (const connect of connectors) {
  t.test(`${connect.name} client through the router to HTTPS upstreams: both routes and the merged /mcp`, async (t) => {
    const quiltClient = await connect(`${byName.url}/quilt/mcp`, quiltAuth, { fetch: pinned.fetch });
    t.teardown(() => quiltClient.close());
    t.ok(
      (await quiltClient.listTools()).tools.some((x) => x.name === 'registries_list'),
      'quilt tools/list',
    );
    t.match((await quiltClient.callTool('registries_list')).structuredContent, { registries: [{ kind: 'local', isDefault: true }] });

    const benchlingClient = await connect(`${byName.url}/benchling/mcp`, benchlingAuth, { fetch: pinned.fetch });
    t.teardown(() => benchlingClient.close());
    t.ok(
      (await benchlingClient.listTools()).tools.some((x) => x.name === 'projects_list'),
      'benchling tools/list',
    );
    const projects = await benchlingClient.callTool('projects_list', {});
    t.notOk(projects.isError, 'projects_list');
    t.ok(((projects.structuredContent?.projects as unknown[]) ?? []).length > 0, 'the sandbox projects');

    const merged = await connect(`${byName.url}/mcp`, { ...quiltAuth, ...benchlingAuth }, { fetch: pinned.fetch });
    t.teardown(() => merged.close());
    const names = (await merged.listTools()).tools.map((x) => x.name);
    t.ok(names.includes('quilt_registries_list') && names.includes('benchling_projects_list'), "the merged list has both servers' tools");
    t.match((await merged.callTool('quilt_registries_list')).structuredContent, { registries: [{ kind: 'local' }] }, 'a merged call to quilt-mcp');
    t.notOk((await merged.callTool('benchling_projects_list', {})).isError, 'a merged call to benchling-mcp');
  });
}

t.test('an SSE answer streams through the router and both TLS hops', async (t) => {
  for (const { prefix, headers, tool } of ROUTES) {
    const { status, headers: answered, events } = await callAcceptingSse(pinned.fetch, `${byName.url}${prefix}/mcp`, headers, tool);
    const answer = { status, type: answered.get('content-type'), buffering: answered.get('x-accel-buffering'), last: events.at(-1) };
    t.match(answer, { status: 200, type: /^text\/event-stream/, buffering: 'no', last: { id: 7, result: {} } }, `${prefix}: the result as an event`);
    t.notOk(answer.last?.result?.isError, `${prefix}: the call succeeded`);
  }
});

t.test('SNI: the upstream host name is sent, and none for an IP address', async (t) => {
  for (const terminator of [quilt, benchling]) {
    t.ok(terminator.servernames.length > 0, 'connections were made');
    t.same([...new Set(terminator.servernames)], ['localhost'], "every connection named the upstream's host, not the router's");
    // Proxied requests, the /health and /metrics probes and the merged /mcp's calls alike.
    t.same([...new Set(terminator.hosts)], [`localhost:${terminator.port}`], "and every request's Host did too");
  }
  // RFC 6066: no server name for an address. The certificate is still checked against it (below, misnamed).
  t.same([...new Set(benchlingByAddress.servernames)], [false]);
});

t.test('an upstream by IP address, its certificate naming that address, works', async (t) => {
  const { body } = await healthOf(mixed);
  t.match(body.checks['benchling-mcp'], { status: 'ok' });
  const client = await connectModern(`${mixed.url}/benchling/mcp`, benchlingAuth, { fetch: pinned.fetch });
  t.teardown(() => client.close());
  t.notOk((await client.callTool('projects_list', {})).isError);
});

t.test('an upstream whose certificate is not trusted: down in /health, a clean 502, left out of /mcp', async (t) => {
  const { status, body } = await healthOf(mixed);
  t.equal(status, 503);
  t.match(body.checks['quilt-mcp'], { status: 'down', error: /SELF_SIGNED|UNABLE_TO_VERIFY/ });
  const started = Date.now();
  const answer = await postToolsList(mixed, '/quilt', quiltAuth);
  t.equal(answer.status, 502);
  t.match(answer.body, { jsonrpc: '2.0', error: { code: -32000, message: /^quilt-mcp failed \(/, data: { reason: 'bad_gateway' } }, id: null });
  t.equal(answer.retryAfter, '2');
  t.same(await scrapedOf(mixed), { 'quilt-mcp': '0', 'benchling-mcp': '1' }, "/metrics leaves the untrusted server's out");
  t.ok(Date.now() - started < 5000, 'answered at once');
  const health = await pinned.fetch(`${mixed.url}/quilt/health`, { signal: AbortSignal.timeout(10_000) });
  t.equal(health.status, 502);
  t.match(await health.json(), { error: 'bad_gateway' });

  const merged = await connectModern(`${mixed.url}/mcp`, { ...quiltAuth, ...benchlingAuth }, { fetch: pinned.fetch });
  t.teardown(() => merged.close());
  const names = (await merged.listTools()).tools.map((x) => x.name);
  t.ok(names.includes('benchling_projects_list'), "the trusted server's tools are listed");
  t.notOk(
    names.some((name) => name.startsWith('quilt_')),
    "the untrusted one's are left out",
  );
  const call = await merged.callTool('quilt_registries_list');
  t.equal(call.isError, true, 'a call to it is an error result');
  // Refused in the handshake, the call was never sent: not "may or may not have run".
  t.match(call.content?.[0]?.text, /^quilt-mcp is unavailable \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
});

t.test('upstreams whose certificates name neither their host name nor their address: down, a clean 502', async (t) => {
  const { status, body } = await healthOf(misnamed);
  t.equal(status, 503);
  t.match(body.checks, {
    'quilt-mcp': { status: 'down', error: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    'benchling-mcp': { status: 'down', error: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  });
  for (const { prefix, headers } of ROUTES) {
    const answer = await postToolsList(misnamed, prefix, headers);
    t.equal(answer.status, 502, prefix);
    t.match(answer.body, { error: { message: /failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/, data: { reason: 'bad_gateway' } } });
  }
  const merged = await connectModern(`${misnamed.url}/mcp`, { ...quiltAuth, ...benchlingAuth }, { fetch: pinned.fetch });
  t.teardown(() => merged.close());
  t.same(
    (await merged.listTools()).tools.filter((x) => /^(quilt|benchling)_/.test(x.name)),
    [],
    "neither server's tools are listed",
  );
  const call = await merged.callTool('benchling_projects_list', {});
  t.equal(call.isError, true);
  t.match(call.content?.[0]?.text, /^benchling-mcp is unavailable \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
});

t.test('the routers stay up and log the failures, with no secret', async (t) => {
  t.same(await Promise.all([byName, mixed, misnamed].map(async (router) => (await healthOf(router)).status)), [200, 503, 503], 'all still answering');
  t.match(mixed.logs(), /"msg":"upstream error"/);
  t.match(misnamed.logs(), /ERR_TLS_CERT_ALTNAME_INVALID/);
  const logs = [byName, mixed, misnamed].map((r) => r.logs()).join('\n') + servers.logs();
  t.notOk(logs.includes(token), 'no JWT in the logs');
  t.notOk(logs.includes('sandbox-key-alice'), 'no Benchling key in the logs');
  t.notMatch(logs, /PRIVATE KEY/, 'no key in the logs');
});
