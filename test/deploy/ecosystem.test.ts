/**
 * Issue 16: ecosystem.config.js gives each app its Node flags (node_args) for a smaller idle footprint — the young
 * generation capped for the router and the MCP servers, the sandbox built for size — and LABMCP_NODE_ARGS /
 * LABMCP_NODE_ARGS_<APP> replace them. The file reads the environment when PM2 loads it, so each case loads it in a
 * process of its own with that environment. (test/serial/pm2.test.ts checks the flags reach the running processes.)
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';

type Apps = Record<string, string[]>;

/** `node`: the Node.js version the file is to see (process.versions.node), when not the one running the test. */
function nodeArgs(env: Record<string, string>, node?: string): Apps {
  const version = node === undefined ? '' : `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: ${JSON.stringify(node)} } }); `;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LABMCP_NODE_ARGS') && k !== 'BENCHLING_URL'));
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `${version}const { apps } = require(${JSON.stringify(path.join(repoRoot, 'ecosystem.config.js'))}); console.log(JSON.stringify(Object.fromEntries(apps.map((a) => [a.name, a.node_args]))));`,
    ],
    // An env file of the test's own that does not exist: the developer's .env must not change the answer.
    { env: { ...clean, LABMCP_ENV_FILE: path.join(repoRoot, 'no-such.env'), ...env }, encoding: 'utf8' },
  );
  return JSON.parse(out) as Apps;
}

t.test('by default: young generation capped (8 MiB per semi-space), the sandbox optimized for size', async (t) => {
  t.same(nodeArgs({}, '20.20.2'), {
    router: ['--max-semi-space-size=8'],
    'quilt-mcp': ['--max-semi-space-size=8'],
    'benchling-mcp': ['--max-semi-space-size=8'],
    'benchling-sandbox': ['--optimize-for-size'],
  });
});

t.test("on Node 26 (the image's): V8's heap growing factor fixed at 1.5, and gc() for the idle trim", async (t) => {
  const servers = ['--max-semi-space-size=8', '--heap-growing-percent=50', '--expose-gc'];
  for (const node of ['26.0.0', '26.12.1', '27.1.0'])
    t.same(
      nodeArgs({}, node),
      { router: servers, 'quilt-mcp': servers, 'benchling-mcp': servers, 'benchling-sandbox': ['--optimize-for-size', '--expose-gc'] },
      node,
    );
  t.same(nodeArgs({}, '24.22.3').router, ['--max-semi-space-size=8'], 'not before 26');
  t.same(nodeArgs({ LABMCP_NODE_ARGS_ROUTER: '--max-semi-space-size=8' }, '26.12.1').router, ['--max-semi-space-size=8'], 'replaced as ever');
});

t.test('LABMCP_NODE_ARGS replaces them for every app, LABMCP_NODE_ARGS_<APP> for one', async (t) => {
  t.same(nodeArgs({ LABMCP_NODE_ARGS: '--max-semi-space-size=8  --stack-size=2000', LABMCP_NODE_ARGS_BENCHLING_SANDBOX: '--max-semi-space-size=1' }), {
    router: ['--max-semi-space-size=8', '--stack-size=2000'],
    'quilt-mcp': ['--max-semi-space-size=8', '--stack-size=2000'],
    'benchling-mcp': ['--max-semi-space-size=8', '--stack-size=2000'],
    'benchling-sandbox': ['--max-semi-space-size=1'],
  });
});

t.test("empty: Node's defaults", async (t) => {
  t.same(nodeArgs({ LABMCP_NODE_ARGS: '' }), { router: [], 'quilt-mcp': [], 'benchling-mcp': [], 'benchling-sandbox': [] });
  t.same(nodeArgs({ LABMCP_NODE_ARGS_QUILT_MCP: '' })['quilt-mcp'], [], 'for one app');
  t.same(nodeArgs({ LABMCP_NODE_ARGS_QUILT_MCP: '' }).router, ['--max-semi-space-size=8'], 'the others keep theirs');
});

t.test('without the sandbox (a real Benchling tenant), the other apps keep their flags', async (t) => {
  t.same(Object.keys(nodeArgs({ BENCHLING_URL: 'https://example.benchling.com' })), ['router', 'quilt-mcp', 'benchling-mcp']);
});
