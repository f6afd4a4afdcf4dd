// A second router, started with `node --cpu-prof`, forwarding the overhead workload; its profile is summarized.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { summarizeProfile } from './cpuprofile.js';
import { runLoad } from './load.js';
import { cpuMs } from './procfs.js';
import type { ProfileResult } from './report.js';
import { type DirectBundle, UNLIMITED_ROUTER } from './services.js';
import { freePort, log, sleep } from './util.js';

export async function profileRouter(
  bundle: DirectBundle,
  request: { headers: Record<string, string>; body: string },
  options: { connections: number; durationS: number; warmupS: number; saveAs: string; env?: Record<string, string> },
): Promise<ProfileResult> {
  const dir = path.join(bundle.base, 'cpu-prof');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const router = await bundle.start('router', {
    label: 'router-profiled',
    port,
    env: { ...UNLIMITED_ROUTER, ...options.env },
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'],
  });
  const spec = { url: `http://127.0.0.1:${port}/quilt/mcp`, headers: request.headers, body: request.body, connections: options.connections };
  await runLoad({ ...spec, durationS: options.warmupS });
  const before = cpuMs(router.pid);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const run = await runLoad({ ...spec, durationS: options.durationS });
  const endUs = Number(process.hrtime.bigint() / 1000n);
  const cpu = cpuMs(router.pid) - before;
  log(`profiled router: ${(run.ok / run.durationS).toFixed(0)} req/s, ${(cpu / run.ok).toFixed(3)} ms CPU per request; stopping it to write the profile`);
  // The profile is written when the process exits normally (SIGTERM → graceful stop → exit 0).
  await router.stop();
  let file: string | undefined;
  for (let i = 0; i < 50 && !file; i++) {
    file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) await sleep(100);
  }
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  mkdirSync(path.dirname(options.saveAs), { recursive: true });
  copyFileSync(path.join(dir, file), options.saveAs);
  return {
    connections: options.connections,
    durationS: run.durationS,
    requests: run.ok,
    rps: run.ok / run.durationS,
    cpuMsPerRequest: cpu / run.ok,
    profileFile: options.saveAs,
    ...(options.env && Object.keys(options.env).length > 0 && { env: options.env }),
    summary: summarizeProfile(options.saveAs, 30, { startUs, endUs }),
  };
}
