// Router overhead: the same MCP tools/call load straight to quilt-mcp, through the router, through nginx,
// interleaved in rounds (so drifting background load hits all three alike), with a warm-up before each measurement.
import { type LoadRun, runLoad } from './load.js';
import { isInterrupted } from './processes.js';
import { cpuMs, machineCpuMs, processTree } from './procfs.js';
import { log, median, percentileSorted, Samples, sleep } from './util.js';

/** 'direct', 'router', 'nginx', 'bare', or a router variant ('variant1'...). */
export type TargetKey = string;

export interface Target {
  key: TargetKey;
  label: string;
  url: string;
}

export interface TargetResult {
  key: TargetKey;
  label: string;
  connections: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationS: number;
  rps: number;
  roundRps: number[];
  /** p50 of each round, ms (rounds are paired across paths: round r of every path ran back to back). */
  roundP50: number[];
  /** Other work's share of the CPUs during each round. */
  roundBackground: number[];
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** CPU ms per successful request, per server-side process group (quilt-mcp, router, nginx) and the load generator. */
  cpuMsPerRequest: Record<string, number>;
  /**
   * CPU that other work on the machine used during the measurements (machine busy time minus this benchmark's
   * own processes), as a share of all cores: how much of the machine the measurement did not have.
   */
  backgroundShare: number;
}

export interface LevelResult {
  connections: number;
  /**
   * Ratios and differences below are medians of per-round values: within a round the paths run back to back, so
   * a burst of other work on the machine hits a pair alike more often than it hits pooled totals.
   */
  roundRatios: { routerOverDirect: number[]; routerOverNginx: number[]; routerAddedP50: number[] };
  /** By key, in the order the paths were given. */
  targets: Record<TargetKey, TargetResult>;
  /** b/a: router throughput over direct. */
  routerOverDirect?: number;
  /** b/c: router throughput over nginx. */
  routerOverNginx?: number;
  nginxOverDirect?: number;
  /** Router over the bare Node proxy: what the router's features cost on top of a Node hop. */
  routerOverBare?: number;
  bareOverDirect?: number;
  bareAddedP50?: number;
  /** b − a at p50, ms. */
  routerAddedP50?: number;
  nginxAddedP50?: number;
  routerAddedP99?: number;
}

export interface OverheadOptions {
  targets: Target[];
  /** Processes whose CPU is accounted, by label (a tree root: nginx's workers are its children). */
  processes: Record<string, number>;
  headers: Record<string, string>;
  body: string;
  levels: number[];
  rounds: number;
  durationS: number;
  warmupS: number;
  /**
   * Load on every path (8 connections) before the first level: the processes are fresh, and the lowest level's
   * 1 s warm-ups alone leave V8 still compiling the hot paths into the first measurements (seen in profiles as
   * optimising-compiler time, and more of it for the router than for the bare hop).
   */
  initialWarmupS?: number;
  /** Before each round, wait (up to quietMaxWaitMs) until other work uses at most this share of the CPUs. */
  quietBelow?: number;
  quietMaxWaitMs?: number;
}

/** Waits until other work on the machine is light, or the time is up; says how it went. */
export async function waitQuiet(limit: number, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const a = machineCpuMs();
    await sleep(1000);
    const b = machineCpuMs();
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    if (busy <= limit) return;
    if (Date.now() > deadline) {
      log(`other work still uses ${(busy * 100).toFixed(0)}% of the CPUs; measuring anyway`);
      return;
    }
  }
}

function cpuOfTree(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + cpuMs(pid), 0);
}

