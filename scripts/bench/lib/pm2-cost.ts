// What PM2 adds to a process's CPU per request: quilt-mcp started directly and under PM2 (the repo's
// ecosystem.config.js, its `quilt-mcp` app alone, in a private PM2_HOME), the same request at the same
// concurrency straight to quilt-mcp's port (no router), rounds alternating. Variants override the app's PM2
// options (a generated process file that requires the repo's and changes one app), to find where the cost is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { session } from './footprint.js';
import { runLoad, verifyOnce } from './load.js';
import { cpuMs } from './procfs.js';
import { demoToken, directBundle } from './services.js';
import { httpOk, log, median, repoRoot, sleep, waitFor } from './util.js';

export interface Pm2Variant {
  label: string;
  /** PM2 app options laid over the repo's quilt-mcp app (null removes one). */
  app: Record<string, unknown>;
}

export interface Pm2CostOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  /**
   * A fixed request rate for every target (req/s). CPU per request includes each process's fixed work per second
   * (timers, GC, metrics), so targets compared at different throughputs differ by that alone; at one rate they do not.
   */
  rate?: number;
  variants: Pm2Variant[];
  /** Environment for quilt-mcp in every target, direct and under PM2 (e.g. LOG_LEVEL=warn). */
  env?: Record<string, string>;
  /**
   * Node flags for the process started directly (none by default). Given the repo's node_args, "× direct" is what
   * PM2 itself adds; without them it also holds what the flags cost.
   */
  directNodeArgs?: string[];
}

export interface Pm2CostRow {
  label: string;
  /** quilt-mcp CPU ms per request, per round. */
  appCpuMs: number[];
  /** The PM2 daemon's CPU ms per request, per round (0 for direct). */
  daemonCpuMs: number[];
  rps: number[];
}

export interface Pm2CostResult {
  options: Omit<Pm2CostOptions, 'variants'>;
  workload: string;
  rows: Pm2CostRow[];
}

const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'registries_list', arguments: {} } });

interface Target {
  label: string;
  url: string;
  appPid: number;
  daemonPid?: number;
  stop: () => Promise<void>;
}

async function direct(env: Record<string, string>, nodeArgs: string[]): Promise<Target & { dataDir: string }> {
  const bundle = await directBundle(env);
  const child = await bundle.start('quilt-mcp', { nodeArgs });
  return {
    label: nodeArgs.length > 0 ? `direct, ${nodeArgs.join(' ')}` : 'direct',
    url: `http://127.0.0.1:${bundle.ports['quilt-mcp']}/mcp`,
    appPid: child.pid,
    dataDir: bundle.dataDir,
    stop: () => child.stop(),
  };
}

async function underPm2(variant: Pm2Variant, dataDir: string, env: Record<string, string>): Promise<Target> {
  // The same data dir as the direct process: same registry, same demo signing key (one token for all).
  const s = await session(variant.label.replace(/\W+/g, '-'), { ...env, LABMCP_DATA_DIR: dataDir });
  const file = path.join(s.base, 'bench-ecosystem.config.js');
  writeFileSync(
    file,
    `const { apps } = require(${JSON.stringify(path.join(repoRoot, 'ecosystem.config.js'))});\n` +
      // null removes an option.
      `const base = apps.find((a) => a.name === 'quilt-mcp');\n` +
      `const variant = ${JSON.stringify(variant.app)};\n` +
      // A variant's env adds to the app's (which names the log directory) rather than replacing it.
      'const app = { ...base, ...variant, env: { ...base.env, ...variant.env } };\n' +
      'for (const key of Object.keys(app)) if (app[key] === null) delete app[key];\n' +
      'module.exports = { apps: [app] };\n',
  );
  await s.pm2('start', file);
  try {
    await waitFor(`quilt-mcp under PM2 (${variant.label})`, () => httpOk(`http://127.0.0.1:${s.ports['quilt-mcp']}/health`), 30_000);
  } catch (err) {
    const logs = path.join(s.env.LABMCP_LOG_DIR!, 'quilt-mcp.err.log');
    await s.kill();
    throw new Error(`${(err as Error).message}; ${logs}: ${existsSync(logs) ? readFileSync(logs, 'utf8').slice(-2000) : 'none'}`);
  }
  const apps = JSON.parse((await s.pm2('jlist')).stdout) as { name: string; pid: number }[];
  const app = apps.find((a) => a.name === 'quilt-mcp');
  if (!app) throw new Error('quilt-mcp is not in pm2 jlist');
  const daemonPid = s.daemonPid();
  return {
    label: variant.label,
    url: `http://127.0.0.1:${s.ports['quilt-mcp']}/mcp`,
    appPid: app.pid,
    ...(daemonPid !== undefined && { daemonPid }),
    stop: () => s.kill(),
  };
}

