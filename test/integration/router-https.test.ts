// HTTPS at the router through the real bundle, with certificates made here by openssl: the official MCP clients
// of both eras over HTTPS for both servers, SSE through TLS, TLS 1.2+ with modern suites and ALPN http/1.1, HSTS,
// a renewed certificate picked up without a restart while open connections carry on, the plain-HTTP listener
// (redirect for GET, refusal for a tool call), and the image's HEALTHCHECK command over HTTPS.
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { freePort } from '../../scripts/lib/launcher.js';
import { execForm, parseDockerfile, splitFlags } from '../deploy/helpers/dockerfile.js';
import { repoRoot, startBundle } from '../helpers/bundle.js';
import { hasOpenssl, makeCertificate as makeSelfSigned } from '../helpers/certificates.js';
import { connectLegacy, connectModern } from '../helpers/mcp-clients.js';
import { pinnedFetch } from '../helpers/pinned-fetch.js';
import { callAcceptingSse } from '../helpers/sse-call.js';

if (!hasOpenssl()) {
  t.plan(0, 'openssl is not installed (apt-get install openssl)');
  process.exit(0);
}

const base = mkdtempSync(path.join(tmpdir(), 'labmcp-https-'));
/** A self-signed certificate for the names the tests use, in its own folder. */
const makeCertificate = (name: string) => makeSelfSigned(base, name, ['DNS:localhost', 'DNS:mcp.labmcp.test', 'IP:127.0.0.1']);
const first = makeCertificate('first');
const renewed = makeCertificate('renewed');
// The files the router reads, as a renewal tool would keep them: replaced by renaming new files into place.
const live = path.join(base, 'live');
mkdirSync(live);
const certFile = path.join(live, 'fullchain.pem');
const keyFile = path.join(live, 'privkey.pem');
const install = (from: string, to: string) => {
  copyFileSync(from, `${to}.new`);
  renameSync(`${to}.new`, to);
};
install(first.cert, certFile);
install(first.key, keyFile);

const httpPort = await freePort();
const bundle = await startBundle({
  env: {
    ROUTER_TLS_CERT_FILE: certFile,
    ROUTER_TLS_KEY_FILE: keyFile,
    ROUTER_TLS_RELOAD_INTERVAL_MS: '100',
    ROUTER_HTTP_PORT: String(httpPort),
    ROUTER_ALLOWED_HOSTS: 'mcp.labmcp.test',
  },
});
const trusting = pinnedFetch({ ca: Buffer.concat([first.pem, renewed.pem]) });
t.teardown(async () => {
  await trusting.close();
  await bundle.stop();
  rmSync(base, { recursive: true, force: true });
});
const port = bundle.ports.router;
const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
const quiltAuth = { authorization: `Bearer ${token}` };
const benchlingAuth = { 'x-benchling-api-key': 'sandbox-key-alice' };

/** A TLS connection to the router as a client with `options` would make it. */
function connectTls(options: { minVersion?: 'TLSv1.2'; maxVersion?: 'TLSv1.2'; ciphers?: string; ALPNProtocols?: string[] } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: [first.pem, renewed.pem], ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One HTTP/1.1 request on an open connection, answered in full (the router sends Content-Length for these). */
function exchange(socket: TLSSocket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const head = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? Number.NaN);
      if (head !== -1 && text.length >= head + 4 + length) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`connection closed; got ${JSON.stringify(text)}`)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
  });
}

for (const connect of [connectModern, connectLegacy]) {
  t.test(`${connect.name} client over HTTPS, both servers`, async (t) => {
    const quilt = await connect(`${bundle.routerUrl}/quilt/mcp`, quiltAuth, { fetch: trusting.fetch });
    t.teardown(() => quilt.close());
    t.match((await quilt.callTool('registries_list')).structuredContent, { registries: [{ kind: 'local', isDefault: true }] });
    const benchling = await connect(`${bundle.routerUrl}/benchling/mcp`, benchlingAuth, { fetch: trusting.fetch });
    t.teardown(() => benchling.close());
    const projects = await benchling.callTool('projects_list', {});
    t.notOk(projects.isError, 'projects_list over HTTPS');
    t.ok(((projects.structuredContent?.projects as unknown[]) ?? []).length > 0);
  });
}

