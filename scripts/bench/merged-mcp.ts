// `node --import=tsx scripts/bench/merged-mcp.ts [--out file.md] [--no-build]`: what the router's one-connection
// endpoint `/mcp` costs over the prefixed route, for `tools/list` and for a call that does no I/O
// (`registries_list`): the same requests, the same quilt-mcp behind, measured back to back in alternating order.
// `/mcp` asks every server for its list on a tools/list (each answers from its own answer cache) and sends a call
// on as one more HTTP request, so both rows are a second hop. Run by `npm run bench` as its `mcp` phase.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, verifyOnce } from './lib/load.js';
import { cleanupAll, installSignalHandlers } from './lib/processes.js';
import { demoToken, directBundle, UNLIMITED_ROUTER } from './lib/services.js';
import { fmt, log, median, percentileSorted, repoRoot, Samples } from './lib/util.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench-results/merged-mcp.md' },
    'no-build': { type: 'boolean', default: false },
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,8' },
  },
});
const durationS = Number(args.duration);
const rounds = Number(args.rounds);
const levels = args.concurrency.split(',').map(Number);

interface Row {
  request: string;
  path: string;
  connections: number;
  rps: number[];
  latencies: Samples;
}

async function main(): Promise<void> {
  installSignalHandlers();
  if (!args['no-build']) spawnSync('bash', ['scripts/pnpm.sh', 'exec', 'tsc', '-b'], { cwd: repoRoot, stdio: 'inherit' });
  // No request lines, as before audit lines stopped following LOG_LEVEL: what is compared is the two routes.
  const bundle = await directBundle({ LOG_LEVEL: 'warn', LABMCP_AUDIT_LOG: 'off' });
  await bundle.start('benchling-sandbox');
  await bundle.start('quilt-mcp');
  await bundle.start('benchling-mcp');
  await bundle.start('router', { env: UNLIMITED_ROUTER });
  const token = await demoToken(bundle.dataDir);
  const base = `http://127.0.0.1:${bundle.ports.router}`;
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  const call = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
  const paths = [
    { request: 'tools/list', path: '/quilt/mcp', headers: { ...json, authorization: `Bearer ${token}` }, body: list, expect: /"registries_list"/ },
    {
      request: 'tools/list',
      path: '/mcp',
      headers: { ...json, authorization: `Bearer ${token}`, 'x-benchling-api-key': 'sandbox-key-alice' },
      body: list,
      expect: /"quilt_registries_list"/,
    },
    {
      request: 'registries_list (no I/O)',
      path: '/quilt/mcp',
      headers: { ...json, authorization: `Bearer ${token}` },
      body: call('registries_list'),
      expect: /registries/,
    },
    {
      request: 'registries_list (no I/O)',
      path: '/mcp',
      headers: { ...json, authorization: `Bearer ${token}`, 'x-benchling-api-key': 'sandbox-key-alice' },
      body: call('quilt_registries_list'),
      expect: /registries/,
    },
  ];
  for (const p of paths) await verifyOnce(`${base}${p.path}`, p.headers, p.body, p.expect);
  const rows: Row[] = [];
  for (const connections of levels) {
    for (const p of paths) rows.push({ request: p.request, path: p.path, connections, rps: [], latencies: new Samples() });
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? paths : [...paths].reverse();
      for (const p of order) {
        log(`${p.request} via ${p.path}, ${connections} connection(s), round ${round + 1}/${rounds}`);
        await runLoad({ url: `${base}${p.path}`, headers: p.headers, body: p.body, connections, durationS: 1 });
        const run = await runLoad({ url: `${base}${p.path}`, headers: p.headers, body: p.body, connections, durationS });
        if (run.non2xx || run.errors) throw new Error(`${p.path}: ${run.non2xx} non-2xx, ${run.errors} errors`);
        const row = rows.find((r) => r.request === p.request && r.path === p.path && r.connections === connections)!;
        row.rps.push(run.ok / run.durationS);
        row.latencies.append(run.latencies);
      }
    }
  }
  await cleanupAll();

  const lines = [
    '# `/mcp` against the prefixed route',
    '',
    `The same request through the router's one-connection endpoint \`/mcp\` and through \`/quilt/mcp\`, quilt-mcp and benchling-mcp behind it, ` +
      `${rounds} rounds of ${durationS} s per path and level, paths alternating (script: scripts/bench/merged-mcp.ts). ` +
      'A `tools/list` through `/mcp` asks both servers for their lists (answered from their answer caches) and merges them (kept per distinct answer); ' +
      'a call is sent on as one more HTTP request.',
    '',
    '| request | connections | path | req/s (median of rounds) | p50 ms | p99 ms | /mcp ÷ prefixed, p50 |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const out: Record<string, unknown>[] = [];
  for (const row of rows) {
    const sorted = row.latencies.sorted();
    const p50 = percentileSorted(sorted, 50);
    const p99 = percentileSorted(sorted, 99);
    const prefixed = rows.find((r) => r.request === row.request && r.connections === row.connections && r.path !== row.path);
    const ratio = row.path === '/mcp' && prefixed ? p50 / percentileSorted(prefixed.latencies.sorted(), 50) : undefined;
    lines.push(
      `| ${row.request} | ${row.connections} | \`${row.path}\` | ${fmt(median(row.rps), 0)} | ${fmt(p50)} | ${fmt(p99)} | ${ratio ? fmt(ratio) : ''} |`,
    );
    out.push({ request: row.request, path: row.path, connections: row.connections, rps: row.rps, p50Ms: p50, p99Ms: p99 });
  }
  const file = path.resolve(repoRoot, args.out);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  writeFileSync(file.replace(/\.md$/i, '.json'), JSON.stringify(out, null, 2));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  await cleanupAll();
  process.exit(1);
});
