// The MCP servers answer `tools/list`, `initialize` and `server/discover` from a cache after the first time
// (service-kit answer-cache.ts). Here each real server runs twice, with the cache (default) and without it
// (LABMCP_MCP_ANSWER_CACHE=0, every answer built by the SDK), and every request shape — both protocol eras, JSON-only
// and SSE-accepting clients, each scope set, several ids, a cursor — must get the same status, headers and bytes
// from both, however many times it is asked.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { type Bundle, repoRoot, startBundle } from '../helpers/bundle.js';
import { ask } from '../helpers/raw-answer.js';

const { mintDemoToken } = (await import(pathToFileURL(path.join(repoRoot, 'packages/service-kit/dist/auth/index.js')).href)) as {
  mintDemoToken: (o: { dataDir: string; subject: string; scopes?: string[]; expiresIn?: string }) => Promise<string>;
};

const LEGACY = '2025-11-25';
const MODERN = '2026-07-28';
const clientInfo = { name: 'answer-cache-test', version: '1.0.0' };
const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': clientInfo,
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface Shape {
  name: string;
  headers: Record<string, string>;
  message: (id: string | number) => Record<string, unknown>;
}

function shapes(): Shape[] {
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  const both = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  return [
    {
      name: '2025 tools/list, JSON only',
      headers: { ...json, 'mcp-protocol-version': LEGACY },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list' }),
    },
    { name: '2025 tools/list, no version header', headers: json, message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} }) },
    {
      name: '2025 tools/list, accepts SSE',
      headers: { ...both, 'mcp-protocol-version': LEGACY },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list' }),
    },
    {
      name: '2025 tools/list with a cursor',
      headers: { ...json, 'mcp-protocol-version': LEGACY },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: { cursor: 'abc' } }),
    },
    {
      name: '2025 initialize, JSON only',
      headers: json,
      message: (id) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: LEGACY, capabilities: {}, clientInfo } }),
    },
    {
      name: '2025 initialize, accepts SSE',
      headers: both,
      message: (id) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo } }),
    },
    {
      name: `${MODERN} tools/list`,
      headers: { ...both, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: modernMeta } }),
    },
    {
      name: `${MODERN} tools/list, JSON only`,
      headers: { ...json, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: modernMeta } }),
    },
    {
      name: `${MODERN} tools/list, Mcp-Method header disagrees`,
      headers: { ...both, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call' },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: modernMeta } }),
    },
    {
      name: `${MODERN} server/discover`,
      headers: { ...both, 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' },
      message: (id) => ({ jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: modernMeta } }),
    },
  ];
}

const IDS: (string | number)[] = [1, 1, 'req-7', 123456, 'a "quoted" id', 1];

const servers = ['quilt-mcp', 'benchling-mcp'] as const;
const cached = await startBundle({ only: ['benchling-sandbox', 'quilt-mcp', 'benchling-mcp'] });
const uncached = await startBundle({ only: ['benchling-sandbox', 'quilt-mcp', 'benchling-mcp'], env: { LABMCP_MCP_ANSWER_CACHE: '0' } });
t.teardown(async () => {
  await cached.stop();
  await uncached.stop();
});

/** The credentials of each caller kind, per bundle (each bundle has its own demo signing key). */
async function callers(bundle: Bundle, server: (typeof servers)[number]): Promise<Record<string, Record<string, string>>> {
  if (server === 'benchling-mcp') {
    return { 'alice (user key)': { 'x-benchling-api-key': 'sandbox-key-alice' }, 'bob (user key)': { 'x-benchling-api-key': 'sandbox-key-bob' } };
  }
  const token = async (scopes: string[]) => ({
    authorization: `Bearer ${await mintDemoToken({ dataDir: bundle.dataDir, subject: 'carol', scopes, expiresIn: '1h' })}`,
  });
  return {
    'read:packages': await token(['read:packages']),
    'read:packages write:packages': await token(['read:packages', 'write:packages']),
    'no scopes': await token([]),
  };
}

for (const server of servers) {
  t.test(`${server}: cached answers are byte for byte the SDK's`, async (t) => {
    const withCache = await callers(cached, server);
    const without = await callers(uncached, server);
    const urlOf = (b: Bundle) => `http://127.0.0.1:${b.ports[server]}/mcp`;
    for (const caller of Object.keys(withCache)) {
      for (const shape of shapes()) {
        for (const id of IDS) {
          const body = JSON.stringify(shape.message(id));
          const a = await ask(urlOf(cached), { ...shape.headers, ...withCache[caller] }, body);
          const b = await ask(urlOf(uncached), { ...shape.headers, ...without[caller] }, body);
          const what = `${caller}, ${shape.name}, id ${JSON.stringify(id)}`;
          t.equal(a.status, b.status, `${what}: status`);
          t.same(a.headers, b.headers, `${what}: headers`);
          if (!a.body.equals(b.body)) t.fail(`${what}: body differs\n${a.body.toString().slice(0, 400)}\n${b.body.toString().slice(0, 400)}`);
          else t.pass(`${what}: same ${a.body.byteLength} bytes`);
        }
      }
    }
  });
}

t.test('a batch holding tools/list is not answered from the cache (and still answered)', async (t) => {
  const token = await mintDemoToken({ dataDir: cached.dataDir, subject: 'carol', scopes: ['read:packages'], expiresIn: '1h' });
  const body = JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]);
  const res = await ask(
    `http://127.0.0.1:${cached.ports['quilt-mcp']}/mcp`,
    { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body,
  );
  t.ok(res.status < 500, `answered ${res.status}`);
});
