/**
 * startServiceProcess and runMcpService, as the MCP servers' main modules use them: a real process
 * (fixtures/mcp-service-process.ts) with its settings, `/health`, the MCP endpoint behind its authenticator, the
 * body limit, and a graceful stop on SIGTERM that closes the endpoint and then runs the server's own shutdown.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { connectModern } from '../../../test/helpers/mcp-clients.js';
import { networkAddress } from '../../../test/helpers/network-address.js';
import { rawConnection } from './helpers/raw-connection.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const script = path.join(here, 'fixtures', 'mcp-service-process.ts');

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
}

function start(env: Record<string, string>, nodeArgs: string[] = []): Started {
  // The test's environment (tap's coverage settings reach the process through it); LABMCP_ENV_FILE points at no
  // file, so a developer's .env does not change the settings under test.
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: repoRoot,
    env: { ...process.env, LABMCP_ENV_FILE: path.join(here, 'no-such.env'), LABMCP_LOG_BATCH_MS: '0', LABMCP_MCP_ANSWER_CACHE: '64', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (let i = out.indexOf('\n'); i !== -1; i = out.indexOf('\n')) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { child, lines, stderr: () => err };
}

async function logLine(started: Started, msg: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = started.lines.find((l) => l.msg === msg);
    if (found) return found;
    if (started.child.exitCode !== null) throw new Error(`the process exited (${started.child.exitCode}) before logging "${msg}": ${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no "${msg}" log line in ${timeoutMs} ms: ${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

t.test('a bad setting: the process says which and exits with EX_CONFIG', async (t) => {
  const started = start({ FIXTURE_MCP_PORT: 'eighty' });
  const [code] = await once(started.child, 'exit');
  t.equal(code, 78);
  t.match(started.stderr(), /FIXTURE_MCP_PORT: .*\(got "eighty"\)/);
});

t.test('on a network: /health details and /metrics only for loopback and holders of LABMCP_OPS_TOKEN', async (t) => {
  const address = networkAddress();
  if (!address) {
    t.plan(0, 'this machine has no IPv4 address but loopback, so no client can reach the server from elsewhere');
    return;
  }
  const token = 'the-operations-token-of-this-test';
  const started = start({ FIXTURE_MCP_HOST: '0.0.0.0', FIXTURE_MCP_PORT: '0', LABMCP_OPS_TOKEN: token });
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  const { port } = new URL((await logLine(started, 'fixture-mcp listening')).url as string);
  const outside = `http://${address}:${port}`;
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    return { status: res.status, body: await res.text() };
  };

  const health = await get(`${outside}/health`);
  t.equal(health.status, 200);
  t.same(JSON.parse(health.body), { status: 'ok', checks: { fixture: { status: 'ok' } } }, 'from elsewhere: the status only');
  const metrics = await get(`${outside}/metrics`);
  t.equal(metrics.status, 403, '… and no /metrics');
  t.match(JSON.parse(metrics.body), { error: 'forbidden', message: '/metrics is served on loopback or with the operations token only' });
  t.equal((await get(`${outside}/metrics`, { authorization: 'Bearer the-operations-token-of-this-tesT' })).status, 403, 'a wrong token is no token');
  t.equal((await get(`${outside}/metrics`, { authorization: 'Bearer user-alice' })).status, 403, "an MCP caller's credential is no token");

  const withToken = { authorization: `Bearer ${token}` };
  t.match(
    JSON.parse((await get(`${outside}/health`, withToken)).body),
    { service: 'fixture-mcp', version: '0.1.0', checks: { fixture: { answerCache: 64 } } },
    'with the token: the details',
  );
  const scraped = await get(`${outside}/metrics`, withToken);
  t.equal(scraped.status, 200, '… and /metrics (Prometheus scraping a server on its network)');
  t.match(scraped.body, /^# HELP /m);
  t.same(
    JSON.parse((await get(`${outside}/health`, { ...withToken, 'x-labmcp-ops-access': 'status' })).body),
    { status: 'ok', checks: { fixture: { status: 'ok' } } },
    'through a proxy that marks requests from outside, the token does not open the details',
  );

  t.match(JSON.parse((await get(`http://127.0.0.1:${port}/health`)).body), { service: 'fixture-mcp' }, 'loopback (a container health check) sees everything');
  t.equal((await get(`http://127.0.0.1:${port}/metrics`)).status, 200);
  t.notMatch(started.lines.map((l) => JSON.stringify(l)).join('\n'), token, 'the token is never logged');
});

t.test('serves /health and MCP behind its authenticator, and stops gracefully', async (t) => {
  const started = start({
    FIXTURE_MCP_PORT: '0',
    LABMCP_MCP_ANSWER_CACHE: '7',
    LABMCP_MCP_BODY_TIMEOUT_MS: '400',
    LABMCP_ALLOWED_ORIGINS: 'https://app.example.org',
  });
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  const listening = await logLine(started, 'fixture-mcp listening');
  const url = listening.url as string;
  t.match(listening, { service: 'fixture-mcp', version: '0.1.0' }, 'the version of the package the given module belongs to');

  const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
  t.match(health, { service: 'fixture-mcp', status: 'ok', checks: { fixture: { status: 'ok', answerCache: 7 } } }, 'the common settings were read');
  // What a proxy in front sets on a request from outside (deploy/nginx/labmcp.conf): the status only, no /metrics.
  t.same(
    await (await fetch(`${url}/health`, { headers: { 'x-labmcp-ops-access': 'status' } })).json(),
    { status: 'ok', checks: { fixture: { status: 'ok' } } },
    'X-Labmcp-Ops-Access: status gives the status only',
  );
  const metricsRefused = await fetch(`${url}/metrics`, { headers: { 'x-labmcp-ops-access': 'status' } });
  t.equal(metricsRefused.status, 403, '… and refuses /metrics');
  await metricsRefused.arrayBuffer();
  const refusedBoth = await fetch(`${url}/health`, { headers: { 'x-labmcp-ops-access': 'refused' } });
  t.equal(refusedBoth.status, 403, 'X-Labmcp-Ops-Access: refused refuses /health');
  await refusedBoth.arrayBuffer();
  const unknownValue = (await (await fetch(`${url}/health`, { headers: { 'x-labmcp-ops-access': 'full' } })).json()) as Record<string, unknown>;
  t.match(unknownValue, { service: 'fixture-mcp', checks: { fixture: { answerCache: 7 } } }, 'any other value changes nothing');
  const metrics = await fetch(`${url}/metrics`);
  t.equal(metrics.status, 200, 'without the header, /metrics is served');
  await metrics.arrayBuffer();
  // A web page that rebinds its DNS name to 127.0.0.1 reaches this port from the user's browser, naming itself.
  const rebound = (path: string) =>
    new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      http
        .get(`${url}${path}`, { headers: { host: `rebound.example:${new URL(url).port}` } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        })
        .on('error', reject);
    });
  t.same(
    JSON.parse((await rebound('/health')).body),
    { status: 'ok', checks: { fixture: { status: 'ok' } } },
    'from loopback under a host name not its own: the status only',
  );
  t.equal((await rebound('/metrics')).status, 403, '… and no /metrics');

  const refused = await fetch(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(refused.status, 401, 'the authenticator decides');
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="fixture"');
  await refused.arrayBuffer();

  const tooLarge = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer user-alice' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { padding: 'x'.repeat(5000) } }),
  });
  t.equal(tooLarge.status, 413, "the server's body limit");
  await tooLarge.arrayBuffer();

  // LABMCP_MCP_BODY_TIMEOUT_MS reaches the endpoint: a body declared and then stalled is cut at it.
  const port = Number(new URL(url).port);
  // A raw connection that has written `parts`, once the server has closed it.
  const closedAfter = async (...parts: string[]) => {
    const connection = await rawConnection(port, ...parts);
    t.teardown(() => connection.socket.destroy());
    await connection.closed;
    return connection;
  };
  const message = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' });
  const stalled = await closedAfter(
    `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer user-alice\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: ${message.length}\r\n\r\n${message.slice(0, 10)}`,
  );
  t.match(stalled.received(), /^HTTP\/1\.1 408 [\s\S]*did not arrive within 400 ms/, "the server's body timeout, from its settings");

  // A chunked body (no declared length) is held to the same deadline and limit.
  const chunkedHead =
    'POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer user-alice\r\ncontent-type: application/json\r\naccept: application/json\r\ntransfer-encoding: chunked\r\n';
  const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  const stalledChunks = await closedAfter(`${chunkedHead}\r\n${chunk(message.slice(0, 10))}`);
  t.match(stalledChunks.received(), /^HTTP\/1\.1 408 [\s\S]*did not arrive within 400 ms/, 'a stalled chunked body is cut at the same deadline');
  t.ok(performance.now() - stalledChunks.began < 5000, "at it, not at Node's request timeout");
  const bigChunks = await closedAfter(`${chunkedHead}\r\n${chunk('x'.repeat(3000))}${chunk('x'.repeat(3000))}0\r\n\r\n`);
  t.match(bigChunks.received(), /^HTTP\/1\.1 413 [\s\S]*larger than 4096 bytes/, 'a chunked body over the limit is refused');
  const chunkedPing = await closedAfter(`${chunkedHead}connection: close\r\n\r\n${chunk(message.slice(0, 10))}${chunk(message.slice(10))}0\r\n\r\n`);
  t.match(chunkedPing.received(), /^HTTP\/1\.1 200 [\s\S]*"id":7/, 'a whole chunked body within the limit is answered');

  // MCP's DNS-rebinding rule for a server reached directly: a browser's Origin must be localhost or configured.
  const fromOrigin = async (origin: string) => {
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { origin, authorization: 'Bearer user-alice', 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  t.same(
    await fromOrigin('http://rebound.example:3000'),
    { status: 403, body: { error: 'origin_not_allowed', message: 'Origin http://rebound.example:3000 is not allowed; configure LABMCP_ALLOWED_ORIGINS' } },
    'another origin is refused, credential or not',
  );
  t.equal((await fromOrigin('http://localhost:6274')).status, 200, 'a localhost origin (the MCP Inspector) is served');
  t.equal((await fromOrigin('https://app.example.org')).status, 200, 'and one LABMCP_ALLOWED_ORIGINS names');
  t.equal((await fromOrigin('https://app.example.org.rebound.example')).status, 403, 'exactly that one');

  // CORS, so that a browser page of an allowed origin can use the server: its preflight is answered before any
  // credential is asked for, and the answers (a 401's challenge too) carry the headers a browser needs to read them.
  const preflight = async (origin: string) =>
    fetch(`${url}/mcp`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' },
    });
  const allowedPreflight = await preflight('https://app.example.org');
  t.equal(allowedPreflight.status, 204, 'a preflight from an allowed origin is answered, without a credential');
  t.equal(allowedPreflight.headers.get('access-control-allow-origin'), 'https://app.example.org');
  t.match(allowedPreflight.headers.get('access-control-allow-methods'), /\bPOST\b/);
  t.match(allowedPreflight.headers.get('access-control-allow-headers'), /Authorization.*Content-Type.*Mcp-Protocol-Version/);
  const refusedPreflight = await preflight('http://rebound.example:3000');
  t.equal(refusedPreflight.status, 403, 'one from another origin is refused');
  t.equal(refusedPreflight.headers.get('access-control-allow-origin'), null);
  const served = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { origin: 'https://app.example.org', authorization: 'Bearer user-alice', 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' }),
  });
  t.equal(served.headers.get('access-control-allow-origin'), 'https://app.example.org', 'the answer names the origin it may be read by');
  t.match(served.headers.get('access-control-expose-headers'), /Mcp-Session-Id.*WWW-Authenticate/);
  const challenged = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { origin: 'https://app.example.org', 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' }),
  });
  t.equal(challenged.status, 401);
  t.equal(challenged.headers.get('access-control-allow-origin'), 'https://app.example.org', 'a 401 too, so the page can read its challenge');
  t.equal(challenged.headers.get('www-authenticate'), 'Bearer realm="fixture"');
  const plain = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { authorization: 'Bearer user-alice', 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'ping' }),
  });
  t.equal(plain.headers.get('access-control-allow-origin'), null, 'no CORS headers for a client that sent no Origin');

  const client = await connectModern(`${url}/mcp`, { authorization: 'Bearer user-alice' });
  const result = await client.callTool('greet', { greeting: 'Hello' });
  t.same(result.structuredContent, { text: 'Hello, alice' }, 'the tool sees its arguments and the caller the authenticator returned');
  await client.close();

  started.child.kill('SIGTERM');
  const [code] = await once(started.child, 'exit');
  t.equal(code, 0, 'a graceful stop');
  const messages = started.lines.map((l) => l.msg);
  t.ok(messages.includes('fixture onShutdown ran'), "the server's own shutdown ran");
  t.ok(messages.indexOf('fixture onShutdown ran') < messages.indexOf('stopped'), 'before the process said it stopped');
});

t.test('with --expose-gc (as PM2 starts it on Node 26), a process that goes quiet runs the idle trim, and says so', async (t) => {
  const started = start({ FIXTURE_MCP_PORT: '0', LOG_LEVEL: 'debug' }, ['--expose-gc']);
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  const url = (await logLine(started, 'fixture-mcp listening')).url as string;
  // The first trim comes one quiet look (2 s) after start-up.
  const trimmed = await logLine(started, 'idle: heap trimmed', 15_000);
  t.type(trimmed.ms, 'number');
  t.type(trimmed.rssBytes, 'number');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(metrics, /^labmcp_idle_memory_trims_total\{service="fixture-mcp"\} [1-9]/m, 'counted');
});

t.test('without --expose-gc there is no idle trim (and none is counted)', async (t) => {
  const started = start({ FIXTURE_MCP_PORT: '0', LOG_LEVEL: 'debug' });
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  const url = (await logLine(started, 'fixture-mcp listening')).url as string;
  await new Promise((resolve) => setTimeout(resolve, 5000));
  t.notOk(started.lines.some((l) => l.msg === 'idle: heap trimmed'));
  t.match(await (await fetch(`${url}/metrics`)).text(), /^labmcp_idle_memory_trims_total\{service="fixture-mcp"\} 0$/m);
});
