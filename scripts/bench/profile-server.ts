// `node --import=tsx scripts/bench/profile-server.ts <quilt-mcp|benchling-mcp> <tools/list|registries_list> [seconds]`:
// one server under `node --cpu-prof` at 8 connections; prints where its time goes (self time by area and function).
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { summarizeProfile } from './lib/cpuprofile.js';
import { runLoad } from './lib/load.js';
import { cleanupAll, installSignalHandlers } from './lib/processes.js';
import { cpuMs } from './lib/procfs.js';
import { demoToken, directBundle } from './lib/services.js';
import { sleep } from './lib/util.js';

const [server = 'quilt-mcp', what = 'tools/list', seconds = '5'] = process.argv.slice(2) as ['quilt-mcp' | 'benchling-mcp', string, string];
installSignalHandlers();
try {
  const bundle = await directBundle();
  const token = await demoToken(bundle.dataDir);
  const dir = path.join(bundle.base, 'cpu-prof');
  mkdirSync(dir, { recursive: true });
  if (server === 'benchling-mcp') await bundle.start('benchling-sandbox');
  const child = await bundle.start(server, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'] });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2025-11-25' };
  if (server === 'quilt-mcp') headers.authorization = `Bearer ${token}`;
  else headers['x-benchling-api-key'] = 'sandbox-key-alice';
  const body =
    what === 'tools/list'
      ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
      : JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: what, arguments: {} } });
  const spec = { url: `http://127.0.0.1:${bundle.ports[server]}/mcp`, headers, body, connections: 8 };
  await runLoad({ ...spec, durationS: 1 });
  const before = cpuMs(child.pid);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const run = await runLoad({ ...spec, durationS: Number(seconds) });
  const endUs = Number(process.hrtime.bigint() / 1000n);
  const cpu = cpuMs(child.pid) - before;
  process.stdout.write(
    `${server} ${what}: ${(run.ok / run.durationS).toFixed(0)} req/s, ${(cpu / run.ok).toFixed(3)} ms CPU per request (${run.non2xx} non-2xx)\n`,
  );
  await child.stop();
  let file: string | undefined;
  for (let i = 0; i < 50 && !file; i++) {
    file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) await sleep(100);
  }
  const summary = summarizeProfile(path.join(dir, file!), 30, { startUs, endUs });
  process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
} finally {
  await cleanupAll();
}
process.exit(0);
