// PM2 process file for the single-container bundle. Loaded by PM2 with require(), hence CommonJS.
const fs = require('node:fs');
const path = require('node:path');

const root = __dirname;
const envFile = process.env.LABMCP_ENV_FILE || path.join(root, '.env');
// Variables already set (docker run -e, the shell) win over the file.
if (fs.existsSync(envFile)) process.loadEnvFile(envFile);

const logDir = path.resolve(root, process.env.LABMCP_LOG_DIR || 'logs');
const demoBenchling = !process.env.BENCHLING_URL;

const envName = (name) => name.toUpperCase().replace(/-/g, '_');

// V8's young generation (new space) grows up to 16 MiB per semi-space while a process starts (nearly everything
// allocated then survives) and stays committed until V8's memory reducer runs, 10–40 s into idling. Capped at 8 MiB,
// the processes are smaller in their first idle seconds and peak lower under load. Smaller caps save a little more
// but cost CPU on every request (more scavenges, more objects promoted early): quilt-mcp's tools/call under PM2
// measured 1.24× the CPU at 4 MiB and 1.28–1.41× at 2 MiB, and 0.99× at 8 MiB (docs/operations.md, "Memory").
// On Node 26 (the image's), V8 also lets the old generation run much further ahead of what it holds: the bundle
// ended the benchmark's load at 436–506 MiB PSS against 337–413 on Node 20, over the 400 MiB a 512 MiB container
// leaves. There, V8's heap growing factor is fixed at 1.5 (--heap-growing-percent=50): 343–365 MiB, for 10–25% more
// CPU per request, still less than Node 20 spends. On Node 20 the same flag cost 10–35% for a figure that already
// fits, so it is left out there (lines between were not measured). Node 26's V8 also keeps the young generation at
// its grown size when idle, which a full collection of the last-resort kind gives back (14–16 MiB per process):
// --expose-gc lets each process run one when it goes quiet (packages/service-kit/src/idle-trim.ts); Node 20's own
// memory reducer does that there.
// The sandbox in its own process (the demo tenant, paced by its rate limit) trades speed for size throughout. LABMCP_NODE_ARGS
// replaces these for every app, LABMCP_NODE_ARGS_<APP> for one (empty: Node's defaults).
const nodeMajor = Number(process.versions.node.split('.')[0]);
const SERVER_NODE_ARGS = nodeMajor >= 26 ? '--max-semi-space-size=8 --heap-growing-percent=50 --expose-gc' : '--max-semi-space-size=8';
const SANDBOX_NODE_ARGS = nodeMajor >= 26 ? '--optimize-for-size --expose-gc' : '--optimize-for-size';

const instances = Number(process.env.LABMCP_INSTANCES || 1);
const mainOf = (pkg) => path.join(root, 'packages', pkg, 'dist', 'main.js');

