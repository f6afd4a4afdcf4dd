// The bundle as users run it — PM2 with the repo's ecosystem.config.js, in a private PM2_HOME — for cold start
// and resident memory of every process, the PM2 daemon included.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleLayout } from '../../lib/launcher.js';
import { type LoadRun, runLoad, verifyOnce } from './load.js';
import { onCleanup, tempDir } from './processes.js';
import { alive, commandName, cpuMs, type MemorySnapshot, memory, processTree } from './procfs.js';
import { demoToken, scriptOf } from './services.js';

/**
 * The demo tenant's rate limit (60 requests per 30 s, as Benchling's) raised for the load: at the default, the
 * benchling load got a few answers in 10 s, every other request waiting out the window, so benchling-mcp was
 * hardly loaded at all.
 */
const UNLIMITED_SANDBOX = { BENCHLING_SANDBOX_RATE_LIMIT: '1000000' };

import { freePort, log, percentileSorted, repoRoot, sleep } from './util.js';

const run = promisify(execFile);
// PM2's own script, run with the Node that runs the benchmark: the daemon, and so every app it starts, then runs on
// that Node too (node_modules/.bin/pm2 would take whichever `node` comes first on PATH), so the report's Node is theirs.
const PM2 = path.join(repoRoot, 'node_modules/pm2/bin/pm2');

export interface ProcessMemory extends MemorySnapshot {
  pid: number;
  name: string;
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
}

export interface BundleMemory {
  processes: ProcessMemory[];
  totalRss: number;
  totalPss: number;
}

export interface Session {
  base: string;
  env: Record<string, string>;
  routerUrl: string;
  ports: Record<string, number>;
  dataDir: string;
  pm2: (...args: string[]) => Promise<{ stdout: string; stderr: string }>;
  kill: () => Promise<void>;
  daemonPid: () => number | undefined;
}