t.test('SSE through TLS: a tool call answered as an event stream', async (t) => {
  for (const [prefix, headers, tool] of [
    ['/quilt', quiltAuth, 'registries_list'],
    ['/benchling', benchlingAuth, 'projects_list'],
  ] as const) {
    const { status, headers: answered, events } = await callAcceptingSse(trusting.fetch, `${bundle.routerUrl}${prefix}/mcp`, headers, tool);
    t.equal(status, 200, prefix);
    t.match(answered.get('content-type'), /^text\/event-stream/, `${prefix}: an event stream`);
    t.equal(answered.get('x-accel-buffering'), 'no');
    const answer = events.at(-1)!;
    t.equal(answer.id, 7);
    t.notOk(answer.result?.isError, `${prefix}: the call's result arrived as an event`);
  }
});

t.test('TLS 1.2+ with forward-secret AEAD suites, ALPN http/1.1, HSTS', async (t) => {
  const modern = await connectTls({ ALPNProtocols: ['h2', 'http/1.1'] });
  t.equal(modern.getProtocol(), 'TLSv1.3');
  t.equal(modern.alpnProtocol, 'http/1.1', 'HTTP/1.1 chosen by ALPN even when h2 is offered');
  modern.destroy();
  const tls12 = await connectTls({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
  t.equal(tls12.getProtocol(), 'TLSv1.2', 'TLS 1.2 with an ECDHE AEAD suite is accepted');
  tls12.destroy();
  // A CBC suite that Node's own default list still allows for TLS 1.2.
  await t.rejects(connectTls({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' }), 'a CBC suite is refused');
  const res = await trusting.fetch(`${bundle.routerUrl}/quilt/health`);
  await res.arrayBuffer();
  t.equal(res.headers.get('strict-transport-security'), 'max-age=31536000');
  const refused = await trusting.fetch(`${bundle.routerUrl}/quilt/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await refused.arrayBuffer();
  t.equal(refused.status, 401);
  t.equal(refused.headers.get('strict-transport-security'), 'max-age=31536000', 'on answers from the servers too');
});

t.test('a renewed certificate is picked up without a restart, and open connections carry on', async (t) => {
  const open = await connectTls();
  t.equal((open.getPeerX509Certificate() as X509Certificate).fingerprint256, first.fingerprint);
  t.match(await exchange(open, '/health'), /^HTTP\/1\.1 200/);
  const client = await connectModern(`${bundle.routerUrl}/quilt/mcp`, quiltAuth, { fetch: trusting.fetch });
  t.teardown(() => client.close());
  t.notOk((await client.callTool('registries_list')).isError);

  // Halfway through a renewal (the new key in place, the certificate not yet): the old pair stays in use.
  install(renewed.key, keyFile);
  await new Promise((r) => setTimeout(r, 500));
  const halfway = await connectTls();
  t.equal((halfway.getPeerX509Certificate() as X509Certificate).fingerprint256, first.fingerprint, 'a key without its certificate is not used');
  halfway.destroy();
  install(renewed.cert, certFile);

  const deadline = Date.now() + 10_000;
  let served = '';
  while (Date.now() < deadline) {
    const probe = await connectTls();
    served = (probe.getPeerX509Certificate() as X509Certificate).fingerprint256;
    probe.destroy();
    if (served === renewed.fingerprint) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(served, renewed.fingerprint, 'new connections get the renewed certificate');
  t.notOk(open.destroyed, 'the connection opened before is still open');
  t.match(await exchange(open, '/health'), /^HTTP\/1\.1 200/, 'and still answered, on the connection made with the first certificate');
  open.destroy();
  t.notOk((await client.callTool('registries_list')).isError, 'a client connected before goes on working');
  const logs = bundle.logs();
  t.match(logs, /TLS certificate renewed/);
  t.match(logs, /do not make a usable pair yet/);
  t.notMatch(logs, /PRIVATE KEY/, 'no key in the logs');
  for (const keyPem of [first.key, renewed.key]) {
    const body = readFileSync(keyPem, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'));
    t.ok(
      body.every((l) => !logs.includes(l)),
      'not even a line of either key',
    );
  }
  const metrics = await (await trusting.fetch(`${bundle.routerUrl}/metrics`)).text();
  const expiry = Number(/^labmcp_router_tls_certificate_expiry_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(metrics)?.[1]);
  t.equal(expiry, new Date(new X509Certificate(renewed.pem).validTo).getTime() / 1000, "the renewed certificate's expiry in /metrics");
});

/** One request to the plain-HTTP listener, redirects not followed. */
function plain(method: string, path: string, host: string): Promise<{ status: number; location?: string; body: string }> {
  return plainAt(httpPort, method, path, host);
}

function plainAt(port: number, method: string, path: string, host: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host, 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location && { location: res.headers.location }), body }));
    });
    req.once('error', reject);
    req.end(method === 'POST' ? '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' : undefined);
  });
}

t.test('plain HTTP: GET redirected to HTTPS on a known host, a tool call refused, no redirect to an unknown host', async (t) => {
  const get = await plain('GET', '/quilt/health?x=1', `mcp.labmcp.test:${httpPort}`);
  t.equal(get.status, 308);
  t.equal(get.location, `https://mcp.labmcp.test:${port}/quilt/health?x=1`);
  const post = await plain('POST', '/quilt/mcp', `localhost:${httpPort}`);
  t.equal(post.status, 403, 'a POST is refused, not redirected');
  t.match(JSON.parse(post.body), { error: 'https_required', message: new RegExp(`https://localhost:${port}/quilt/mcp`) });
  const elsewhere = await plain('GET', '/', 'evil.example');
  t.equal(elsewhere.status, 403, 'no redirect to a host the router does not answer to');
  t.notOk(elsewhere.location);
});

t.test("the image's HEALTHCHECK command passes over HTTPS", async (t) => {
  const runtime = parseDockerfile(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8')).stages.at(-1)!;
  const instruction = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
  const cmd = execForm(/^CMD\s+([\s\S]*)$/i.exec(splitFlags(instruction.args).rest)?.[1] ?? '')!;
  t.equal(cmd[0], 'node');
  const run = (env: Record<string, string>) => spawnSync(process.execPath, cmd.slice(1), { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
  t.equal(run({ ROUTER_PORT: String(port), ROUTER_TLS_CERT_FILE: certFile }).status, 0, 'healthy over HTTPS');
  t.not(run({ ROUTER_PORT: String(port) }).status, 0, 'plain HTTP to the HTTPS port fails');
});

t.test('a key that does not fit its certificate stops the router at start, naming the files and not the key', async (t) => {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'packages/router/dist/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      LABMCP_ENV_FILE: path.join(base, 'none.env'),
      ROUTER_PORT: String(await freePort()),
      ROUTER_HOST: '127.0.0.1',
      ROUTER_TLS_CERT_FILE: first.cert,
      ROUTER_TLS_KEY_FILE: renewed.key,
    },
    timeout: 15_000,
  });
  t.equal(run.status, 78, 'EX_CONFIG');
  const stderr = run.stderr.toString();
  t.match(stderr, /ROUTER_TLS_CERT_FILE \/ ROUTER_TLS_KEY_FILE: the key in .*key\.pem does not fit the certificate in .*cert\.pem/);
  t.notMatch(stderr, /PRIVATE KEY/);
});

t.test('ROUTER_HTTP_MODE=refuse: even a GET gets the 403 naming the HTTPS URL, and no redirect', async (t) => {
  const [tlsPort, plainPort] = [await freePort(), await freePort()];
  // The router alone is enough: the plain listener answers without the servers.
  const child = spawn(process.execPath, [path.join(repoRoot, 'packages/router/dist/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      LABMCP_ENV_FILE: path.join(base, 'none.env'),
      LABMCP_LOG_DIR: base,
      ROUTER_HOST: '127.0.0.1',
      ROUTER_PORT: String(tlsPort),
      ROUTER_HTTP_PORT: String(plainPort),
      ROUTER_HTTP_MODE: 'refuse',
      ROUTER_TLS_CERT_FILE: certFile,
      ROUTER_TLS_KEY_FILE: keyFile,
    },
    stdio: 'ignore',
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let answer: { status: number; location?: string; body: string } | undefined;
  for (let i = 0; i < 100 && !answer; i++) {
    answer = await plainAt(plainPort, 'GET', '/quilt/health', 'localhost').catch(() => undefined);
    if (!answer) await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(answer?.status, 403);
  t.notOk(answer?.location);
  t.match(JSON.parse(answer?.body ?? '{}'), { error: 'https_required', message: new RegExp(`https://localhost:${tlsPort}/quilt/health`) });
});

t.test('the HTTPS router stops gracefully on SIGTERM, as PM2 stops it', async (t) => {
  await bundle.kill('router', 'SIGTERM');
  t.match(bundle.logs(), /"service":"router"[^\n]*"msg":"stopped"/);
});
