import type { ProfileSummary } from './cpuprofile.js';
import type { BundleMemory, FootprintResult } from './footprint.js';
import type { MachineInfo } from './machine.js';
import type { ManifestRun } from './manifest.js';
import type { LevelResult } from './overhead.js';
import type { SseShape, SseStats } from './sse.js';
import { fmt, fmtInt, mib } from './util.js';

export interface ProfileResult {
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  cpuMsPerRequest: number;
  profileFile: string;
  /** Env overrides the profiled router was started with (--profile-env). */
  env?: Record<string, string>;
  summary: ProfileSummary;
}

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  wallS?: number;
  machine: MachineInfo;
  machineBusyBefore: number;
  loadavgStart: number[];
  loadavgEnd?: number[];
  options: Record<string, unknown>;
  workload: { description: string; body: string };
  notes: string[];
  errors: { phase: string; message: string }[];
  overhead?: LevelResult[];
  nginxSkipped?: string;
  nginxConf?: string;
  sse?: { shapes: SseShape[]; stats: SseStats[] };
  footprint?: FootprintResult;
  manifest?: { script: string; exists: boolean; runs: ManifestRun[] };
  profile?: ProfileResult;
}

type Verdict = 'PASS' | 'MISS' | 'n/a';

export interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

const MiB = 1024 * 1024;
/** The issue's "MB" is read strictly as 10^6 bytes; figures are shown in MiB and MB. */
const MB = 1e6;

export function evaluateTargets(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const levels = r.overhead ?? [];
  const verdict = (ok: boolean | undefined): Verdict => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS');
  const all = (values: (number | undefined)[], test: (v: number) => boolean): boolean | undefined =>
    values.length && values.every((v) => v !== undefined) ? values.every((v) => test(v!)) : undefined;

  const bOverA = levels.map((l) => l.routerOverDirect);
  rows.push({
    target: 'Router throughput ≥ 0.90× direct (every concurrency level)',
    measured: levels.map((l) => `c=${l.connections}: ${fmt(l.routerOverDirect)}×`).join(', ') || 'not measured',
    verdict: verdict(all(bOverA, (v) => v >= 0.9)),
  });
  const bOverC = levels.map((l) => l.routerOverNginx);
  rows.push({
    target: 'Router throughput ≥ nginx in the same run (every level)',
    measured: r.nginxSkipped
      ? `nginx column skipped: ${r.nginxSkipped}`
      : levels.map((l) => `c=${l.connections}: ${fmt(l.routerOverNginx)}×`).join(', ') || 'not measured',
    verdict: r.nginxSkipped ? 'n/a' : verdict(all(bOverC, (v) => v >= 1)),
  });
  const lowest = levels[0];
  rows.push({
    target: `Added p50 latency (router − direct) ≤ 0.5 ms, judged at the lowest concurrency (c=${lowest?.connections ?? '?'}, no queueing)`,
    measured: levels.map((l) => `c=${l.connections}: ${fmt(l.routerAddedP50, 3)} ms`).join(', ') || 'not measured',
    verdict: verdict(lowest?.routerAddedP50 === undefined ? undefined : lowest.routerAddedP50 <= 0.5),
  });
  const fp = r.footprint;
  const idleMiB = fp ? fp.idleMedianRss / MiB : undefined;
  rows.push({
    target: 'Whole bundle idle RSS (PM2 daemon included) ≤ 250 MB, default configuration',
    measured: fp
      ? `${fmt(idleMiB, 1)} MiB = ${fmt(fp.idleMedianRss / 1e6, 1)} MB (median of ${fp.idle.length} runs; PSS ${mib(fp.idleMedianRun.totalPss)} MiB)${fp.sandboxIncluded ? '' : ' — sandbox NOT included (not built)'}`
      : 'not measured',
    verdict: fp ? (fp.sandboxIncluded ? verdict(fp.idleMedianRss <= 250 * MB) : fp.idleMedianRss > 250 * MB ? 'MISS' : 'n/a') : 'n/a',
  });
  rows.push({
    target: 'Cold start (pm2 start → router /health 200) ≤ 5 s, median',
    measured: fp ? `${fmt(fp.coldStartMedianMs / 1000, 2)} s (runs: ${fp.coldStarts.map((c) => fmt(c.healthyMs / 1000, 2)).join(', ')} s)` : 'not measured',
    verdict: fp ? verdict(fp.coldStartMedianMs <= 5000) : 'n/a',
  });
  const m = r.manifest;
  const at1M = m?.runs.find((x) => x.entries === 1_000_000) ?? m?.runs.at(-1);
  rows.push({
    target: `Manifest top hash ≥ 300k entries/s with peak RSS < 200 MB at 1M entries`,
    measured: !m
      ? 'not measured'
      : !m.exists
        ? 'scripts/bench/manifest-throughput.ts does not exist yet'
        : at1M
          ? `${fmtInt(at1M.entriesPerSecond)} entries/s, peak RSS ${mib(at1M.peakRssBytes)} MiB = ${fmt((at1M.peakRssBytes ?? Number.NaN) / MB, 1)} MB (as the script reports it for the top-hash phase) at ${fmtInt(at1M.entries)} entries${at1M.error ? ` — ${at1M.error}` : ''}`
          : 'no run',
    verdict:
      at1M && at1M.entriesPerSecond !== undefined && (at1M.peakRssBytes ?? at1M.observedPeakRssBytes) !== undefined && at1M.entries >= 1_000_000
        ? verdict(at1M.entriesPerSecond >= 300_000 && (at1M.peakRssBytes ?? at1M.observedPeakRssBytes)! < 200 * MB)
        : 'n/a',
  });
  return rows;
}

