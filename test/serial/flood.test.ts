import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { percentile, toolCall, toolsList } from '../helpers/load.js';
import { cpuSnapshot, machineLoad } from '../helpers/machine-load.js';
import { startPm2Bundle } from '../helpers/pm2-bundle.js';

// The default configuration: each credential may send 600 requests/min (burst 60), so the flood's is refused past
// 10/s, 200x below what it sends, and the probe (an interactive client, under 10 requests/s) is never limited.
const bundle = await startPm2Bundle();
t.teardown(() => bundle.stop());
const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'flooder', scopes: ['read:packages'] });
const quilt = { url: `${bundle.routerUrl}/quilt/mcp`, authorization: `Bearer ${token}`, body: toolCall('registries_list') };
const benchling = { url: `${bundle.routerUrl}/benchling/mcp`, headers: { 'x-benchling-api-key': 'sandbox-key-alice' }, body: toolsList };
const PROBE_PACE_MS = 100;
const PHASE_MS = 6000;

// Alone and flooded phases alternate, and each condition's samples are pooled over the rounds: whatever else the
// machine does meanwhile then weighs on both alike, and each p99 rests on ~300 samples rather than being one of
// the last few of a single run.
const ROUNDS = 6;
const FLOOD_LEAD_MS = 1000;

// The 2x bound speaks of the bundle only if nothing else took the cores meanwhile: it is asserted when other work
// (processes that are neither the bundle, PM2, this test nor its helpers) and the hypervisor together took less
// than these shares of the machine's CPU time during the measurement, and skipped, saying so, otherwise.
// LABMCP_LATENCY_BOUND=off skips it always.
const MAX_OTHER_WORK = 0.1;
const MAX_STEAL = 0.05;
const assertBound = process.env.LABMCP_LATENCY_BOUND !== 'off';

const helpers = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers');

/**
 * Runs one of the load helpers in a process of its own and returns the JSON line it prints. Neither is code under
 * test: they run without the test runner's hooks and coverage recording (NODE_OPTIONS), which would slow them.
 */
function runHelper<T>(args: string[], nice = false): Promise<T> {
  const command = [process.execPath, ...args];
  const child = spawn(nice ? 'nice' : command.shift()!, nice ? ['-n', '19', ...command] : command, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '' },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as T);
      } catch {
        reject(new Error(`${args[0]} exited with ${code} and printed ${JSON.stringify(output.slice(0, 500))}`));
      }
    }),
  );
}

/** An interactive client of benchling-mcp (tools/list, 100 ms after each answer) for one phase. */
const probe = () =>
  runHelper<{ latenciesMs: number[]; failures: Record<string, number> }>([
    path.join(helpers, 'probe.mjs'),
    benchling.url,
    JSON.stringify(benchling.headers),
    benchling.body,
    String(PROBE_PACE_MS),
    String(PHASE_MS),
  ]);

/**
 * The flood: 2,000 requests/s at quilt-mcp from one credential (200x its rate limit), up to 64 in flight, open
 * loop, at the lowest CPU priority and on raw sockets: it stands in for clients on other machines, so what is
 * measured is what the bundle does with the flood, not what generating it costs here.
 */
const flood = (durationMs: number) =>
  runHelper<{ sent: number; statuses: Record<string, number> }>(
    [path.join(helpers, 'flood.mjs'), quilt.url, quilt.authorization, quilt.body, '64', String(durationMs), '2000'],
    true,
  );

const percentiles = (xs: number[]) => [50, 90, 99, 100].map((q) => `p${q} ${percentile(xs, q).toFixed(1)}`).join(', ');

t.test('a flood on one service: the other keeps answering within 2x its p99, the flood is refused at the router', { timeout: 170_000 }, async (t) => {
  await probe(); // warm-up
  const pm2Daemon = Number(readFileSync(path.join(bundle.env.PM2_HOME!, 'pm2.pid'), 'utf8'));
  const ours = [process.pid, process.ppid, pm2Daemon, ...(await bundle.processes()).map((p) => p.pid)];
  const before = cpuSnapshot(ours);
  const alone: number[] = [];
  const during: number[] = [];
  const floodStatuses: Record<string, number> = {};
  let floodSent = 0;
  let failedDuringFlood = 0;
  const failures: Record<string, number> = {};
  const aloneFailures: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const quiet = await probe();
    alone.push(...quiet.latenciesMs);
    for (const [k, n] of Object.entries(quiet.failures)) aloneFailures[k] = (aloneFailures[k] ?? 0) + n;
    const flooding = flood(FLOOD_LEAD_MS + PHASE_MS + 500);
    await new Promise((r) => setTimeout(r, FLOOD_LEAD_MS));
    const result = await probe();
    during.push(...result.latenciesMs);
    for (const [k, n] of Object.entries(result.failures)) {
      failedDuringFlood += n;
      failures[k] = (failures[k] ?? 0) + n;
    }
    const report = await flooding;
    floodSent += report.sent;
    for (const [k, n] of Object.entries(report.statuses)) floodStatuses[k] = (floodStatuses[k] ?? 0) + n;
  }
  const load = machineLoad(before, cpuSnapshot(ours));
  const p99Alone = percentile(alone, 99);
  const p99During = percentile(during, 99);
  t.comment(`flood: ${floodSent} requests over ${ROUNDS} rounds, ${JSON.stringify(floodStatuses)}`);
  t.comment(`benchling tools/list ms alone: ${percentiles(alone)} (${alone.length} requests)`);
  t.comment(`benchling tools/list ms during the quilt flood: ${percentiles(during)} (${during.length} requests)`);
  t.comment(`benchling p99: ${p99Alone.toFixed(2)} ms alone, ${p99During.toFixed(2)} ms during a quilt flood (${(p99During / p99Alone).toFixed(2)}x)`);
  const busyElsewhere = `other work took ${(100 * load.others).toFixed(1)}% of the machine's CPU time meanwhile, the hypervisor ${(100 * load.steal).toFixed(1)}%`;
  t.comment(busyElsewhere);

  t.same(aloneFailures, {}, 'no benchling request failed without the flood');
  t.equal(failedDuringFlood, 0, `no benchling request failed during the flood ${JSON.stringify(failures)}`);
  t.ok(during.length >= ROUNDS * 30, 'benchling kept answering throughout');
  t.ok((floodStatuses['429'] ?? 0) > floodSent / 2, 'the router refused the flood past its rate limit (429)');
  const unexpected = Object.keys(floodStatuses).filter((s) => s !== '200' && s !== '429');
  t.same(unexpected, [], 'the flood itself got only answers or rate-limit refusals: no 5xx, no hung or reset requests');
  t.equal((await bundle.health()).status, 200, 'every process healthy after the flood');
  const bound = `p99 during the flood ${p99During.toFixed(2)} ms <= 2 x ${p99Alone.toFixed(2)} ms alone`;
  const skip = !assertBound
    ? 'LABMCP_LATENCY_BOUND=off'
    : load.others >= MAX_OTHER_WORK || load.steal >= MAX_STEAL
      ? `the machine was busy: ${busyElsewhere}`
      : false;
  t.ok(p99During <= 2 * p99Alone, bound, { skip });
});