export async function measureOverhead(options: OverheadOptions): Promise<LevelResult[]> {
  const levels: LevelResult[] = [];
  if (options.initialWarmupS) {
    for (const target of options.targets) {
      await runLoad({ url: target.url, headers: options.headers, body: options.body, connections: 8, durationS: options.initialWarmupS });
    }
  }
  for (const connections of options.levels) {
    const acc = new Map<
      TargetKey,
      { runs: LoadRun[]; latencies: Samples; cpu: Record<string, number>; background: number; machineTotal: number; roundBackground: number[] }
    >();
    for (let round = 0; round < options.rounds; round++) {
      if (options.quietBelow !== undefined) await waitQuiet(options.quietBelow, options.quietMaxWaitMs ?? 20_000);
      // ABC, CBA, ABC...: neither target always runs first, or right after the heaviest.
      const order = round % 2 === 0 ? options.targets : [...options.targets].reverse();
      for (const target of order) {
        if (isInterrupted()) throw new Error('interrupted');
        const spec = { url: target.url, headers: options.headers, body: options.body, connections };
        await runLoad({ ...spec, durationS: options.warmupS });
        const before = Object.fromEntries(Object.entries(options.processes).map(([label, pid]) => [label, cpuOfTree(pid)]));
        const machineBefore = machineCpuMs();
        const selfBefore = process.cpuUsage();
        const run = await runLoad({ ...spec, durationS: options.durationS });
        const machineAfter = machineCpuMs();
        const self = process.cpuUsage(selfBefore);
        const entry = acc.get(target.key) ?? { runs: [], latencies: new Samples(), cpu: {}, background: 0, machineTotal: 0, roundBackground: [] };
        let ours = (self.user + self.system) / 1000;
        for (const [label, pid] of Object.entries(options.processes)) {
          const used = cpuOfTree(pid) - before[label]!;
          entry.cpu[label] = (entry.cpu[label] ?? 0) + used;
          ours += used;
        }
        const background = Math.max(0, machineAfter.busy - machineBefore.busy - ours);
        entry.background += background;
        entry.machineTotal += machineAfter.total - machineBefore.total;
        entry.roundBackground.push(background / Math.max(1, machineAfter.total - machineBefore.total));
        entry.cpu['load generator'] = (entry.cpu['load generator'] ?? 0) + run.loadGenCpuMs;
        entry.runs.push(run);
        entry.latencies.append(run.latencies);
        acc.set(target.key, entry);
        log(
          `c=${connections} round ${round + 1}/${options.rounds} ${target.label}: ${(run.ok / run.durationS).toFixed(0)} req/s, ${run.non2xx} non-2xx, ${run.errors} errors, other work ${(entry.roundBackground.at(-1)! * 100).toFixed(0)}%`,
        );
      }
    }
    const level: LevelResult = { connections, targets: {}, roundRatios: { routerOverDirect: [], routerOverNginx: [], routerAddedP50: [] } };
    for (const target of options.targets) {
      const entry = acc.get(target.key);
      if (!entry) continue;
      const sorted = entry.latencies.sorted();
      const ok = entry.runs.reduce((s, r) => s + r.ok, 0);
      const durationS = entry.runs.reduce((s, r) => s + r.durationS, 0);
      const statusCodes: Record<string, number> = {};
      for (const run of entry.runs) for (const [code, n] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
      let sum = 0;
      for (const v of sorted) sum += v;
      level.targets[target.key] = {
        key: target.key,
        label: target.label,
        connections,
        ok,
        non2xx: entry.runs.reduce((s, r) => s + r.non2xx, 0),
        errors: entry.runs.reduce((s, r) => s + r.errors, 0),
        timeouts: entry.runs.reduce((s, r) => s + r.timeouts, 0),
        statusCodes,
        durationS,
        rps: ok / durationS,
        roundRps: entry.runs.map((r) => r.ok / r.durationS),
        roundP50: entry.runs.map((r) => percentileSorted(r.latencies.sorted(), 50)),
        roundBackground: entry.roundBackground,
        p50: percentileSorted(sorted, 50),
        p95: percentileSorted(sorted, 95),
        p99: percentileSorted(sorted, 99),
        mean: sorted.length ? sum / sorted.length : Number.NaN,
        cpuMsPerRequest: Object.fromEntries(Object.entries(entry.cpu).map(([label, ms]) => [label, ok ? ms / ok : Number.NaN])),
        backgroundShare: entry.machineTotal > 0 ? entry.background / entry.machineTotal : Number.NaN,
      };
    }
    const { direct, router, nginx, bare } = level.targets;
    const perRound = (a: TargetResult, b: TargetResult, f: (a: TargetResult, b: TargetResult, r: number) => number) =>
      a.roundRps.map((_, r) => f(a, b, r)).filter((v) => Number.isFinite(v));
    if (router && direct) {
      level.roundRatios.routerOverDirect = perRound(router, direct, (x, y, r) => x.roundRps[r]! / y.roundRps[r]!);
      level.roundRatios.routerAddedP50 = perRound(router, direct, (x, y, r) => x.roundP50[r]! - y.roundP50[r]!);
      level.routerOverDirect = median(level.roundRatios.routerOverDirect);
      level.routerAddedP50 = median(level.roundRatios.routerAddedP50);
      level.routerAddedP99 = router.p99 - direct.p99;
    }
    if (router && nginx) {
      level.roundRatios.routerOverNginx = perRound(router, nginx, (x, y, r) => x.roundRps[r]! / y.roundRps[r]!);
      level.routerOverNginx = median(level.roundRatios.routerOverNginx);
    }
    if (nginx && direct) {
      level.nginxOverDirect = median(perRound(nginx, direct, (x, y, r) => x.roundRps[r]! / y.roundRps[r]!));
      level.nginxAddedP50 = median(perRound(nginx, direct, (x, y, r) => x.roundP50[r]! - y.roundP50[r]!));
    }
    if (router && bare) level.routerOverBare = median(perRound(router, bare, (x, y, r) => x.roundRps[r]! / y.roundRps[r]!));
    if (bare && direct) {
      level.bareOverDirect = median(perRound(bare, direct, (x, y, r) => x.roundRps[r]! / y.roundRps[r]!));
      level.bareAddedP50 = median(perRound(bare, direct, (x, y, r) => x.roundP50[r]! - y.roundP50[r]!));
    }
    levels.push(level);
  }
  return levels;
}
