// `node --import=tsx scripts/bench/pm2-cost.ts [--rounds 3] [--duration 4] [--connections 8] [--rate 1000]
// [--variants 0,2] [--env NAME=value,...] [--direct-node-args "<flags>" | --direct-repo-flags]`: quilt-mcp's CPU per
// request started directly and under PM2 with the repo's settings and with single options changed (lib/pm2-cost.ts);
// prints the Markdown table and the raw figures.
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measurePm2Cost, renderPm2Cost } from './lib/pm2-cost.js';
import { cleanupAll, installSignalHandlers } from './lib/processes.js';
import { repoRoot } from './lib/util.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '8' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string' },
    variants: { type: 'string', default: 'all' },
    env: { type: 'string' },
    // The process started directly runs with these Node flags; --direct-repo-flags: quilt-mcp's from
    // ecosystem.config.js (for this Node), so that "× direct" is PM2's own cost, not also the flags'.
    'direct-node-args': { type: 'string' },
    'direct-repo-flags': { type: 'boolean', default: false },
  },
});
const repoFlags = (): string[] => {
  const { apps } = createRequire(import.meta.url)(path.join(repoRoot, 'ecosystem.config.js')) as { apps: { name: string; node_args: string[] }[] };
  return apps.find((a) => a.name === 'quilt-mcp')?.node_args ?? [];
};
const directNodeArgs = values['direct-repo-flags'] ? repoFlags() : (values['direct-node-args'] ?? '').split(/\s+/).filter(Boolean);
const ALL = [
  { label: 'PM2, the repo settings (no source maps)', app: {} },
  { label: 'PM2, with source maps (as PM2 does by default)', app: { disable_source_map_support: null } },
  { label: 'PM2, fork mode', app: { exec_mode: 'fork' } },
  { label: 'PM2, no max_memory_restart', app: { max_memory_restart: null } },
  { label: 'PM2, node_args --max-semi-space-size=1', app: { node_args: '--max-semi-space-size=1' } },
  { label: 'PM2, node_args --max-semi-space-size=4', app: { node_args: '--max-semi-space-size=4' } },
  { label: 'PM2, log batches per turn (LABMCP_LOG_BATCH_MS=0)', app: { env: { LABMCP_LOG_BATCH_MS: '0' } } },
  { label: "PM2, Node's default flags (no node_args)", app: { node_args: null } },
  { label: 'PM2, node_args --max-semi-space-size=8', app: { node_args: '--max-semi-space-size=8' } },
  { label: 'PM2, node_args --max-semi-space-size=8 --heap-growing-percent=50', app: { node_args: '--max-semi-space-size=8 --heap-growing-percent=50' } },
];
installSignalHandlers();
try {
  const wanted = values.variants === 'all' ? ALL : ALL.filter((_, i) => values.variants!.split(',').includes(String(i)));
  const result = await measurePm2Cost({
    connections: Number(values.connections),
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    rounds: Number(values.rounds),
    ...(values.rate && { rate: Number(values.rate) }),
    variants: wanted,
    directNodeArgs,
    ...(values.env && {
      env: Object.fromEntries(values.env.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
    }),
  });
  process.stdout.write(`${renderPm2Cost(result)}\n\n${JSON.stringify(result)}\n`);
} finally {
  await cleanupAll();
}
process.exit(0);
