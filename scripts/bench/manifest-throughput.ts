// Manifest throughput of the quilt core library (packages/quilt-mcp/src/quilt):
//   node --import=tsx scripts/bench/manifest-throughput.ts [--entries 1000000]
// For each size (default 10k, 100k and 1M entries) it writes a manifest to a temp file with the library's
// writer, then times, each in a fresh child process so peak RSS belongs to that phase alone:
//   baseline  a plain `readline` line count of the same file;
//   browse    readManifest(): every record parsed and validated, one at a time (what a browse tool does);
//   top hash  computeManifestTopHash(), checked against the hash the writer computed.
// Targets (issue): top hash >= 300k entries/s with peak RSS < 200 MB at 1M entries.
// After each size's table comes one JSON line, top-hash figures first (scripts/bench/lib/manifest.ts reads it).
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { computeManifestTopHash, type ManifestItem, readManifest, writeManifest } from '../../packages/quilt-mcp/src/quilt/manifest.js';
import { sampleEntries } from './lib/sample-entries.js';

type Phase = 'baseline' | 'browse' | 'tophash';
const PHASES: Phase[] = ['baseline', 'browse', 'tophash'];

interface PhaseResult {
  phase: Phase;
  entries: number;
  seconds: number;
  entriesPerSec: number;
  /** User + system CPU time of the phase: less sensitive than wall time to other load on the machine. */
  cpuSeconds: number;
  /** process.resourceUsage().maxRSS of the child, in MiB. */
  peakRssMiB: number;
  /** Highest process.memoryUsage().rss sampled every 20 ms, in MiB. */
  sampledPeakRssMiB: number;
  topHash?: string;
}

const MiB = 1024 * 1024;

/**
 * Entries in walk order. One in five carries user metadata with a float, which sends its line through the exact
 * (int-vs-float preserving) parser rather than JSON.parse.
 */
function generate(n: number): Iterable<ManifestItem> {
  return sampleEntries(
    n,
    (key) => `s3://bench-bucket/data/${key}?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY`,
    (i) => ({ sample: `S-${i}`, score: i / 7, reads: i * 3 }),
  );
}

async function writeFixture(file: string, n: number): Promise<string> {
  const out = createWriteStream(file);
  const summary = await writeManifest(out, { version: 'v0', user_meta: { project: 'bench' }, message: `${n} entries` }, generate(n));
  out.end();
  await finished(out);
  return summary.topHash;
}

async function runPhase(phase: Phase, file: string, expectedTopHash: string): Promise<PhaseResult> {
  let sampledPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let entries = 0;
  let topHash: string | undefined;
  if (phase === 'baseline') {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) if (line.length > 0) entries++;
    entries--; // the header line
  } else if (phase === 'browse') {
    for await (const record of readManifest(createReadStream(file))) if (record.kind === 'entry') entries++;
  } else {
    const summary = await computeManifestTopHash(createReadStream(file));
    entries = summary.entries;
    topHash = summary.topHash;
    if (topHash !== expectedTopHash) throw new Error(`top hash ${topHash} differs from the writer's ${expectedTopHash}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  clearInterval(sampler);
  sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  return {
    phase,
    entries,
    seconds,
    entriesPerSec: entries / seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    sampledPeakRssMiB: sampledPeak / MiB,
    ...(topHash === undefined ? {} : { topHash }),
  };
}

/** Runs one phase in a fresh node (same flags, so tsx is loaded) and returns its result. */
function runChild(phase: Phase, file: string, topHash: string): PhaseResult {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', phase, file, topHash], {
    encoding: 'utf8',
    maxBuffer: 16 * MiB,
  });
  if (child.status !== 0) throw new Error(`${phase} phase failed (${child.status ?? child.signal}):\n${child.stderr}`);
  const last = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as PhaseResult;
}

function parseSizes(argv: string[]): number[] {
  const at = argv.indexOf('--entries');
  if (at === -1) return [10_000, 100_000, 1_000_000];
  const n = Number(argv[at + 1]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--entries needs a positive integer, got ${String(argv[at + 1])}`);
  return [n];
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, phase, file, topHash] = argv as [string, Phase, string, string];
    process.stdout.write(`${JSON.stringify(await runPhase(phase, file, topHash))}\n`);
    return;
  }
  const sizes = parseSizes(argv);
  const dir = mkdtempSync(path.join(tmpdir(), 'labmcp-manifest-bench-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(
      `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(2)}; each phase in its own process`,
    );
    for (const n of sizes) {
      const file = path.join(dir, `manifest-${n}.jsonl`);
      const generatedAt = performance.now();
      const topHash = await writeFixture(file, n);
      const bytes = statSync(file).size;
      console.log(`\n${fmt(n)} entries: ${fmt(bytes / MiB, 1)} MiB manifest (written in ${fmt((performance.now() - generatedAt) / 1000, 2)} s)`);
      const results = Object.fromEntries(PHASES.map((phase) => [phase, runChild(phase, file, topHash)])) as Record<Phase, PhaseResult>;
      const base = results.baseline.entriesPerSec;
      console.log('  phase      entries/s     seconds   entries/CPU-s   peak RSS (maxRSS / sampled)   vs readline');
      for (const phase of PHASES) {
        const r = results[phase];
        if (r.entries !== n) throw new Error(`${phase} counted ${r.entries} entries, expected ${n}`);
        console.log(
          `  ${phase.padEnd(9)} ${fmt(r.entriesPerSec).padStart(11)}  ${fmt(r.seconds, 3).padStart(9)}   ${fmt(r.entries / r.cpuSeconds).padStart(13)}   ${fmt(r.peakRssMiB, 1).padStart(8)} MiB / ${fmt(r.sampledPeakRssMiB, 1).padStart(6)} MiB   ${fmt(r.entriesPerSec / base, 2)}x`,
        );
      }
      const hash = results.tophash;
      const meets = hash.entriesPerSec >= 300_000 && hash.peakRssMiB * MiB < 200e6;
      if (n === 1_000_000) {
        console.log(
          `  target at 1M (top hash >= 300k entries/s, peak RSS < 200 MB): ${meets ? 'met' : 'NOT met'} (load average now ${loadavg()[0]?.toFixed(2)})`,
        );
      }
      const json = {
        topHashEntriesPerSec: Math.round(hash.entriesPerSec),
        topHashPeakRssMiB: Number(hash.peakRssMiB.toFixed(1)),
        entries: n,
        topHashEntriesPerCpuSecond: Math.round(n / hash.cpuSeconds),
        browseEntriesPerSecond: Math.round(results.browse.entriesPerSec),
        browsePeakRssMiB: Number(results.browse.peakRssMiB.toFixed(1)),
        baselineReadlineEntriesPerSecond: Math.round(base),
        baselinePeakRssMiB: Number(results.baseline.peakRssMiB.toFixed(1)),
        topHashVsBaseline: Number((hash.entriesPerSec / base).toFixed(3)),
        browseVsBaseline: Number((results.browse.entriesPerSec / base).toFixed(3)),
        manifestBytes: bytes,
        loadAverage: Number((loadavg()[0] ?? 0).toFixed(2)),
        ...(n === 1_000_000 ? { targetMet: meets } : {}),
      };
      console.log(JSON.stringify(json));
    }
  } finally {
    cleanup();
  }
}

await main();
