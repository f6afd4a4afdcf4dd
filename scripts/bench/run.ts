// `npm run bench [-- options]`: builds, starts what it needs on loopback (free ports, temp dirs), measures router
// overhead (direct / router / nginx), SSE, the PM2 bundle's footprint and cold start, and manifest throughput,
// stops everything (also on failure and Ctrl-C), and writes a Markdown report (plus the raw figures as JSON).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureFootprint } from './lib/footprint.js';
import { verifyOnce } from './lib/load.js';
import { machineBusy, machineInfo } from './lib/machine.js';
import { MANIFEST_SCRIPT, manifestScriptExists, parseManifestOutput, runManifest } from './lib/manifest.js';
import { findNginx, startNginx } from './lib/nginx.js';
import { measureOverhead, type Target } from './lib/overhead.js';
import { cleanupAll, installSignalHandlers, isInterrupted, setKeepTemp, spawnChild } from './lib/processes.js';
import { profileRouter } from './lib/profile.js';
import { type BenchResults, evaluateTargets, renderReport } from './lib/report.js';
import { measureServers, renderServers, type ServersResults } from './lib/servers.js';
import { type DirectBundle, demoToken, directBundle, scriptOf, UNLIMITED_ROUTER } from './lib/services.js';
import { measureSse, sseShapes } from './lib/sse.js';
import { freePort, httpOk, log, repoRoot, waitFor } from './lib/util.js';

const HELP = `Usage: npm run bench -- [options]

  --out <file>              Markdown report (default bench-results/report.md; the raw figures go next to it as .json)
  --phases <list>           overhead,sse,servers,footprint,manifest,hashing,growth,mcp (default: all; hashing runs
                            scripts/bench/hashing.ts, whose report goes beside this one as hashing.md; growth
                            runs scripts/bench/growth.ts, likewise growth.md; mcp runs scripts/bench/merged-mcp.ts,
                            likewise merged-mcp.md)
  --servers-rounds <n>      rounds of the servers phase (each server direct vs a plain node:http server answering
                            the same bytes: tools/list both eras, registries_list; default 3, 8 connections)
  --concurrency <list>      connections for the overhead runs (default 1,8,32)
  --duration <s>            measured seconds per path, level and round (default 3)
  --warmup <s>              warm-up seconds before each measurement (default 1)
  --initial-warmup <s>      overhead phase: load on every path before the first level, so that freshly started
                            processes are compiled (JIT) before anything is measured (default 5; 0 skips)
  --rounds <n>              rounds per level; paths run back to back in a round, order alternating (default 4)
  --quiet-below <percent>   before each round, wait (up to --quiet-max-wait s, default 20) until other work uses
                            at most this share of the CPUs — for shared machines
  --nginx-workers <n>       nginx worker_processes (default 1, like the single router process)
  --no-node-baseline        leave out (d), the bare Node.js proxy that shows the floor for a Node hop
  --router-variant <env>    also measure a second router with these env overrides, e.g. LABMCP_ACCESS_LOG=off
                            (comma-separated; repeatable) — for finding what costs what in the router
  --sse-iterations <n>      requests per SSE shape and path (default 200, after --sse-warmup 30)
  --sse-tool <name>         tool for the SSE calls (default registries_list); --sse-args <json> its arguments
  --cold-runs <n>           PM2 cold starts (default 3; median reported)
  --settle <s>              idle seconds before a memory snapshot (default 5)
  --footprint-load <s>      seconds of load for the under-load memory figures (default 10; 0 skips)
  --footprint-connections <n>  connections for that load (default 16)
  --footprint-variant <env> also cold-start the PM2 bundle once with these env overrides and snapshot its idle
                            memory, e.g. "NODE_OPTIONS=--max-semi-space-size=1" (repeatable; ';' separates several)
  --manifest-entries <list> sizes for scripts/bench/manifest-throughput.ts (default 10000,100000,1000000)
  --manifest-timeout <s>    per size (default 300)
  --profile <auto|on|off>   CPU-profile a router under load; auto: only when a router target is missed (default auto)
  --profile-duration <s>    (default 10)
  --profile-env <env>       env overrides for the profiled router, e.g. LABMCP_ACCESS_LOG=off (comma-separated)
  --log-level <level>       LOG_LEVEL for the servers (default: their own default, info)
  --wait-quiet <percent>    before measuring, wait (up to 5 min) until other work uses at most this share of the CPUs
  --render <report.json>    measure nothing: re-render the Markdown from a run's raw figures (to --out if given,
                            else next to the JSON)
  --no-build                skip tsc -b
  --keep-temp               keep temp dirs (logs, data, nginx conf) for inspection
  -h, --help
`;