export async function measurePm2Cost(options: Pm2CostOptions): Promise<Pm2CostResult> {
  const base = await direct(options.env ?? {}, options.directNodeArgs ?? []);
  const targets: Target[] = [base];
  try {
    for (const variant of options.variants) targets.push(await underPm2(variant, base.dataDir, options.env ?? {}));
    const token = await demoToken(base.dataDir);
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${token}` };
    for (const target of targets) await verifyOnce(target.url, headers, BODY, /"registries"/);
    const rows: Pm2CostRow[] = targets.map((t) => ({ label: t.label, appCpuMs: [], daemonCpuMs: [], rps: [] }));
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order each round, so drift in the machine's other work hits every target alike.
      const order = targets.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const target = targets[i]!;
        const spec = { url: target.url, headers, body: BODY, connections: options.connections, ...(options.rate !== undefined && { rate: options.rate }) };
        await runLoad({ ...spec, durationS: options.warmupS });
        const app0 = cpuMs(target.appPid);
        const daemon0 = target.daemonPid ? cpuMs(target.daemonPid) : 0;
        const run = await runLoad({ ...spec, durationS: options.durationS });
        const app = cpuMs(target.appPid) - app0;
        const daemon = target.daemonPid ? cpuMs(target.daemonPid) - daemon0 : 0;
        const row = rows[i]!;
        row.appCpuMs.push(app / run.ok);
        row.daemonCpuMs.push(daemon / run.ok);
        row.rps.push(run.ok / run.durationS);
        log(
          `pm2 cost round ${round + 1}: ${target.label}: ${(run.ok / run.durationS).toFixed(0)} req/s, app ${(app / run.ok).toFixed(3)} ms/req, daemon ${(daemon / run.ok).toFixed(3)} ms/req`,
        );
        await sleep(200);
      }
    }
    return {
      options: {
        connections: options.connections,
        durationS: options.durationS,
        warmupS: options.warmupS,
        rounds: options.rounds,
        ...(options.rate !== undefined && { rate: options.rate }),
      },
      workload: 'quilt-mcp tools/call registries_list (2025, JSON)',
      rows,
    };
  } finally {
    for (const target of targets.reverse()) await target.stop().catch(() => {});
  }
}

export function renderPm2Cost(result: Pm2CostResult): string {
  const direct = result.rows[0]!;
  const directCpu = median(direct.appCpuMs);
  const lines = [
    '| how quilt-mcp runs | req/s (median) | quilt-mcp CPU ms/req | × direct | PM2 daemon CPU ms/req | (app + daemon) × direct |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of result.rows) {
    const app = median(row.appCpuMs);
    const daemon = median(row.daemonCpuMs);
    lines.push(
      `| ${row.label} | ${median(row.rps).toFixed(0)} | ${app.toFixed(3)} (${row.appCpuMs.map((v) => v.toFixed(3)).join(', ')}) | ${(app / directCpu).toFixed(2)} | ${daemon.toFixed(3)} | ${((app + daemon) / directCpu).toFixed(2)} |`,
    );
  }
  return [
    `${result.workload}${
      result.options.env
        ? ` (quilt-mcp with ${Object.entries(result.options.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`
        : ''
    }, ${result.options.connections} connections${result.options.rate !== undefined ? ` at a fixed ${result.options.rate} req/s` : ''} straight to quilt-mcp's port, ${result.options.rounds} rounds of ${result.options.warmupS} s warm-up + ${result.options.durationS} s, targets alternating; CPU from /proc, medians of the rounds.`,
    '',
    ...lines,
  ].join('\n');
}