export async function session(label: string, extraEnv: Record<string, string>): Promise<Session> {
  const base = tempDir(`labmcp-bench-pm2-${label}-`);
  // A HOME and PM2_HOME of its own: this PM2 daemon is not the user's.
  const { ports, env } = await bundleLayout(base, { PM2_HOME: path.join(base, 'pm2'), ...extraEnv }, { home: base });
  const pm2 = (...args: string[]) => run(process.execPath, [PM2, ...args], { env, cwd: repoRoot, timeout: 90_000 });
  const daemonPid = () => {
    try {
      const pid = Number(readFileSync(path.join(env.PM2_HOME!, 'pm2.pid'), 'utf8').trim());
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  // Everything the daemon started, remembered so a failed `pm2 kill` still leaves nothing behind.
  let known: number[] = [];
  const remember = () => {
    const pid = daemonPid();
    if (pid && alive(pid)) known = processTree(pid);
    return known.filter(alive);
  };
  const kill = onCleanup(
    `PM2 (${env.PM2_HOME})`,
    async () => {
      remember();
      if (existsSync(env.PM2_HOME!)) await pm2('kill').catch((err: Error) => log(`pm2 kill: ${err.message}`));
      for (let i = 0; i < 50 && known.some(alive); i++) await sleep(100);
      for (const pid of known.filter(alive)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
    remember,
  );
  return { base, env, routerUrl: `http://127.0.0.1:${ports.router}`, ports, dataDir: env.LABMCP_DATA_DIR!, pm2, kill, daemonPid };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export interface ColdStart {
  /** `pm2 start ecosystem.config.js` spawned → router /health answers 200 (every server healthy). */
  healthyMs: number;
  /** When the `pm2 start` command itself returned. */
  pm2CommandMs: number;
  /** When each process's own /health first answered 200. */
  perProcessMs: Record<string, number>;
  /** CPU time (user + system) each process had used by the time the bundle was healthy: the work of starting. */
  startCpuMs: Record<string, number>;
}

async function startAndTime(s: Session, services: string[]): Promise<ColdStart> {
  const started = performance.now();
  let commandDone: number | undefined;
  let commandError: Error | undefined;
  const command = s.pm2('start', 'ecosystem.config.js').then(
    () => (commandDone = performance.now() - started),
    (err: Error) => {
      commandError = err;
    },
  );
  const perProcessMs: Record<string, number> = {};
  let healthyMs: number | undefined;
  const deadline = started + 60_000;
  // Each server: its own /health answers 200. The router: it accepts a TCP connection (its /health fans out to
  // every server, so it is polled only once they are all up, not to load the start being measured).
  const poll = async () => {
    const pending = services.filter((name) => perProcessMs[name] === undefined);
    await Promise.all(
      pending.map(async (name) => {
        const up = name === 'router' ? await accepts(s.ports.router!) : (await status(`http://127.0.0.1:${s.ports[name]}/health`)) === 200;
        if (up) perProcessMs[name] = performance.now() - started;
      }),
    );
  };
  while (healthyMs === undefined) {
    if (commandError) throw new Error(`pm2 start failed: ${commandError.message}`);
    if (performance.now() > deadline) throw new Error(`bundle not healthy 60 s after pm2 start; logs in ${s.env.LABMCP_LOG_DIR}`);
    await poll();
    if (services.every((name) => perProcessMs[name] !== undefined) && (await status(`${s.routerUrl}/health`)) === 200) healthyMs = performance.now() - started;
    else await sleep(25);
  }
  await poll();
  const startCpuMs: Record<string, number> = {};
  const daemon = s.daemonPid();
  if (daemon) startCpuMs['PM2 daemon'] = cpuMs(daemon);
  await command;
  if (commandError) throw new Error(`pm2 start failed: ${(commandError as Error).message}`);
  try {
    for (const app of JSON.parse((await s.pm2('jlist')).stdout) as { name: string; pid: number }[]) startCpuMs[app.name] = cpuMs(app.pid);
  } catch {
    // a detail
  }
  return { healthyMs, pm2CommandMs: commandDone ?? Number.NaN, perProcessMs, startCpuMs };
}

function parseMetric(text: string, name: string): number | undefined {
  const match = new RegExp(`^labmcp_${name}(?:\\{[^}]*\\})?\\s+([0-9.eE+-]+)`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

async function snapshot(s: Session): Promise<BundleMemory> {
  const daemon = s.daemonPid();
  if (!daemon) throw new Error('no PM2 daemon pid');
  const apps = JSON.parse((await s.pm2('jlist')).stdout) as { name: string; pid: number }[];
  const names = new Map<number, string>(apps.map((a) => [a.pid, a.name]));
  names.set(daemon, 'PM2 daemon');
  const processes: ProcessMemory[] = [];
  for (const pid of processTree(daemon)) {
    const mem = memory(pid);
    if (!mem) continue;
    const name = names.get(pid) ?? `other: ${commandName(pid).slice(0, 60)}`;
    const entry: ProcessMemory = { pid, name, ...mem };
    const port = s.ports[name];
    if (port) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
        const heapUsed = parseMetric(text, 'nodejs_heap_size_used_bytes');
        const heapTotal = parseMetric(text, 'nodejs_heap_size_total_bytes');
        const external = parseMetric(text, 'nodejs_external_memory_bytes');
        if (heapUsed !== undefined) entry.heapUsed = heapUsed;
        if (heapTotal !== undefined) entry.heapTotal = heapTotal;
        if (external !== undefined) entry.external = external;
      } catch {
        // metrics are a detail; RSS is the figure
      }
    }
    processes.push(entry);
  }
  // Re-read RSS after the metric scrapes, so the figures are as idle as possible.
  for (const p of processes) {
    const mem = memory(p.pid);
    if (mem) Object.assign(p, mem);
  }
  return summarize(processes);
}

/** PM2's restart count and memory threshold of each app. */
async function restartCounts(s: Session): Promise<Record<string, { restarts: number; maxMemoryRestart?: number }>> {
  const apps = JSON.parse((await s.pm2('jlist')).stdout) as { name: string; pm2_env: { restart_time?: number; max_memory_restart?: number } }[];
  const counts: Record<string, { restarts: number; maxMemoryRestart?: number }> = {};
  for (const app of apps) {
    counts[app.name] = {
      restarts: app.pm2_env.restart_time ?? 0,
      ...(app.pm2_env.max_memory_restart !== undefined && { maxMemoryRestart: Number(app.pm2_env.max_memory_restart) }),
    };
  }
  return counts;
}

function summarize(processes: ProcessMemory[]): BundleMemory {
  return {
    processes,
    totalRss: processes.reduce((sum, p) => sum + p.rss, 0),
    totalPss: processes.reduce((sum, p) => sum + (p.pss ?? p.rss), 0),
  };
}

export interface FootprintResult {
  sandboxIncluded: boolean;
  notes: string[];
  coldStarts: ColdStart[];
  coldStartMedianMs: number;
  /** Idle, default configuration, one snapshot per cold-start run (after settling). */
  idle: BundleMemory[];
  idleMedianRss: number;
  /** The run whose total is the median, for the per-process table. */
  idleMedianRun: BundleMemory;
  /** Extra configurations (env overrides), one cold start + idle snapshot each, for comparison. */
  variants: { label: string; coldStart: ColdStart; idle: BundleMemory }[];
  load?: {
    description: string;
    durationS: number;
    quilt: { rps: number; p50: number; p99: number; non2xx: number; errors: number };
    benchling?: { rps: number; p50: number; p99: number; non2xx: number; errors: number };
    /** Highest RSS seen per process during the load (sampled every 250 ms). */
    peakPerProcess: Record<string, number>;
    /** Highest simultaneous whole-bundle RSS. */
    peakTotalRss: number;
    peakTotalPss: number;
    /** tools/list loads (quilt, then benchling). */
    toolsList?: ReturnType<typeof loadSummary>[];
    /** Per app: PM2's restart count after the load, restarts during it, and its restart threshold (bytes). */
    restarts?: Record<string, { restarts: number; during: number; maxMemoryRestart?: number }>;
    /** CPU ms each process used per request (all requests of the load) during the load. */
    cpuMsPerRequest: Record<string, number>;
    atEnd: BundleMemory;
    afterSettle: BundleMemory;
  };
}

export interface FootprintOptions {
  coldRuns: number;
  settleS: number;
  loadS: number;
  loadConnections: number;
  unlimitedRouterEnv: Record<string, string>;
  variants: { label: string; env: Record<string, string> }[];
}

function loadSummary(run: LoadRun) {
  const sorted = run.latencies.sorted();
  return { rps: run.ok / run.durationS, p50: percentileSorted(sorted, 50), p99: percentileSorted(sorted, 99), non2xx: run.non2xx, errors: run.errors };
}

export async function measureFootprint(options: FootprintOptions): Promise<FootprintResult> {
  const notes: string[] = [];
  const sandboxIncluded = existsSync(scriptOf('benchling-sandbox'));
  const baseEnv: Record<string, string> = {};
  if (!sandboxIncluded) {
    // The ecosystem only runs the sandbox when no tenant is configured; with no sandbox build, point
    // benchling-mcp elsewhere so PM2 does not try to start a script that is not there.
    baseEnv.BENCHLING_URL = `http://127.0.0.1:${await freePort()}`;
    notes.push(
      'packages/benchling-sandbox/dist/main.js does not exist (the sandbox is not finished), so the default configuration could not run it: BENCHLING_URL was pointed at an unused port, PM2 ran 3 apps instead of 4, and the bundle totals below EXCLUDE the sandbox process.',
    );
  }
  const services = ['router', 'quilt-mcp', 'benchling-mcp', ...(sandboxIncluded ? ['benchling-sandbox'] : [])];

  const coldStarts: ColdStart[] = [];
  const idle: BundleMemory[] = [];
  for (let i = 0; i < options.coldRuns; i++) {
    const s = await session(`cold${i + 1}`, baseEnv);
    try {
      const cold = await startAndTime(s, services);
      coldStarts.push(cold);
      log(`cold start ${i + 1}/${options.coldRuns}: healthy after ${cold.healthyMs.toFixed(0)} ms; settling ${options.settleS} s for the idle snapshot`);
      await sleep(options.settleS * 1000);
      const mem = await snapshot(s);
      idle.push(mem);
      log(`idle bundle RSS ${(mem.totalRss / 1048576).toFixed(1)} MiB (${mem.processes.map((p) => `${p.name} ${(p.rss / 1048576).toFixed(0)}`).join(', ')})`);
    } finally {
      await s.kill();
    }
  }
  const byTotal = [...idle].sort((a, b) => a.totalRss - b.totalRss);
  const idleMedianRun = byTotal[Math.ceil(byTotal.length / 2) - 1]!;
  const result: FootprintResult = {
    sandboxIncluded,
    notes,
    coldStarts,
    coldStartMedianMs: percentileSorted(
      coldStarts.map((c) => c.healthyMs).sort((a, b) => a - b),
      50,
    ),
    idle,
    idleMedianRss: idleMedianRun.totalRss,
    idleMedianRun,
    variants: [],
  };
  for (const [i, variant] of options.variants.entries()) {
    const env = { ...baseEnv, ...variant.env };
    const s = await session(`variant${i + 1}`, env);
    try {
      // A variant naming a tenant (BENCHLING_URL) runs without the sandbox, as the ecosystem then starts it.
      const coldStart = await startAndTime(s, env.BENCHLING_URL ? services.filter((name) => name !== 'benchling-sandbox') : services);
      await sleep(options.settleS * 1000);
      const mem = await snapshot(s);
      result.variants.push({ label: variant.label, coldStart, idle: mem });
      log(`variant ${variant.label}: healthy after ${coldStart.healthyMs.toFixed(0)} ms, idle bundle RSS ${(mem.totalRss / 1048576).toFixed(1)} MiB`);
    } finally {
      await s.kill();
    }
  }

  if (options.loadS > 0) {
    const s = await session('load', { ...baseEnv, ...options.unlimitedRouterEnv, ...UNLIMITED_SANDBOX });
    try {
      await startAndTime(s, services);
      const token = await demoToken(s.dataDir);
      const quilt = {
        url: `${s.routerUrl}/quilt/mcp`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'registries_list', arguments: {} } }),
      };
      await verifyOnce(quilt.url, quilt.headers, quilt.body, /"registries"/);
      const benchling = {
        url: `${s.routerUrl}/benchling/mcp`,
        headers: { 'x-benchling-api-key': 'sandbox-key-alice', 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'projects_list', arguments: {} } }),
      };
      let withBenchling = false;
      if (sandboxIncluded) {
        try {
          await verifyOnce(benchling.url, benchling.headers, benchling.body, /"projects"/);
          withBenchling = true;
        } catch (err) {
          notes.push(`Benchling load skipped: projects_list through the router did not answer as expected (${(err as Error).message.slice(0, 160)}).`);
        }
      }
      const quiltConnections = options.loadConnections;
      const benchlingConnections = Math.max(1, Math.round(options.loadConnections / 4));
      // Every client calls tools/list first and often; the SDK clients accept SSE, so that is the shape here.
      const listHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
      const listBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const lists = [
        { url: `${s.routerUrl}/quilt/mcp`, headers: { ...listHeaders, authorization: quilt.headers.authorization }, body: listBody },
        ...(withBenchling
          ? [{ url: `${s.routerUrl}/benchling/mcp`, headers: { ...listHeaders, 'x-benchling-api-key': 'sandbox-key-alice' }, body: listBody }]
          : []),
      ];
      for (const list of lists) await verifyOnce(list.url, list.headers, list.body, /"tools"/);
      const listConnections = Math.max(1, Math.round(options.loadConnections / 8));
      const restartsBefore = await restartCounts(s);
      // Warm up, then load while sampling every process's RSS.
      await Promise.all([
        runLoad({ ...quilt, connections: quiltConnections, durationS: 2 }),
        withBenchling ? runLoad({ ...benchling, connections: benchlingConnections, durationS: 2 }) : undefined,
        ...lists.map((list) => runLoad({ ...list, connections: listConnections, durationS: 2 })),
      ]);
      const peakPerProcess: Record<string, number> = {};
      let peakTotalRss = 0;
      let peakTotalPss = 0;
      const daemon = s.daemonPid()!;
      const apps = JSON.parse((await s.pm2('jlist')).stdout) as { name: string; pid: number }[];
      const names = new Map<number, string>(apps.map((a) => [a.pid, a.name]));
      names.set(daemon, 'PM2 daemon');
      // The pids are fixed for the run: sample just those (walking /proc for the tree every time costs CPU).
      const pids = processTree(daemon);
      const cpuBefore = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          let rss = 0;
          let pss = 0;
          for (const pid of pids) {
            const mem = memory(pid);
            if (!mem) continue;
            const name = names.get(pid) ?? `other: ${commandName(pid).slice(0, 60)}`;
            peakPerProcess[name] = Math.max(peakPerProcess[name] ?? 0, mem.rss);
            rss += mem.rss;
            pss += mem.pss ?? mem.rss;
          }
          peakTotalRss = Math.max(peakTotalRss, rss);
          peakTotalPss = Math.max(peakTotalPss, pss);
          await sleep(250);
        }
      })();
      const [quiltRun, benchlingRun, ...listRuns] = await Promise.all([
        runLoad({ ...quilt, connections: quiltConnections, durationS: options.loadS }),
        withBenchling ? runLoad({ ...benchling, connections: benchlingConnections, durationS: options.loadS }) : undefined,
        ...lists.map((list) => runLoad({ ...list, connections: listConnections, durationS: options.loadS })),
      ]);
      const requests = quiltRun.ok + (benchlingRun?.ok ?? 0) + listRuns.reduce((sum, run) => sum + (run?.ok ?? 0), 0);
      const cpuMsPerRequest: Record<string, number> = {};
      for (const pid of pids) cpuMsPerRequest[names.get(pid) ?? `pid ${pid}`] = (cpuMs(pid) - cpuBefore.get(pid)!) / Math.max(1, requests);
      sampling = false;
      await sampler;
      const atEnd = await snapshot(s);
      await sleep(options.settleS * 1000);
      const afterSettle = await snapshot(s);
      const restartsAfter = await restartCounts(s);
      result.load = {
        description: `registries_list through the router at ${quiltConnections} connections${withBenchling ? ` plus projects_list (sandbox key) at ${benchlingConnections} connections` : ''}, plus tools/list (2025-era, accepting SSE) on ${withBenchling ? 'each server' : 'quilt-mcp'} at ${listConnections} connection(s), all at once, ${options.loadS} s, router and sandbox limits raised (${Object.entries(
          { ...options.unlimitedRouterEnv, ...UNLIMITED_SANDBOX },
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')})`,
        durationS: options.loadS,
        quilt: loadSummary(quiltRun),
        ...(benchlingRun && { benchling: loadSummary(benchlingRun) }),
        toolsList: listRuns.map((run) => loadSummary(run!)),
        restarts: Object.fromEntries(
          Object.entries(restartsAfter).map(([name, after]) => [name, { ...after, during: after.restarts - (restartsBefore[name]?.restarts ?? 0) }]),
        ),
        peakPerProcess,
        peakTotalRss,
        peakTotalPss,
        cpuMsPerRequest,
        atEnd,
        afterSettle,
      };
      log(
        `under load: peak bundle RSS ${(peakTotalRss / 1048576).toFixed(1)} MiB, ${(quiltRun.ok / quiltRun.durationS).toFixed(0)} quilt req/s through the router under PM2`,
      );
    } finally {
      await s.kill();
    }
  }
  return result;
}