/** Every phase, in the order they run; also the default. */
const PHASES = ['overhead', 'sse', 'servers', 'footprint', 'manifest', 'hashing', 'growth', 'mcp'];

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    phases: { type: 'string', default: PHASES.join(',') },
    'servers-rounds': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,8,32' },
    'initial-warmup': { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '4' },
    'quiet-below': { type: 'string' },
    'quiet-max-wait': { type: 'string', default: '20' },
    'nginx-workers': { type: 'string', default: '1' },
    'no-node-baseline': { type: 'boolean', default: false },
    'router-variant': { type: 'string', multiple: true, default: [] },
    'footprint-variant': { type: 'string', multiple: true, default: [] },
    'sse-iterations': { type: 'string', default: '200' },
    'sse-warmup': { type: 'string', default: '30' },
    'sse-tool': { type: 'string', default: 'registries_list' },
    'sse-args': { type: 'string', default: '{}' },
    'cold-runs': { type: 'string', default: '3' },
    settle: { type: 'string', default: '5' },
    'footprint-load': { type: 'string', default: '10' },
    'footprint-connections': { type: 'string', default: '16' },
    'manifest-entries': { type: 'string', default: '10000,100000,1000000' },
    'manifest-timeout': { type: 'string', default: '300' },
    profile: { type: 'string', default: 'auto' },
    'profile-duration': { type: 'string', default: '10' },
    'profile-env': { type: 'string' },
    'log-level': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'wait-quiet': { type: 'string' },
    render: { type: 'string' },
    'keep-temp': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const num = (name: string, value: string | undefined, min = 0): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min} (got ${value})\n`);
    process.exit(2);
  }
  return n;
};
const list = (name: string, value: string) => value.split(',').map((v) => num(name, v.trim(), 1));

const phases = new Set(args.phases.split(',').map((p) => p.trim()));
for (const p of phases) {
  if (!PHASES.includes(p)) {
    process.stderr.write(`unknown phase ${p}\n${HELP}`);
    process.exit(2);
  }
}
if (!['auto', 'on', 'off'].includes(args.profile)) {
  process.stderr.write('--profile must be auto, on or off\n');
  process.exit(2);
}
let sseArgs: Record<string, unknown>;
try {
  sseArgs = JSON.parse(args['sse-args']) as Record<string, unknown>;
} catch {
  process.stderr.write('--sse-args must be JSON\n');
  process.exit(2);
}
try {
  for (const spec of args['router-variant'] ?? []) parseEnvSpec(spec, ',');
  if (args['profile-env']) parseEnvSpec(args['profile-env'], ',');
  for (const spec of args['footprint-variant'] ?? []) parseEnvSpec(spec, ';');
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const opts = {
  concurrency: list('concurrency', args.concurrency),
  durationS: num('duration', args.duration, 1),
  warmupS: num('warmup', args.warmup, 0.5),
  initialWarmupS: num('initial-warmup', args['initial-warmup'], 0),
  quietBelow: args['quiet-below'] === undefined ? undefined : num('quiet-below', args['quiet-below'], 1) / 100,
  quietMaxWaitS: num('quiet-max-wait', args['quiet-max-wait'], 1),
  rounds: num('rounds', args.rounds, 1),
  nginxWorkers: num('nginx-workers', args['nginx-workers'], 1),
  sseIterations: num('sse-iterations', args['sse-iterations'], 1),
  sseWarmup: num('sse-warmup', args['sse-warmup'], 0),
  coldRuns: num('cold-runs', args['cold-runs'], 1),
  settleS: num('settle', args.settle, 0),
  footprintLoadS: num('footprint-load', args['footprint-load'], 0),
  footprintConnections: num('footprint-connections', args['footprint-connections'], 1),
  manifestEntries: list('manifest-entries', args['manifest-entries']),
  manifestTimeoutS: num('manifest-timeout', args['manifest-timeout'], 1),
  profileDurationS: num('profile-duration', args['profile-duration'], 1),
};
if (args.render) {
  const jsonPath = path.resolve(args.render);
  const saved = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResults;
  for (const run of saved.manifest?.runs ?? []) Object.assign(run, parseManifestOutput(run.output));
  const target = args.out ? path.resolve(repoRoot, args.out) : `${jsonPath.replace(/\.json$/i, '')}.md`;
  const servers = (saved as BenchResults & { servers?: ServersResults }).servers;
  const report = renderReport(saved) + (servers ? `\n${renderServers(servers)}` : '');
  writeFileSync(target, report);
  process.stdout.write(`${report}\n`);
  process.exit(0);
}
const outFile = path.resolve(repoRoot, args.out ?? 'bench-results/report.md');
const jsonFile = `${outFile.replace(/\.md$/i, '')}.json`;
setKeepTemp(args['keep-temp']);
installSignalHandlers();

/** `NAME=value<sep>NAME=value` → env overrides. */
function parseEnvSpec(spec: string, separator: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of spec.split(separator)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`expected NAME=value${separator}NAME=value, got ${spec}`);
    env[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return env;
}

function build(): Promise<void> {
  log('building: tsc -b');
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-b'], { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`tsc -b failed (exit ${code}); fix the build or rerun with --no-build to measure the existing dist/`)),
    );
  });
}

const results: BenchResults = {
  startedAt: new Date().toISOString(),
  machine: machineInfo(findNginx()?.version),
  machineBusyBefore: Number.NaN,
  loadavgStart: os.loadavg(),
  options: {
    ...opts,
    phases: [...phases],
    profile: args.profile,
    routerVariants: args['router-variant'],
    footprintVariants: args['footprint-variant'],
    logLevel: args['log-level'] ?? 'default (info)',
    settle: opts.settleS,
  },
  workload: {
    description:
      'MCP `tools/call` of quilt `registries_list` (no I/O), one JSON-RPC POST per request, `Accept: application/json` only (answered with plain JSON, no initialize), demo-auth Bearer JWT, HTTP/1.1 keep-alive; (a) `POST /mcp` on quilt-mcp, (b) `POST /quilt/mcp` on the router, (c) `POST /quilt/mcp` on nginx, (d) `POST /quilt/mcp` on a bare Node.js proxy. One process each, started directly (not under PM2), stdout/stderr to files; router limits raised (' +
      Object.entries(UNLIMITED_ROUTER)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') +
      ').',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'registries_list', arguments: {} } }),
  },
  notes: [],
  errors: [],
};

async function phase(name: string, fn: () => Promise<void>): Promise<void> {
  if (isInterrupted()) return;
  const started = performance.now();
  log(`── ${name}`);
  try {
    await fn();
  } catch (err) {
    if (isInterrupted()) return;
    const message = (err as Error).stack ?? String(err);
    log(`${name} failed: ${message}`);
    results.errors.push({ phase: name, message: (err as Error).message });
  }
  log(`── ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Runs a benchmark that has its own script, process and report (it starts its own servers), writing `out` (and its
 * log beside it). As a registered child: stopped, and so its servers, if this run is interrupted. Throws when the
 * script fails.
 */
