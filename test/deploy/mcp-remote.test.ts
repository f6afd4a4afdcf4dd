/**
 * docs/clients.md's Claude Desktop configurations, verbatim: each `mcpServers` entry of its first JSON block (one
 * per server, and `labmcp`: both through the router's `/mcp`) is run
 * as Claude Desktop would run it (a stdio MCP server, here `mcp-remote` from the root devDependencies instead of
 * `npx -y mcp-remote@...`), with the doc's URL pointed at a real bundle and its placeholder credential replaced
 * by a real one, and an MCP client lists and calls one tool on each.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';
import { startBundleForClient } from './helpers/bundle-start.js';
import { cleanEnv } from './helpers/procs.js';
import { findNpmTool, missing, nodeForTool } from './helpers/tools.js';

interface Entry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const doc = readFileSync(path.join(repoRoot, 'docs', 'clients.md'), 'utf8');
const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
const remote = findNpmTool('mcp-remote');

if (!block) {
  t.fail('docs/clients.md has no JSON configuration block');
} else if (!remote) {
  t.plan(0, missing('mcp-remote is not installed (a root devDependency)'));
} else {
  await main(JSON.parse(block) as { mcpServers: Record<string, Entry> }, remote);
}

async function main(config: { mcpServers: Record<string, Entry> }, tool: NonNullable<typeof remote>): Promise<void> {
  t.setTimeout(180_000);
  const node = await nodeForTool(tool);
  const setup = await startBundleForClient(t, 'labmcp-mcp-remote-');
  if (!setup) return;
  const { bundle, home, token } = setup;
  const expected: Record<string, string> = { quilt: 'registries_list', benchling: 'projects_list', labmcp: 'benchling_projects_list' };
  t.same(Object.keys(config.mcpServers).sort(), Object.keys(expected).sort(), 'the doc configures both servers, and both through one connection');

  for (const [name, entry] of Object.entries(config.mcpServers)) {
    t.test(`${name}: the documented mcp-remote entry works`, async (t) => {
      t.equal(entry.command, 'npx');
      const pinned = entry.args.find((a) => a.startsWith('mcp-remote@'));
      t.equal(pinned, `mcp-remote@${tool.version}`, 'the doc pins the tested mcp-remote version');
      // Claude Desktop would run `npx -y mcp-remote@x ...`: the installed copy stands in (no download here).
      const args = entry.args.filter((a) => a !== '-y' && a !== pinned).map((a) => a.replace('http://localhost:8080', bundle.routerUrl));
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(entry.env ?? {})) env[k] = v.startsWith('Bearer <') ? `Bearer ${token}` : v;
      const transport = new StdioClientTransport({
        command: node,
        args: [tool.bin('mcp-remote'), ...args],
        env: cleanEnv(env, { HOME: home }),
        stderr: 'pipe',
        cwd: home,
      });
      let stderr = '';
      transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
      try {
        await client.connect(transport);
      } catch (err) {
        t.fail(`mcp-remote did not connect: ${(err as Error).message}\n${stderr.slice(-3000)}`);
        return;
      }
      t.teardown(() => client.close());
      const tools = await client.listTools();
      t.ok(
        tools.tools.some((x) => x.name === expected[name]),
        `lists ${expected[name]}`,
      );
      const result = (await client.callTool({ name: expected[name] ?? '', arguments: {} })) as {
        isError?: boolean;
        structuredContent?: Record<string, unknown>;
      };
      t.notOk(result.isError, 'the call succeeds');
      t.ok(result.structuredContent && Object.keys(result.structuredContent).length > 0, 'with its structured result');
      t.notOk(stderr.includes(token), 'mcp-remote does not print the token');
    });
  }
}
