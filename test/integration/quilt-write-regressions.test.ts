/**
 * Issue #13, one regression test per case of the issue's bullet list, as it was found: "tried as a new user would,
 * on the local registry with the default bundle", i.e. through the router to one quilt-mcp. The scenario bodies
 * are those of the table test (quilt-write-safety.test.ts), which runs them on more backends and instance counts;
 * the crash bullet's kill -9 half is quilt-write-crash.test.ts. The router bullet is tested here against an
 * upstream that resets the connection after reading a write call, as a server dying mid-call does.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern } from '../helpers/mcp-clients.js';
import {
  identicalContentElsewhere,
  localStore,
  parallelCreatesOneName,
  parallelDeletes,
  parallelUpdatesExpected,
  parallelUpdatesRebase,
  refusedCreateWritesNothing,
  SHARED_BYTES,
  SHARED_KEY,
  type WriteTarget,
} from '../helpers/quilt-writes.js';

t.test('the default bundle, local registry, one quilt-mcp behind the router', async (t) => {
  // The rate limit would refuse the checks' reads (hundreds of calls in seconds), which is not what is tested.
  const bundle = await startBundle({ env: { ROUTER_RATE_LIMIT_PER_MINUTE: '100000', ROUTER_RATE_LIMIT_BURST: '10000' } });
  t.teardown(() => bundle.stop());
  const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'new-user@example.com', scopes: ['read:packages', 'write:packages'] });
  const url = `${bundle.routerUrl}/quilt/mcp`;
  const clients = [await connectModern(url, { authorization: `Bearer ${token}` }), await connectLegacy(url, { authorization: `Bearer ${token}` })];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  const store = localStore(path.join(bundle.dataDir, 'quilt-registry'));
  await store.put(SHARED_KEY, SHARED_BYTES);
  // Both clients reach the one quilt-mcp: modern and legacy callers alternate, as a team's assistants would.
  const target: WriteTarget = { label: 'bundle', registry: undefined, clients, store };

  await t.test('bullet 1 (all 20 parallel creates of one new name answered "Created"): one creates it, 19 conflict, the one revision verifies', (t) =>
    parallelCreatesOneName(t, target, 'issue13/creates'),
  );
  await t.test('bullet 2 (identical content in another package overwrote the first manifest): the first manifest stays byte for byte', (t) =>
    identicalContentElsewhere(t, target, 'issue13/same-a', 'issue13/same-b'),
  );
  await t.test('bullet 3a (20 parallel updates adding one file each kept only the last file): latest holds all 20 files', (t) =>
    parallelUpdatesRebase(t, target, 'issue13/updates'),
  );
  await t.test('bullet 3b (20 updates with expected_top_hash = latest all succeeded): one succeeds, 19 conflict', (t) =>
    parallelUpdatesExpected(t, target, 'issue13/expected'),
  );
  await t.test('bullet 4b (a create refused for an invalid logical key still wrote a file): it writes nothing', (t) =>
    refusedCreateWritesNothing(t, target, 'issue13/refused'),
  );
  await t.test('bullet 5 (20 parallel deletes all reported deleting the package): one deletes it, 19 say it is not there', (t) =>
    parallelDeletes(t, target, 'issue13/deletes'),
  );
});

t.test('bullet 6 (the router retried a write call whose reused connection was reset): a write call is sent once', async (t) => {
  // A stand-in for an MCP server that dies while handling a write call: it reads the request, then resets the
  // connection without answering, once per tool; anything else (the warm-up call, a repeat) gets an answer.
  const seen = new Map<string, number>();
  const sockets: Record<string, Socket> = {};
  const upstream = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { id?: number; method?: string; params?: { name?: string } };
      const tool = body.method === 'tools/call' ? (body.params?.name ?? '') : '';
      if (tool === 'warm-up') sockets[`${req.url} warm-up`] = req.socket;
      if (tool !== '' && tool !== 'warm-up') {
        sockets[`${req.url} ${tool} ${seen.get(tool) ?? 0}`] = req.socket;
        seen.set(tool, (seen.get(tool) ?? 0) + 1);
        if (seen.get(tool) === 1) {
          req.socket.destroy();
          return;
        }
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: body.id ?? null, result: { content: [], structuredContent: {} } }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        upstream.close(() => r());
        upstream.closeAllConnections();
      }),
  );
  upstream.unref();
  const target = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  const bundle = await startBundle({ only: ['router'], env: { QUILT_MCP_UPSTREAM: target, BENCHLING_MCP_UPSTREAM: target } });
  t.teardown(() => bundle.stop());

  const post = (service: string, headers: Record<string, string>, tool: string) =>
    fetch(`${bundle.routerUrl}/${service}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));

  for (const [service, headers, tool] of [
    ['quilt', { authorization: 'Bearer any' }, 'package_create'],
    ['benchling', { 'x-benchling-api-key': 'any' }, 'entry_create'],
  ] as const) {
    // The warm-up leaves a keep-alive connection in the router's pool, which the write call then reuses: the case
    // the router retries today ("a reused connection the server closed as we sent").
    t.equal((await post(service, headers, 'warm-up')).status, 200, `${service}: warm-up answered`);
    const answer = await post(service, headers, tool);
    // Today the write call arrives on the warm-up's connection; a router that sends writes on fresh connections
    // instead is fine too, so this is reported, not asserted: the invariant is the count below.
    t.comment(`${service}: the write call came on ${sockets[`/mcp ${tool} 0`] === sockets['/mcp warm-up'] ? 'the reused' : 'a fresh'} connection`);
    t.equal(seen.get(tool), 1, `${service}: the upstream saw ${tool} once (saw it ${seen.get(tool)} times; answer ${answer.status})`);
    t.not(answer.status, 200, `${service}: the caller is told the call failed, not given the repeat's answer`);
    delete sockets['/mcp warm-up'];
  }
});