function withRange(value: number | undefined, rounds: number[], digits: number): string {
  if (value === undefined) return 'n/a';
  if (rounds.length < 2) return fmt(value, digits);
  return `${fmt(value, digits)} (${fmt(Math.min(...rounds), digits)}–${fmt(Math.max(...rounds), digits)})`;
}

function table(headers: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function memoryTable(mem: BundleMemory, peak?: Record<string, number>): string {
  const rows = mem.processes.map((p) => [
    p.name,
    String(p.pid),
    mib(p.rss),
    mib(p.pss),
    mib(p.anon),
    p.heapUsed !== undefined ? `${mib(p.heapUsed)} / ${mib(p.heapTotal)}` : '—',
    mib(p.external),
    ...(peak ? [mib(peak[p.name])] : []),
  ]);
  rows.push(['**whole bundle**', '', `**${mib(mem.totalRss)}**`, `**${mib(mem.totalPss)}**`, '', '', '', ...(peak ? [''] : [])]);
  return table(
    ['process', 'pid', 'RSS MiB', 'PSS MiB', 'anon MiB', 'V8 heap used / total MiB', 'external MiB', ...(peak ? ['peak RSS under load MiB'] : [])],
    rows,
  );
}

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# labmcp benchmark report`, '');
  out.push(
    `Run ${r.startedAt}${r.finishedAt ? ` → ${r.finishedAt} (${fmt(r.wallS, 0)} s)` : ''}. Generated by \`npm run bench\` (scripts/bench/run.ts). Whole-process figures and ratios, all taken in this one run.`,
    '',
  );
  out.push(`## Machine`, '');
  out.push(
    table(
      ['', ''],
      [
        ['CPU', `${m.cores} cores, ${m.cpuModel}`],
        ['Memory', `${fmt(m.memoryBytes / 1024 ** 3, 1)} GiB`],
        ['OS / kernel', `${m.os} / ${m.kernel}`],
        ['Node', m.node],
        ['PM2 / autocannon / nginx', `${m.pm2} / ${m.autocannon} / ${m.nginx ?? 'not installed'}`],
        ['Machine busy before the run', `${fmt(r.machineBusyBefore * 100, 0)}% of all cores (other work on the machine)`],
        ['Load average start → end', `${r.loadavgStart.map((x) => x.toFixed(2)).join(' ')} → ${r.loadavgEnd?.map((x) => x.toFixed(2)).join(' ') ?? '?'}`],
      ],
    ),
    '',
  );
  out.push(
    `Nothing is pinned: the load generator (autocannon, in the benchmark's own process) competes with the servers for the same ${m.cores} cores, as a co-located client would. Options: \`${JSON.stringify(r.options)}\`.`,
    '',
  );

  out.push(`## Targets`, '');
  out.push(
    table(
      ['target', 'measured', 'verdict'],
      evaluateTargets(r).map((t) => [t.target, t.measured, `**${t.verdict}**`]),
    ),
    '',
  );

  if (r.errors.length) {
    out.push(`## Errors`, '');
    for (const e of r.errors) out.push(`- **${e.phase}**: ${e.message}`);
    out.push('');
  }

  if (r.overhead) {
    out.push(`## Router overhead`, '');
    out.push(`Workload: ${r.workload.description}`, '', '```json', r.workload.body, '```', '');
    if (r.nginxSkipped) out.push(`> nginx column skipped: ${r.nginxSkipped}`, '');
    if (r.overhead.some((l) => l.targets.bare))
      out.push(
        "(d) is a reference, not a product: `scripts/bench/lib/bare-proxy.ts`, a bare node:http reverse proxy (keep-alive agent, prefix strip, pipe both ways; no logging, metrics, limits or header policy). It is the floor for any hop written in Node, so b/d is the price of the router's own features and d/a the price of a Node hop as such.",
        '',
      );
    const rows: string[][] = [];
    for (const level of r.overhead) {
      for (const t of Object.values(level.targets)) {
        const cpu = Object.entries(t.cpuMsPerRequest)
          .filter(([, v]) => v >= 0.005)
          .map(([k, v]) => `${k} ${fmt(v, 3)}`)
          .join(', ');
        rows.push([
          String(level.connections),
          t.label,
          `${fmtInt(t.rps)} (${t.roundRps.map((x) => fmtInt(x)).join(' / ')})`,
          fmt(t.p50, 3),
          fmt(t.p95, 3),
          fmt(t.p99, 3),
          fmtInt(t.ok),
          t.non2xx + t.errors + t.timeouts ? `${t.non2xx} non-2xx, ${t.errors} errors, ${t.timeouts} timeouts` : '0',
          cpu,
          `${fmt(t.backgroundShare * 100, 0)}% (${t.roundBackground.map((x) => fmt(x * 100, 0)).join(' / ')})`,
        ]);
      }
    }
    out.push(
      table(
        [
          'conc.',
          'path',
          'req/s (per round)',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'requests',
          'failures',
          'CPU ms per request',
          'other work on the machine (per round)',
        ],
        rows,
      ),
      '',
    );
    out.push(
      table(
        ['conc.', 'b/a (router/direct)', 'b/c (router/nginx)', 'added p50 b−a ms', 'added p99 b−a ms (pooled)'],
        r.overhead.map((l) => [
          String(l.connections),
          withRange(l.routerOverDirect, l.roundRatios.routerOverDirect, 3),
          withRange(l.routerOverNginx, l.roundRatios.routerOverNginx, 3),
          withRange(l.routerAddedP50, l.roundRatios.routerAddedP50, 3),
          fmt(l.routerAddedP99, 3),
        ]),
      ),
      '',
      'Ratios and the added p50 are the median of the per-round values (min–max in brackets): within a round the paths run back to back, so pairing them cancels most of the drift in what else the machine is doing. The per-path table above pools all rounds.',
      '',
      'Every path against direct and against the router:',
      '',
      table(
        [
          'conc.',
          'path',
          'throughput ÷ direct (pooled)',
          'router ÷ this path (pooled)',
          'added p50 vs direct, ms (pooled)',
          'added p99 vs direct, ms (pooled)',
          'proxy CPU ms per request',
        ],
        r.overhead.flatMap((l) => {
          const direct = l.targets.direct;
          const router = l.targets.router;
          return Object.values(l.targets)
            .filter((t) => t.key !== 'direct')
            .map((t) => {
              const proxyCpu = Object.entries(t.cpuMsPerRequest)
                .filter(([k]) => k !== 'quilt-mcp' && k !== 'load generator')
                .reduce((max, [, v]) => Math.max(max, v), 0);
              return [
                String(l.connections),
                t.label,
                direct ? fmt(t.rps / direct.rps, 3) : 'n/a',
                router ? fmt(router.rps / t.rps, 3) : 'n/a',
                direct ? fmt(t.p50 - direct.p50, 3) : 'n/a',
                direct ? fmt(t.p99 - direct.p99, 3) : 'n/a',
                fmt(proxyCpu, 3),
              ];
            });
        }),
      ),
      '',
    );
    out.push(
      'Latency is per request as the client sees it, at full resolution (recorded from each autocannon response, not from its whole-millisecond histogram). "CPU ms per request" is each process group\'s user+system CPU time (from /proc) over the measurement divided by the successful requests: the real price of a hop. "Other work on the machine" is the CPU that processes outside the benchmark used meanwhile, as a share of all cores (machine busy time from /proc/stat minus the benchmark\'s own processes): when it is high, absolute figures are depressed and noisy, while the ratios, interleaved, stay comparable. Each row merges the rounds, which alternate the order of the paths.',
      '',
    );
    if (r.nginxConf) out.push('<details><summary>generated nginx.conf</summary>', '', '```nginx', r.nginxConf.trim(), '```', '', '</details>', '');
  }

  if (r.sse) {
    out.push(`## SSE (streamed answers)`, '');
    out.push('Shapes measured (one request at a time on a keep-alive connection, the paths alternated request by request):', '');
    for (const s of r.sse.shapes) out.push(`- **${s.key}**: ${s.description}`);
    out.push('');
    const rows = r.sse.stats.map((s) => [
      s.shape,
      s.target,
      `${s.contentType.split(';')[0]}${s.contentType.startsWith('text/event-stream') ? `, ${s.events} event(s)` : ''}`,
      `${fmt(s.headers.p50, 3)} / ${fmt(s.headers.p95, 3)}`,
      `${fmt(s.firstEvent.p50, 3)} / ${fmt(s.firstEvent.p95, 3)}`,
      s.gap ? `${fmt(s.gap.p50, 3)} / ${fmt(s.gap.p95, 3)}` : '—',
      `${fmt(s.total.p50, 3)} / ${fmt(s.total.p95, 3)}`,
      String(s.n),
    ]);
    out.push(
      table(['request', 'path', 'answer', 'headers p50/p95 ms', 'first event p50/p95 ms', 'between events p50/p95 ms', 'end of stream p50/p95 ms', 'n'], rows),
      '',
    );
    const byShape = new Map<string, Map<string, SseStats>>();
    for (const s of r.sse.stats) byShape.set(s.shape, (byShape.get(s.shape) ?? new Map()).set(s.target, s));
    const diffs: string[] = [];
    for (const [shape, targets] of byShape) {
      const d = targets.get('direct');
      const rt = targets.get('router');
      if (d && rt)
        diffs.push(
          `- ${shape}: the router adds ${fmt(rt.firstEvent.p50 - d.firstEvent.p50, 3)} ms to the first event and ${fmt(rt.total.p50 - d.total.p50, 3)} ms to the end of the stream (p50).`,
        );
    }
    out.push(...diffs, '');
    const multi = r.sse.stats.some((s) => s.events > 1);
    if (!multi) {
      out.push(
        'No current tool streams more than one event (no tool emits progress notifications before its result), so "per-event latency" is not measurable yet: each SSE answer is a single `message` event carrying the result. Time to first event is therefore the time to the result. The current-revision call with a progress token is answered as plain JSON for the same reason. `--sse-tool <name> --sse-args <json>` measures another tool once one streams progress.',
        '',
      );
    }
  }

  if (r.footprint) {
    const fp = r.footprint;
    out.push(`## Footprint under PM2`, '');
    out.push(
      "The bundle as users run it: `pm2 start ecosystem.config.js` with a private `PM2_HOME`, fresh data and log dirs and free loopback ports, default configuration otherwise. RSS is VmRSS from /proc/<pid>/status of the PM2 daemon and everything under it; PSS (from smaps_rollup) shares the pages the Node processes have in common, so its sum does not double count. The V8 heap figures are each process's own /metrics.",
      '',
    );
    for (const note of fp.notes) out.push(`> ${note}`, '');
    out.push(`### Cold start`, '');
    const coldColumns = ['router', 'quilt-mcp', 'benchling-mcp', 'benchling-sandbox'].filter((k) => fp.coldStarts.some((c) => c.perProcessMs[k] !== undefined));
    out.push(
      table(
        [
          'run',
          'router /health 200: all healthy (s)',
          '`pm2 start` returned (s)',
          ...coldColumns.map((k) => (k === 'router' ? 'router listening (s)' : `${k} /health 200 (s)`)),
        ],
        fp.coldStarts.map((c, i) => [
          String(i + 1),
          fmt(c.healthyMs / 1000, 2),
          fmt(c.pm2CommandMs / 1000, 2),
          ...coldColumns.map((k) => fmt((c.perProcessMs[k] ?? Number.NaN) / 1000, 2)),
        ]),
      ),
      '',
      `Median: **${fmt(fp.coldStartMedianMs / 1000, 2)} s** (each run from a fresh PM2_HOME, so it includes starting the PM2 daemon, and a fresh data dir). PM2 starts the apps two at a time (its default PM2_CONCURRENT_ACTIONS) and, with \`wait_ready\`, each counts as started once it listens.`,
      '',
    );
    const cpuNames = [...new Set(fp.coldStarts.flatMap((c) => Object.keys(c.startCpuMs)))];
    if (cpuNames.length) {
      out.push(
        'CPU time each process had used by the time the bundle was healthy (the work of starting; the `pm2` CLI itself is not included):',
        '',
        table(
          ['run', ...cpuNames.map((n) => `${n} CPU s`), 'sum CPU s'],
          fp.coldStarts.map((c, i) => [
            String(i + 1),
            ...cpuNames.map((n) => fmt((c.startCpuMs[n] ?? Number.NaN) / 1000, 2)),
            fmt(Object.values(c.startCpuMs).reduce((a, b) => a + b, 0) / 1000, 2),
          ]),
        ),
        '',
      );
    }
    out.push(`### Idle (default configuration)`, '');
    out.push(
      `Whole bundle, per run (after ${r.options.settle ?? '?'} s idle): ${fp.idle.map((x) => `${mib(x.totalRss)} MiB`).join(', ')}. The median run:`,
      '',
    );
    out.push(memoryTable(fp.idleMedianRun), '');
    if (fp.variants.length) {
      out.push('Other configurations (one cold start each, same idle wait), for comparison with the default:', '');
      const names = [...new Set([...fp.idleMedianRun.processes, ...fp.variants.flatMap((v) => v.idle.processes)].map((p) => p.name))];
      const rssOf = (mem: BundleMemory, name: string) => mib(mem.processes.find((p) => p.name === name)?.rss);
      out.push(
        table(
          ['configuration', 'cold start s', ...names.map((n) => `${n} RSS MiB`), 'bundle RSS MiB', 'bundle PSS MiB'],
          [
            [
              'default (median run above)',
              fmt(fp.coldStartMedianMs / 1000, 2),
              ...names.map((n) => rssOf(fp.idleMedianRun, n)),
              mib(fp.idleMedianRun.totalRss),
              mib(fp.idleMedianRun.totalPss),
            ],
            ...fp.variants.map((v) => [
              v.label,
              fmt(v.coldStart.healthyMs / 1000, 2),
              ...names.map((n) => rssOf(v.idle, n)),
              mib(v.idle.totalRss),
              mib(v.idle.totalPss),
            ]),
          ],
        ),
        '',
      );
    }
    if (fp.load) {
      out.push(`### Under load`, '');
      out.push(`Load: ${fp.load.description}.`, '');
      out.push(
        `Achieved through the router under PM2: quilt ${fmtInt(fp.load.quilt.rps)} req/s (p50 ${fmt(fp.load.quilt.p50, 2)} ms, p99 ${fmt(fp.load.quilt.p99, 2)} ms, ${fp.load.quilt.non2xx} non-2xx, ${fp.load.quilt.errors} errors)${fp.load.benchling ? `; benchling ${fmtInt(fp.load.benchling.rps)} req/s (p50 ${fmt(fp.load.benchling.p50, 2)} ms, ${fp.load.benchling.non2xx} non-2xx, ${fp.load.benchling.errors} errors)` : ''}.`,
        '',
      );
      out.push(
        ...(fp.load.toolsList ?? []).map(
          (l, i) =>
            `tools/list ${i === 0 ? 'quilt' : 'benchling'}: ${fmtInt(l.rps)} req/s (p50 ${fmt(l.p50, 2)} ms, p99 ${fmt(l.p99, 2)} ms, ${l.non2xx} non-2xx, ${l.errors} errors).`,
        ),
        ...(fp.load.restarts
          ? [
              `PM2 restarts: ${Object.entries(fp.load.restarts)
                .map(
                  ([name, r]) =>
                    `${name} ${r.during} during the load (${r.restarts} in all; peak RSS ${mib(fp.load!.peakPerProcess[name])} MiB of its ${r.maxMemoryRestart ? `${mib(r.maxMemoryRestart)} MiB` : 'no'} threshold)`,
                )
                .join(', ')}.`,
            ]
          : []),
        `CPU per request during the load (all requests of the load): ${Object.entries(fp.load.cpuMsPerRequest)
          .map(([name, ms]) => `${name} ${fmt(ms, 3)} ms`)
          .join(', ')}.`,
        '',
      );
      out.push(
        `Peak whole-bundle RSS during the load: **${mib(fp.load.peakTotalRss)} MiB** (PSS ${mib(fp.load.peakTotalPss)} MiB). At the end of the load:`,
        '',
      );
      out.push(memoryTable(fp.load.atEnd, fp.load.peakPerProcess), '');
      out.push(
        `${r.options.settle ?? '?'} s after the load: whole bundle ${mib(fp.load.afterSettle.totalRss)} MiB (${fp.load.afterSettle.processes.map((p) => `${p.name} ${mib(p.rss)}`).join(', ')}).`,
        '',
      );
    }
  }

  if (r.manifest) {
    const mf = r.manifest;
    out.push(`## Manifest throughput`, '');
    if (!mf.exists) out.push(`\`${mf.script}\` does not exist yet (it is written by another engineer), so this section has no figures.`, '');
    else {
      out.push(
        table(
          [
            'entries',
            'top hash entries/s (reported)',
            'top hash entries per CPU-s (reported)',
            'top hash peak RSS MiB (reported)',
            'highest VmHWM of any process of the run, MiB (seen from outside)',
            'wall s (fixture writing and all phases)',
            'status',
          ],
          mf.runs.map((x) => [
            fmtInt(x.entries),
            fmtInt(x.entriesPerSecond),
            fmtInt(x.entriesPerCpuSecond),
            mib(x.peakRssBytes),
            mib(x.observedPeakRssBytes),
            fmt(x.wallMs / 1000, 2),
            x.error ?? 'ok',
          ]),
        ),
        '',
      );
      const rated = mf.runs.filter((x) => x.entriesPerSecond !== undefined);
      if (rated.length >= 2) {
        const first = rated[0]!;
        const last = rated.at(-1)!;
        // Time per entry at the largest size against the next largest (the smallest is dominated by fixed costs:
        // process start, JIT warm-up), and against the smallest.
        const prev = rated.at(-2)!;
        const growth = (a: ManifestRun, b: ManifestRun) => a.entriesPerSecond! / b.entriesPerSecond! - 1; // >0: b costs more per entry
        const g = growth(prev, last);
        const gAll = growth(first, last);
        const pct = (x: number) => `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x) * 100, 0)}%`;
        const verdictText =
          g <= 0.25
            ? `linear or better — time per entry at ${fmtInt(last.entries)} entries is ${pct(g)} against ${fmtInt(prev.entries)} (${pct(gAll)} against ${fmtInt(first.entries)}; small sizes carry fixed start-up and JIT warm-up costs), so total cost grows no faster than the entry count`
            : `worse than linear — time per entry at ${fmtInt(last.entries)} entries is ${pct(g)} against ${fmtInt(prev.entries)} (${pct(gAll)} against ${fmtInt(first.entries)})`;
        const memText =
          last.peakRssBytes !== undefined && first.peakRssBytes !== undefined
            ? ` Peak RSS goes from ${mib(first.peakRssBytes)} to ${mib(last.peakRssBytes)} MiB (×${fmt(last.peakRssBytes / first.peakRssBytes, 2)} for ×${fmt(last.entries / first.entries, 0)} entries).`
            : '';
        out.push(`Cost growth: ${verdictText}.${memText}`, '');
      }
      for (const x of mf.runs)
        out.push(`<details><summary>output, ${fmtInt(x.entries)} entries</summary>`, '', '```', x.output || '(no output)', '```', '', '</details>', '');
    }
  }

  if (r.profile) {
    const p = r.profile;
    out.push(`## Router CPU profile`, '');
    out.push(
      `\`node --cpu-prof\` on a second router process (same configuration, limits raised${
        p.env
          ? `, and ${Object.entries(p.env)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`
          : ''
      }) forwarding ${fmtInt(p.requests)} requests at ${p.connections} connections for ${p.durationS} s (${fmtInt(p.rps)} req/s). Router CPU from /proc: **${fmt(p.cpuMsPerRequest, 3)} ms per request**; the profile saw ${fmt(p.summary.busyMs, 0)} ms busy out of ${fmt(p.summary.totalMs, 0)} ms${p.summary.windowed ? ' (only the samples inside the measured load, start-up and warm-up excluded)' : ' (the whole process lifetime: start-up and warm-up included)'}. Profile: \`${p.profileFile}\` (open in Chrome DevTools or speedscope).`,
      '',
    );
    out.push('Self time by area (share of busy time):', '');
    out.push(
      table(
        ['area', 'ms', 'share', 'µs per request'],
        p.summary.selfByCategory.map((x) => [x.name, fmt(x.ms, 0), `${fmt(x.share * 100, 1)}%`, fmt((x.ms * 1000) / p.requests, 1)]),
      ),
      '',
    );
    out.push('Top functions by self time:', '');
    out.push(
      table(
        ['function', 'where', 'ms', 'share'],
        p.summary.selfByFunction.map((x) => [x.name, x.where, fmt(x.ms, 0), `${fmt(x.share * 100, 1)}%`]),
      ),
      '',
    );
    out.push('Top functions by inclusive time (everything under them):', '');
    out.push(
      table(
        ['function', 'where', 'ms', 'share'],
        p.summary.inclusiveByFunction.map((x) => [x.name, x.where, fmt(x.ms, 0), `${fmt(x.share * 100, 1)}%`]),
      ),
      '',
    );
  }

  if (r.notes.length) {
    out.push(`## Notes`, '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}
