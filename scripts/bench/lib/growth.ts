// How the cost of quilt-mcp's manifest tools grows (issue #16): time and quilt-mcp's peak RSS of `package_browse`
// (first page), `package_verify` (top hash, no file reads) and `search` as one package's manifest grows, and of
// `search` as the number of packages grows. A real quilt-mcp, direct, with one local registry per size
// (QUILT_REGISTRIES), packages written with the server's own Registry.pushRevision; each call over HTTP, VmHWM
// reset before it (/proc/<pid>/clear_refs), so the peak is that call's.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { logChartLines } from './log-chart.js';
import { machineBusy } from './machine.js';
import { cpuMs, memory } from './procfs.js';
import { sampleEntries } from './sample-entries.js';
import { demoToken, directBundle } from './services.js';
import { log, median, repoRoot } from './util.js';

const MiB = 1024 * 1024;

export interface GrowthOptions {
  /** Entries of the one package, per size. */
  entries: number[];
  /** Number of packages (each `entriesPerPackage` entries), per size. */
  packages: number[];
  entriesPerPackage: number;
  /** Calls per tool and size; the median time and the highest peak are kept. */
  rounds: number;
}

export interface GrowthPoint {
  series: 'package_browse' | 'package_verify' | 'search (entries)' | 'search (packages)';
  /** Entries of the package, or number of packages. */
  x: number;
  ms: number[];
  serverCpuMs: number[];
  /** quilt-mcp's RSS before the call and its peak during it, bytes (highest of the rounds). */
  rssBefore: number;
  peakRss: number;
  /** A figure from the answer that shows the call did the work (entries verified, entries scanned...). */
  note: string;
}

export interface GrowthResults {
  options: GrowthOptions;
  startedAt: string;
  points: GrowthPoint[];
  /** Seconds to write each package (the benchmark's own set-up, for the record). */
  writeSeconds: Record<string, number>;
  otherBusy: number[];
}

interface RegistryLib {
  LocalStorage: { open: (root: string) => Promise<unknown> };
  Registry: new (
    storage: unknown,
  ) => {
    pushRevision: (
      name: string,
      header: Record<string, unknown>,
      entries: Iterable<unknown> | AsyncIterable<unknown>,
      options?: { timestamp?: number },
    ) => Promise<{ topHash: string }>;
  };
}

async function pushPackage(lib: RegistryLib, root: string, name: string, entries: number, tag: string): Promise<string> {
  mkdirSync(root, { recursive: true });
  const registry = new lib.Registry(await lib.LocalStorage.open(root));
  const pushed = await registry.pushRevision(
    name,
    { version: 'v0', message: `${entries} entries of ${tag}`, user_meta: { project: 'growth' } },
    sampleEntries(
      entries,
      (key) => pathToFileURL(path.join(root, 'data', tag, key)).href,
      (i) => ({ sample: `S-${i}`, score: i / 7 }),
    ),
    {
      timestamp: 1_700_000_000,
    },
  );
  return pushed.topHash;
}

function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: VmHWM is the peak since start, an upper bound
  }
}

export async function measureGrowth(options: GrowthOptions): Promise<GrowthResults> {
  const startedAt = new Date().toISOString();
  const lib = (await import(pathToFileURL(path.join(repoRoot, 'packages/quilt-mcp/dist/quilt/index.js')).href)) as RegistryLib;
  const bundle = await directBundle();
  const roots = {
    entries: new Map(options.entries.map((n) => [n, path.join(bundle.base, `reg-entries-${n}`)])),
    packages: new Map(options.packages.map((n) => [n, path.join(bundle.base, `reg-packages-${n}`)])),
  };
  const writeSeconds: Record<string, number> = {};
  for (const [n, root] of roots.entries) {
    const started = performance.now();
    await pushPackage(lib, root, 'growth/pkg', n, `e${n}`);
    writeSeconds[`1 package × ${n} entries`] = (performance.now() - started) / 1000;
    log(`growth: wrote a package of ${n} entries in ${writeSeconds[`1 package × ${n} entries`]!.toFixed(1)} s`);
  }
  for (const [n, root] of roots.packages) {
    const started = performance.now();
    for (let p = 0; p < n; p++) await pushPackage(lib, root, `growth/pkg-${String(p).padStart(5, '0')}`, options.entriesPerPackage, `p${p}`);
    writeSeconds[`${n} packages × ${options.entriesPerPackage} entries`] = (performance.now() - started) / 1000;
    log(`growth: wrote ${n} packages in ${writeSeconds[`${n} packages × ${options.entriesPerPackage} entries`]!.toFixed(1)} s`);
  }
  const urls = [...roots.entries.values(), ...roots.packages.values()].map((root) => pathToFileURL(root).href);
  const child = await bundle.start('quilt-mcp', { env: { QUILT_REGISTRIES: urls.join(',') } });
  const token = await demoToken(bundle.dataDir);
  const url = `http://127.0.0.1:${bundle.ports['quilt-mcp']}/mcp`;
  let id = 0;
  const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } }),
      signal: AbortSignal.timeout(600_000),
    });
    const body = (await res.json()) as { result?: { isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown } };
    if (!body.result || body.result.isError) throw new Error(`${name}: ${JSON.stringify(body).slice(0, 400)}`);
    return body.result.structuredContent ?? {};
  };
  const points: GrowthPoint[] = [];
  const otherBusy: number[] = [];
  const measure = async (
    series: GrowthPoint['series'],
    x: number,
    name: string,
    args: Record<string, unknown>,
    note: (out: Record<string, unknown>) => string,
  ) => {
    const point: GrowthPoint = { series, x, ms: [], serverCpuMs: [], rssBefore: 0, peakRss: 0, note: '' };
    for (let round = 0; round < options.rounds; round++) {
      const busy = machineBusy(500);
      const rssBefore = memory(child.pid)?.rss ?? Number.NaN;
      resetPeak(child.pid);
      const cpu0 = cpuMs(child.pid);
      const started = performance.now();
      const out = await call(name, args);
      point.ms.push(performance.now() - started);
      point.serverCpuMs.push(cpuMs(child.pid) - cpu0);
      point.rssBefore = Math.max(point.rssBefore, rssBefore);
      point.peakRss = Math.max(point.peakRss, memory(child.pid)?.hwm ?? Number.NaN);
      point.note = note(out);
      otherBusy.push(await busy);
    }
    points.push(point);
    log(
      `growth: ${series} at ${x}: ${median(point.ms).toFixed(1)} ms (median of ${options.rounds}), peak RSS ${(point.peakRss / MiB).toFixed(0)} MiB; ${point.note}`,
    );
  };
  try {
    for (const [n, root] of roots.entries) {
      const registry = pathToFileURL(root).href;
      await measure(
        'package_browse',
        n,
        'package_browse',
        { registry, package: 'growth/pkg', page_size: 100 },
        (out) => `${(out.entries as unknown[] | undefined)?.length ?? '?'} entries on the page`,
      );
      await measure(
        'package_verify',
        n,
        'package_verify',
        { registry, package: 'growth/pkg' },
        (out) => `${out.entries} entries, top hash ok: ${out.top_hash_ok}`,
      );
      await measure(
        'search (entries)',
        n,
        'search',
        { registry, query: 'sample-0000042' },
        (out) => `scanned ${JSON.stringify(out.scanned)}, truncated: ${out.truncated}`,
      );
    }
    for (const [n, root] of roots.packages) {
      const registry = pathToFileURL(root).href;
      await measure(
        'search (packages)',
        n,
        'search',
        { registry, query: 'sample-0000042' },
        (out) => `scanned ${JSON.stringify(out.scanned)}, truncated: ${out.truncated}`,
      );
    }
  } finally {
    await child.stop();
  }
  return { options, startedAt, points, writeSeconds, otherBusy };
}