async function runOwnBenchmark(name: string, script: string, out: string, options: { args?: string[]; graceMs?: number } = {}): Promise<void> {
  mkdirSync(path.dirname(out), { recursive: true });
  const logFile = out.replace(/\.md$/i, '.log');
  const child = spawnChild(name, process.execPath, ['--import=tsx', path.join(repoRoot, script), '--no-build', '--out', out, ...(options.args ?? [])], {
    env: { ...process.env } as Record<string, string>,
    cwd: repoRoot,
    logFile,
    stopSignal: 'SIGINT',
    ...(options.graceMs !== undefined && { graceMs: options.graceMs }),
  });
  await child.exited;
  if (child.process.exitCode !== 0) throw new Error(`${script} exited with ${child.process.exitCode ?? child.process.signalCode}; see ${logFile}`);
  await child.stop();
}

async function main(): Promise<number> {
  const wallStart = performance.now();
  if (!args['no-build']) await build();
  for (const name of ['router', 'quilt-mcp', 'benchling-mcp'] as const) {
    if (!existsSync(scriptOf(name))) throw new Error(`${scriptOf(name)} is missing after the build`);
  }
  if (args['wait-quiet'] !== undefined) {
    const limit = num('wait-quiet', args['wait-quiet'], 1) / 100;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const busy = await machineBusy(3000);
      if (busy <= limit || Date.now() > deadline) break;
      log(`machine ${(busy * 100).toFixed(0)}% busy with other work; waiting for <= ${(limit * 100).toFixed(0)}%`);
    }
  }
  results.machineBusyBefore = await machineBusy();
  log(
    `machine: ${results.machine.cores} cores ${results.machine.cpuModel}, ${(results.machineBusyBefore * 100).toFixed(0)}% busy before starting, load ${results.loadavgStart.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const serverEnv: Record<string, string> = args['log-level'] ? { LOG_LEVEL: args['log-level'] } : {};

  let bundle: DirectBundle | undefined;
  let token = '';
  let nginxUrl: string | undefined;
  let nginxPid: number | undefined;
  let bareUrl: string | undefined;
  let barePid: number | undefined;
  const variants: { key: string; label: string; url: string; pid: number }[] = [];
  const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' });

  if (phases.has('overhead') || phases.has('sse')) {
    await phase('start quilt-mcp, router and nginx', async () => {
      bundle = await directBundle(serverEnv);
      token = await demoToken(bundle.dataDir);
      await bundle.start('quilt-mcp');
      await bundle.start('router', { env: UNLIMITED_ROUTER });
      const nginx = findNginx();
      if (!nginx) {
        results.nginxSkipped = 'nginx is not installed on this machine (Debian: `apt-get install -y nginx`); the (c) column and the b/c ratio are left out.';
      } else {
        const proxy = await startNginx(
          nginx,
          path.join(bundle.base, 'nginx'),
          { quilt: bundle.ports['quilt-mcp'], benchling: bundle.ports['benchling-mcp'] },
          opts.nginxWorkers,
        );
        nginxUrl = proxy.url;
        results.nginxConf = proxy.conf;
        nginxPid = proxy.child.pid;
      }
      if (!args['no-node-baseline']) {
        const port = await freePort();
        const bare = spawnChild(
          'bare-proxy',
          process.execPath,
          ['--import=tsx', path.join(repoRoot, 'scripts/bench/lib/bare-proxy.ts'), String(port), String(bundle.ports['quilt-mcp'])],
          {
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? bundle.base },
            cwd: repoRoot,
            logFile: path.join(bundle.logDir, 'bare-proxy.log'),
          },
        );
        bareUrl = `http://127.0.0.1:${port}`;
        barePid = bare.pid;
        await waitFor('bare Node proxy', () => httpOk(`${bareUrl}/quilt/health`), 20_000);
      }
      for (const [i, spec] of (args['router-variant'] ?? []).entries()) {
        const env = parseEnvSpec(spec, ',');
        const port = await freePort();
        const child = await bundle.start('router', { label: `router-variant-${i + 1}`, port, env: { ...UNLIMITED_ROUTER, ...env } });
        variants.push({ key: `variant${i + 1}`, label: `(b${'′'.repeat(i + 1)}) router, ${spec}`, url: `http://127.0.0.1:${port}/quilt/mcp`, pid: child.pid });
      }
      for (const url of [...directUrls(), ...variants.map((v) => v.url)]) await verifyOnce(url, headers(), results.workload.body, /"registries"/);
    });
  }
  function directUrls(): string[] {
    if (!bundle) return [];
    return [
      `http://127.0.0.1:${bundle.ports['quilt-mcp']}/mcp`,
      `http://127.0.0.1:${bundle.ports.router}/quilt/mcp`,
      ...(nginxUrl ? [`${nginxUrl}/quilt/mcp`] : []),
      ...(bareUrl ? [`${bareUrl}/quilt/mcp`] : []),
    ];
  }

  if (phases.has('overhead') && bundle) {
    await phase('router overhead', async () => {
      const b = bundle!;
      const targets: Target[] = [
        { key: 'direct', label: '(a) direct', url: `http://127.0.0.1:${b.ports['quilt-mcp']}/mcp` },
        { key: 'router', label: '(b) router', url: `http://127.0.0.1:${b.ports.router}/quilt/mcp` },
        ...(nginxUrl ? [{ key: 'nginx' as const, label: '(c) nginx', url: `${nginxUrl}/quilt/mcp` }] : []),
        ...(bareUrl ? [{ key: 'bare' as const, label: '(d) bare Node proxy', url: `${bareUrl}/quilt/mcp` }] : []),
        ...variants.map((v) => ({ key: v.key, label: v.label, url: v.url })),
      ];
      const processes: Record<string, number> = { 'quilt-mcp': b.children['quilt-mcp']!.pid, router: b.children.router!.pid };
      if (nginxPid) processes.nginx = nginxPid;
      if (barePid) processes['bare proxy'] = barePid;
      variants.forEach((v, i) => {
        processes[`router variant ${i + 1}`] = v.pid;
      });
      results.overhead = await measureOverhead({
        targets,
        processes,
        headers: headers(),
        body: results.workload.body,
        levels: opts.concurrency,
        rounds: opts.rounds,
        durationS: opts.durationS,
        warmupS: opts.warmupS,
        initialWarmupS: opts.initialWarmupS,
        ...(opts.quietBelow !== undefined && { quietBelow: opts.quietBelow, quietMaxWaitMs: opts.quietMaxWaitS * 1000 }),
      });
    });
  }

  if (phases.has('sse') && bundle) {
    await phase('SSE', async () => {
      const b = bundle!;
      const shapes = sseShapes(token, args['sse-tool'], sseArgs);
      const targets = [
        { key: 'direct', url: `http://127.0.0.1:${b.ports['quilt-mcp']}/mcp` },
        { key: 'router', url: `http://127.0.0.1:${b.ports.router}/quilt/mcp` },
        ...(nginxUrl ? [{ key: 'nginx', url: `${nginxUrl}/quilt/mcp` }] : []),
      ];
      results.sse = { shapes, stats: await measureSse(targets, shapes, opts.sseIterations, opts.sseWarmup) };
    });
  }

  const routerMissed = () => evaluateTargets(results).some((t) => t.verdict === 'MISS' && /^(Router|Added p50)/.test(t.target));
  if (bundle && (args.profile === 'on' || (args.profile === 'auto' && phases.has('overhead') && routerMissed()))) {
    await phase('router CPU profile', async () => {
      results.profile = await profileRouter(
        bundle!,
        { headers: headers(), body: results.workload.body },
        {
          connections: 8,
          durationS: opts.profileDurationS,
          warmupS: opts.warmupS,
          saveAs: `${outFile.replace(/\.md$/i, '')}.router.cpuprofile`,
          env: args['profile-env'] ? parseEnvSpec(args['profile-env'], ',') : {},
        },
      );
    });
  }

  // The servers, footprint and manifest runs get the machine to themselves.
  await cleanupAll();

  let servers: ServersResults | undefined;
  if (phases.has('servers')) {
    await phase('servers direct vs a plain node:http server', async () => {
      servers = await measureServers({
        connections: 8,
        durationS: opts.durationS,
        warmupS: opts.warmupS,
        rounds: num('servers-rounds', args['servers-rounds'], 1),
        serverEnv,
      });
      (results as BenchResults & { servers?: ServersResults }).servers = servers;
    });
    await cleanupAll();
  }

  if (phases.has('footprint')) {
    await phase('footprint under PM2', async () => {
      results.footprint = await measureFootprint({
        coldRuns: opts.coldRuns,
        settleS: opts.settleS,
        loadS: opts.footprintLoadS,
        loadConnections: opts.footprintConnections,
        unlimitedRouterEnv: UNLIMITED_ROUTER,
        variants: (args['footprint-variant'] ?? []).map((spec) => ({ label: spec, env: parseEnvSpec(spec, ';') })),
      });
    });
  }

  if (phases.has('manifest')) {
    await phase('manifest throughput', async () => {
      const exists = manifestScriptExists();
      results.manifest = { script: path.relative(repoRoot, MANIFEST_SCRIPT), exists, runs: [] };
      if (!exists) {
        log(`${MANIFEST_SCRIPT} does not exist yet; skipping`);
        return;
      }
      for (const entries of opts.manifestEntries) {
        if (isInterrupted()) return;
        log(`manifest-throughput --entries ${entries}`);
        const run = await runManifest(entries, opts.manifestTimeoutS * 1000);
        results.manifest.runs.push(run);
        log(
          `  ${run.entriesPerSecond?.toFixed(0) ?? '?'} entries/s, peak RSS ${run.peakRssBytes ? (run.peakRssBytes / 1048576).toFixed(1) : '?'} MiB${run.error ? ` (${run.error})` : ''}`,
        );
      }
    });
  }

  if (phases.has('hashing')) {
    await phase('hashing', async () => {
      const hashingOut = path.join(path.dirname(outFile), 'hashing.md');
      const quiet = opts.quietBelow === undefined ? [] : ['--quiet-below', String(opts.quietBelow * 100), '--quiet-max-wait', String(opts.quietMaxWaitS)];
      await runOwnBenchmark('hashing benchmark', 'scripts/bench/hashing.ts', hashingOut, { args: quiet, graceMs: 30_000 });
      results.notes.push(`Hashing: ${path.relative(repoRoot, hashingOut)} (and .json, .svg beside it).`);
    });
  }

  if (phases.has('growth')) {
    await phase('growth', async () => {
      const growthOut = path.join(path.dirname(outFile), 'growth.md');
      await runOwnBenchmark('growth benchmark', 'scripts/bench/growth.ts', growthOut, { graceMs: 30_000 });
      results.notes.push(`Growth: ${path.relative(repoRoot, growthOut)} (and .json, .svg beside it).`);
    });
  }

  if (phases.has('mcp')) {
    await phase('/mcp against the prefixed route', async () => {
      const mcpOut = path.join(path.dirname(outFile), 'merged-mcp.md');
      await runOwnBenchmark('merged-mcp benchmark', 'scripts/bench/merged-mcp.ts', mcpOut);
      results.notes.push(`/mcp: ${path.relative(repoRoot, mcpOut)}.`);
    });
  }

  await cleanupAll();
  results.finishedAt = new Date().toISOString();
  results.wallS = (performance.now() - wallStart) / 1000;
  results.loadavgEnd = os.loadavg();
  results.notes.push(
    'Ratios compare paths measured in the same run, interleaved; absolute figures depend on the machine and on whatever else it was running (see "machine busy" above).',
    'Process start-up for the overhead and SSE phases is direct (node packages/<name>/dist/main.js, one process each), so those figures isolate the hop; the footprint phase runs the real PM2 bundle.',
  );
  const report = renderReport(results) + (servers ? `\n${renderServers(servers)}` : '');
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, report);
  writeFileSync(
    jsonFile,
    JSON.stringify(results, (_k, v: unknown) => (v instanceof Float64Array ? undefined : v), 2),
  );
  process.stdout.write(`${report}\n`);
  log(`report written to ${path.relative(process.cwd(), outFile)} (raw figures: ${path.relative(process.cwd(), jsonFile)})`);
  return results.errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`benchmark failed: ${(err as Error).stack ?? String(err)}`);
    await cleanupAll();
    process.exit(1);
  },
);