function app(name, pkg, { maxMemory, nodeArgs: defaultNodeArgs, single = false, together = [], env = {} }) {
  const nodeArgs = (process.env[`LABMCP_NODE_ARGS_${envName(name)}`] ?? process.env.LABMCP_NODE_ARGS ?? defaultNodeArgs).split(/\s+/).filter(Boolean);
  return {
    name,
    // With services to run beside it, service-kit's run-together starts them all in this one process (listed in
    // LABMCP_RUN_TOGETHER below: a cluster worker's arguments begin with the supervisor's own).
    script: together.length > 0 ? path.join(root, 'packages', 'service-kit', 'dist', 'run-together.js') : mainOf(pkg),
    cwd: root,
    // Cluster mode is what lets `pm2 reload` replace instances one at a time with no lost request; the
    // processes are stateless, so any instance can answer any request.
    exec_mode: single ? 'fork' : 'cluster',
    instances: single ? 1 : instances,
    // Ready only once listening (process.send('ready')), so restarts and reloads never route to a cold process.
    wait_ready: true,
    listen_timeout: 15000,
    // Longer than the processes' own drain time (8 s), so PM2 never SIGKILLs a process that is finishing requests;
    // a process with services beside it stops them after its own drain (the sandbox: about 1 s more).
    kill_timeout: together.length > 0 ? 12000 : 10000,
    autorestart: true,
    exp_backoff_restart_delay: 100,
    // Exit code 78 (EX_CONFIG) means invalid settings: restarting cannot help, so the process stays stopped
    // (the router's /health names it) and its error log says what to fix.
    stop_exit_codes: [78],
    max_memory_restart: process.env[`LABMCP_MAX_MEMORY_${envName(name)}`] || maxMemory,
    node_args: nodeArgs,
    out_file: path.join(logDir, `${name}.out.log`),
    error_file: path.join(logDir, `${name}.err.log`),
    merge_logs: true,
    env: {
      LABMCP_LOG_DIR: logDir,
      ...(together.length > 0 ? { LABMCP_RUN_TOGETHER: [...together, pkg].map(mainOf).join(path.delimiter) } : {}),
      ...env,
    },
    // PM2's in-process agent (@pm2/io) would wrap every HTTP request of every process with metrics of its own;
    // the processes export theirs (the router's GET /metrics covers all of them), so it is left out.
    pmx: false,
    // PM2 otherwise turns on Node's source maps in every process (process.setSourceMapsEnabled): Node then keeps
    // the source map of every module it loads (4–9 MiB more per process, measured) and maps each stack trace it
    // formats. Stack traces name dist/*.js lines; NODE_OPTIONS=--enable-source-maps brings the .ts lines back.
    disable_source_map_support: true,
  };
}

// The Benchling sandbox is the demo tenant: it runs only when no real tenant is configured. It holds its tenant file
// locked, so it runs as exactly one process: inside benchling-mcp's (LABMCP_SANDBOX_PROCESS=shared, the default with
// one instance each: one Node process less, 23 MiB of the bundle's memory, BENCHMARKS.md), or as its own app (`own`,
// and always with LABMCP_INSTANCES above 1).
const sandboxProcess = process.env.LABMCP_SANDBOX_PROCESS || (instances === 1 ? 'shared' : 'own');
if (sandboxProcess !== 'shared' && sandboxProcess !== 'own') throw new Error(`LABMCP_SANDBOX_PROCESS must be shared or own, not ${sandboxProcess}`);
if (sandboxProcess === 'shared' && instances !== 1) throw new Error('LABMCP_SANDBOX_PROCESS=shared needs LABMCP_INSTANCES=1: the sandbox runs as one process');
const sandboxShared = demoBenchling && sandboxProcess === 'shared';

const apps = [
  app('router', 'router', { maxMemory: '256M', nodeArgs: SERVER_NODE_ARGS }),
  app('quilt-mcp', 'quilt-mcp', { maxMemory: '512M', nodeArgs: SERVER_NODE_ARGS }),
  sandboxShared
    ? app('benchling-mcp', 'benchling-mcp', {
        maxMemory: '384M',
        nodeArgs: SERVER_NODE_ARGS,
        together: ['benchling-sandbox'],
        // A reload starts the new process before the old one, which holds the tenant file, has finished its calls
        // (up to kill_timeout): the new one's sandbox waits for the file meanwhile, and the old one's answers.
        env: { BENCHLING_SANDBOX_LOCK_WAIT_MS: process.env.BENCHLING_SANDBOX_LOCK_WAIT_MS || '20000' },
      })
    : app('benchling-mcp', 'benchling-mcp', { maxMemory: '256M', nodeArgs: SERVER_NODE_ARGS }),
];
if (demoBenchling && !sandboxShared) apps.push(app('benchling-sandbox', 'benchling-sandbox', { maxMemory: '256M', nodeArgs: SANDBOX_NODE_ARGS, single: true }));

module.exports = { apps };
