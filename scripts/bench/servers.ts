// `node --import=tsx scripts/bench/servers.ts [--connections 8] [--duration 3] [--warmup 1] [--rounds 3]
// [--only <substr>,...] [--env NAME=value,...]`: only the servers-vs-plain phase of the benchmark (lib/servers.ts),
// without a build; prints the Markdown table. `--env LABMCP_MCP_ANSWER_CACHE=0,QUILT_JWT_VERIFY_CACHE_SECONDS=0`
// measures the servers without their caches (the code paths as they were before the caches).
import { parseArgs } from 'node:util';
import { cleanupAll, installSignalHandlers } from './lib/processes.js';
import { measureServers, renderServers } from './lib/servers.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '8' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    env: { type: 'string' },
  },
});
installSignalHandlers();
try {
  const results = await measureServers({
    connections: Number(values.connections),
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    rounds: Number(values.rounds),
    ...(values.only && { only: values.only.split(',') }),
    ...(values.env && {
      serverEnv: Object.fromEntries(values.env.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
    }),
  });
  process.stdout.write(`${renderServers(results)}\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await cleanupAll();
}
process.exit(0);
