/**
 * A real client: the MCP Inspector's CLI mode (`mcp-inspector --cli`, package @modelcontextprotocol/inspector, a
 * root devDependency) against the real bundle through the router, with our auth headers, for tools/list and
 * tools/call on each server, in both protocol eras. Exit codes and output are checked. It runs offline: the
 * Inspector is installed, and nothing is fetched at run time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';
import { startBundleForClient } from './helpers/bundle-start.js';
import { cleanEnv, runCommand } from './helpers/procs.js';
import { findNpmTool, missing, nodeForTool } from './helpers/tools.js';

const inspector = findNpmTool('@modelcontextprotocol/inspector');
if (!inspector) {
  t.plan(0, missing('@modelcontextprotocol/inspector is not installed (a root devDependency)'));
} else {
  await main(inspector);
}

async function main(tool: NonNullable<typeof inspector>): Promise<void> {
  t.setTimeout(420_000);
  const node = await nodeForTool(tool);
  const cli = tool.bin('mcp-inspector');
  const setup = await startBundleForClient(t, 'labmcp-inspector-');
  if (!setup) return;
  const { bundle, home, token } = setup;
  t.test('docs/clients.md shows the tested Inspector version', async (t) => {
    const doc = readFileSync(path.join(repoRoot, 'docs', 'clients.md'), 'utf8');
    const pinned = [...doc.matchAll(/@modelcontextprotocol\/inspector@([\w.-]+)/g)].map((m) => m[1]);
    t.ok(pinned.length > 0, 'the doc pins a version');
    t.same([...new Set(pinned)], [tool.version]);
  });
  t.comment(`MCP Inspector ${tool.version} on Node.js ${node === process.execPath ? process.version : node}`);

  // Its own HOME (it keeps a catalog and OAuth state there), no browser, never an interactive login.
  const env = cleanEnv({ MCP_AUTO_OPEN_ENABLED: 'false', NO_COLOR: '1', npm_config_offline: 'true' }, { HOME: home });
  const inspect = (url: string, headers: string[], ...args: string[]) =>
    runCommand(
      node,
      [cli, '--cli', url, '--transport', 'http', ...headers.flatMap((h) => ['--header', h]), '--format', 'json', '--stored-auth-only', ...args],
      { cwd: repoRoot, env, timeoutMs: 60_000 },
    );
  const json = (stdout: string) =>
    JSON.parse(stdout) as {
      result?: { tools?: { name: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };
      error?: { code: string; message: string };
    };

  const servers = [
    {
      name: 'quilt',
      url: `${bundle.routerUrl}/quilt/mcp`,
      headers: [`Authorization: Bearer ${token}`],
      tool: 'registries_list',
      check: (s: Record<string, unknown> | undefined) => Array.isArray(s?.registries) && (s.registries as { kind: string }[])[0]?.kind === 'local',
    },
    {
      name: 'benchling',
      url: `${bundle.routerUrl}/benchling/mcp`,
      headers: ['X-Benchling-API-Key: sandbox-key-alice'],
      tool: 'projects_list',
      check: (s: Record<string, unknown> | undefined) => Array.isArray(s?.projects) && (s.projects as unknown[]).length > 0,
    },
    {
      // The router's one-connection endpoint, with both credentials (docs/clients.md).
      name: 'one connection (/mcp)',
      url: `${bundle.routerUrl}/mcp`,
      headers: [`Authorization: Bearer ${token}`, 'X-Benchling-API-Key: sandbox-key-alice'],
      tool: 'benchling_projects_list',
      check: (s: Record<string, unknown> | undefined) => Array.isArray(s?.projects) && (s.projects as unknown[]).length > 0,
    },
  ];

  for (const era of ['legacy', 'modern']) {
    for (const server of servers) {
      t.test(`${server.name}, ${era} era: tools/list and tools/call ${server.tool}`, async (t) => {
        const list = await inspect(server.url, server.headers, '--protocol-era', era, '--method', 'tools/list');
        t.equal(list.code, 0, `tools/list exits 0 ${list.stderr.slice(0, 500)}`);
        t.ok(
          json(list.stdout).result?.tools?.some((x) => x.name === server.tool),
          `lists ${server.tool}`,
        );
        const call = await inspect(server.url, server.headers, '--protocol-era', era, '--method', 'tools/call', '--tool-name', server.tool);
        t.equal(call.code, 0, `tools/call exits 0 ${call.stderr.slice(0, 500)}`);
        const result = json(call.stdout).result;
        t.notOk(result?.isError, 'not a tool error');
        t.ok(server.check(result?.structuredContent), 'the structured result is the real one');
      });
    }
  }

  for (const route of ['/quilt/mcp', '/mcp']) {
    t.test(`${route}: without credentials the CLI fails with auth_required, without prompting`, async (t) => {
      const res = await inspect(`${bundle.routerUrl}${route}`, [], '--method', 'tools/list');
      t.equal(res.code, 3, 'exit code 3 (auth required)');
      t.match(`${res.stdout}${res.stderr}`, /auth_required/);
      t.notOk(res.timedOut, 'no interactive login was attempted');
    });
  }

  t.test('an unknown tool is exit code 5', async (t) => {
    const res = await inspect(`${bundle.routerUrl}/quilt/mcp`, [`Authorization: Bearer ${token}`], '--method', 'tools/call', '--tool-name', 'no_such_tool');
    t.equal(res.code, 5);
    t.match(`${res.stdout}${res.stderr}`, /tool_not_found/);
  });
}
