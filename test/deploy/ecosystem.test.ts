/**
 * Issue 16: ecosystem.config.js gives each app its Node flags (node_args) for a smaller idle footprint — the young
 * generation capped for the router and the MCP servers, the sandbox in its own process built for size — and
 * LABMCP_NODE_ARGS / LABMCP_NODE_ARGS_<APP> replace them; and it runs the demo tenant inside benchling-mcp's process
 * unless told otherwise (LABMCP_SANDBOX_PROCESS). The file reads the environment when PM2 loads it, so each case loads
 * it in a process of its own with that environment. (test/serial/pm2.test.ts checks what reaches the running processes.)
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';

type Apps = Record<string, string[]>;

interface App {
  name: string;
  script: string;
  args?: string[];
  exec_mode: string;
  instances: number;
  max_memory_restart: string;
  kill_timeout: number;
  node_args: string[];
  env: Record<string, string>;
}

/** `node`: the Node.js version the file is to see (process.versions.node), when not the one running the test. */
function appsOf(env: Record<string, string>, node?: string): App[] {
  const version = node === undefined ? '' : `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: ${JSON.stringify(node)} } }); `;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('LABMCP_NODE_ARGS') && !['BENCHLING_URL', 'LABMCP_INSTANCES', 'LABMCP_SANDBOX_PROCESS'].includes(k),
    ),
  );
  const out = execFileSync(
    process.execPath,
    ['-e', `${version}const { apps } = require(${JSON.stringify(path.join(repoRoot, 'ecosystem.config.js'))}); console.log(JSON.stringify(apps));`],
    // An env file of the test's own that does not exist: the developer's .env must not change the answer.
    { env: { ...clean, LABMCP_ENV_FILE: path.join(repoRoot, 'no-such.env'), ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out) as App[];
}

function nodeArgs(env: Record<string, string>, node?: string): Apps {
  return Object.fromEntries(appsOf(env, node).map((a) => [a.name, a.node_args]));
}

const own = { LABMCP_SANDBOX_PROCESS: 'own' };
const main = (pkg: string) => path.join(repoRoot, 'packages', pkg, 'dist', 'main.js');

t.test('by default: young generation capped (8 MiB per semi-space), the sandbox in its own process optimized for size', async (t) => {
  const servers = { router: ['--max-semi-space-size=8'], 'quilt-mcp': ['--max-semi-space-size=8'], 'benchling-mcp': ['--max-semi-space-size=8'] };
  t.same(nodeArgs({}, '20.20.2'), servers, 'the sandbox inside benchling-mcp runs with its flags');
  t.same(nodeArgs(own, '20.20.2'), {
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
      nodeArgs(own, node),
      { router: servers, 'quilt-mcp': servers, 'benchling-mcp': servers, 'benchling-sandbox': ['--optimize-for-size', '--expose-gc'] },
      node,
    );
  t.same(nodeArgs({}, '24.22.3').router, ['--max-semi-space-size=8'], 'not before 26');
  t.same(nodeArgs({ LABMCP_NODE_ARGS_ROUTER: '--max-semi-space-size=8' }, '26.12.1').router, ['--max-semi-space-size=8'], 'replaced as ever');
});

t.test('LABMCP_NODE_ARGS replaces them for every app, LABMCP_NODE_ARGS_<APP> for one', async (t) => {
  t.same(nodeArgs({ ...own, LABMCP_NODE_ARGS: '--max-semi-space-size=8  --stack-size=2000', LABMCP_NODE_ARGS_BENCHLING_SANDBOX: '--max-semi-space-size=1' }), {
    router: ['--max-semi-space-size=8', '--stack-size=2000'],
    'quilt-mcp': ['--max-semi-space-size=8', '--stack-size=2000'],
    'benchling-mcp': ['--max-semi-space-size=8', '--stack-size=2000'],
    'benchling-sandbox': ['--max-semi-space-size=1'],
  });
});

t.test("empty: Node's defaults", async (t) => {
  t.same(nodeArgs({ ...own, LABMCP_NODE_ARGS: '' }), { router: [], 'quilt-mcp': [], 'benchling-mcp': [], 'benchling-sandbox': [] });
  t.same(nodeArgs({ LABMCP_NODE_ARGS_QUILT_MCP: '' })['quilt-mcp'], [], 'for one app');
  t.same(nodeArgs({ LABMCP_NODE_ARGS_QUILT_MCP: '' }).router, ['--max-semi-space-size=8'], 'the others keep theirs');
});

t.test('without the sandbox (a real Benchling tenant), the other apps keep their flags', async (t) => {
  for (const env of [{}, own]) {
    const apps = appsOf({ ...env, BENCHLING_URL: 'https://example.benchling.com' });
    t.same(
      apps.map((a) => a.name),
      ['router', 'quilt-mcp', 'benchling-mcp'],
    );
    t.equal(apps.find((a) => a.name === 'benchling-mcp')!.script, main('benchling-mcp'), 'benchling-mcp alone in its process');
  }
});

t.test("the demo tenant runs inside benchling-mcp's process by default", async (t) => {
  const apps = appsOf({});
  t.same(
    apps.map((a) => a.name),
    ['router', 'quilt-mcp', 'benchling-mcp'],
  );
  const benchling = apps.find((a) => a.name === 'benchling-mcp')!;
  t.equal(benchling.script, path.join(repoRoot, 'packages', 'service-kit', 'dist', 'run-together.js'));
  t.equal(
    benchling.env.LABMCP_RUN_TOGETHER,
    [main('benchling-sandbox'), main('benchling-mcp')].join(path.delimiter),
    'the tenant first, then the server that calls it',
  );
  t.notOk(benchling.args, "not as arguments: a cluster worker gets the supervisor's first");
  t.equal(benchling.exec_mode, 'cluster', 'still reloaded one instance at a time');
  t.equal(benchling.instances, 1);
  t.equal(benchling.env.BENCHLING_SANDBOX_LOCK_WAIT_MS, '20000', "a reload's new process waits for the old one's tenant file");
  t.equal(benchling.max_memory_restart, '384M', 'room for both');
  t.equal(benchling.kill_timeout, 12000, 'time to drain benchling-mcp (8 s), then its tenant');
  t.equal(appsOf({ BENCHLING_SANDBOX_LOCK_WAIT_MS: '5000' }).find((a) => a.name === 'benchling-mcp')!.env.BENCHLING_SANDBOX_LOCK_WAIT_MS, '5000');
  for (const app of apps.filter((a) => a.name !== 'benchling-mcp')) t.notOk('LABMCP_RUN_TOGETHER' in app.env, `${app.name} runs its own main only`);
});

t.test('LABMCP_SANDBOX_PROCESS=own, or more than one instance: the sandbox is an app of its own, one process', async (t) => {
  for (const env of [own, { LABMCP_INSTANCES: '2' }]) {
    const apps = appsOf(env);
    t.same(
      apps.map((a) => a.name),
      ['router', 'quilt-mcp', 'benchling-mcp', 'benchling-sandbox'],
      JSON.stringify(env),
    );
    const benchling = apps.find((a) => a.name === 'benchling-mcp')!;
    t.equal(benchling.script, main('benchling-mcp'));
    t.equal(benchling.max_memory_restart, '256M');
    t.equal(benchling.kill_timeout, 10000);
    t.notOk('BENCHLING_SANDBOX_LOCK_WAIT_MS' in benchling.env);
    t.notOk('LABMCP_RUN_TOGETHER' in benchling.env);
    const sandbox = apps.find((a) => a.name === 'benchling-sandbox')!;
    t.match(sandbox, { script: main('benchling-sandbox'), exec_mode: 'fork', instances: 1 });
  }
});

t.test('a placement that cannot work is refused when PM2 loads the file', async (t) => {
  t.throws(() => appsOf({ LABMCP_SANDBOX_PROCESS: 'shared', LABMCP_INSTANCES: '2' }), /LABMCP_SANDBOX_PROCESS=shared needs LABMCP_INSTANCES=1/);
  t.throws(() => appsOf({ LABMCP_SANDBOX_PROCESS: 'separate' }), /LABMCP_SANDBOX_PROCESS must be shared or own, not separate/);
});