/** Growth between the two largest sizes: time ratio over size ratio (1 = linear, 0 = constant). */
export function growthExponent(points: GrowthPoint[]): number | undefined {
  if (points.length < 2) return undefined;
  const [a, b] = points.slice(-2) as [GrowthPoint, GrowthPoint];
  return Math.log(median(b.ms) / median(a.ms)) / Math.log(b.x / a.x);
}

export function renderGrowth(r: GrowthResults, svgName: string): string {
  const lines = [
    `Local registries, one per size, written with quilt-mcp's own Registry.pushRevision (entries in walk order, 1,000 per folder, one in five with user metadata); quilt-mcp direct; ${r.options.rounds} calls per point, median time, highest peak RSS (VmHWM reset before each call). ${r.startedAt.slice(0, 16)} UTC; the machine (everything, this benchmark and quilt-mcp included) was ${Math.round(Math.min(...r.otherBusy) * 100)}–${Math.round(Math.max(...r.otherBusy) * 100)}% busy during the calls.`,
    '',
    `![time and peak memory of the manifest tools by size](${svgName})`,
    '',
    '| tool | size | time ms (median) | quilt-mcp CPU ms | peak RSS MiB (RSS before) | what it did |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of r.points) {
    lines.push(
      `| ${p.series} | ${p.x.toLocaleString('en-US')} ${p.series === 'search (packages)' ? `packages × ${r.options.entriesPerPackage}` : 'entries'} | ${median(p.ms).toFixed(1)} | ${median(p.serverCpuMs).toFixed(0)} | ${(p.peakRss / MiB).toFixed(0)} (${(p.rssBefore / MiB).toFixed(0)}) | ${p.note} |`,
    );
  }
  lines.push('', 'Growth between the two largest sizes (log time ratio / log size ratio: 0 constant, 1 linear, above 1 worse):', '');
  for (const series of ['package_browse', 'package_verify', 'search (entries)', 'search (packages)'] as const) {
    const e = growthExponent(r.points.filter((p) => p.series === series));
    if (e !== undefined) lines.push(`- ${series}: ${e.toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Two panels, log-log: time (ms) and peak RSS (MiB) against size, one line per series. */
export function growthSvg(r: GrowthResults): string {
  const H = 330;
  const lines = logChartLines<GrowthPoint>({
    height: H,
    points: r.points,
    x: (p) => p.x,
    xLog: Math.log10,
    xTick: (v) => `${v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : v}`,
    xTitle: 'entries of the package, or packages (log scale)',
    series: (p) => p.series,
    colors: {
      package_browse: '#1f77b4',
      package_verify: '#d62728',
      'search (entries)': '#2ca02c',
      'search (packages)': '#9467bd',
    } satisfies Record<GrowthPoint['series'], string>,
    panels: [
      { title: 'Time (ms), log scale', value: (p) => median(p.ms) },
      { title: 'quilt-mcp peak RSS (MiB), log scale', value: (p) => p.peakRss / MiB },
    ],
    sortByX: true,
    footer: { text: `${r.startedAt.slice(0, 16)} UTC`, y: H - 2 },
  });
  return `${lines.join('\n')}\n`;
}
