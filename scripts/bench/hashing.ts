// `node --import=tsx scripts/bench/hashing.ts [options]` (or `npm run bench -- --phases hashing`): hashing
// throughput of package_create / package_verify(check_files) through a real quilt-mcp process against one core's
// `openssl speed -evp sha256` in the same run, another client's tools/list latency meanwhile, GB/s against an
// S3-compatible server, and how time and peak memory grow with the file size (Markdown, JSON and an SVG plot).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { growthSvg, measureHashing, renderHashing } from './lib/hashing.js';
import { cleanupAll, installSignalHandlers, setKeepTemp } from './lib/processes.js';
import { log, repoRoot } from './lib/util.js';

const HELP = `Usage: node --import=tsx scripts/bench/hashing.ts [options]

  --out <file>          Markdown report (default bench-results/hashing.md; .json and .svg beside it)
  --size-mib <n>        the headline file (default 1024)
  --rounds <n>          rounds of create + verify, each quiet and with the other client (default 5)
  --growth-mib <list>   file sizes for "how cost grows" (default 64,256,1024,4096; "" skips)
  --s3 <list>           S3-compatible servers and object sizes, server:MiB (default moto:256,s3rver:1024;
                        "" skips S3). moto reads the whole object for every ranged GET, so its object is smaller
  --quiet-below <pct>   before each measured call, wait until the machine is at most this busy (shared machines)
  --quiet-max-wait <s>  at most this long each time (default 20)
  --probe-interval <ms> pause between the other client's tools/list requests (default 20)
  --label <text>        stored with the figures (default "after")
  --no-build            skip tsc -b
  --keep-temp
`;

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench-results/hashing.md' },
    'size-mib': { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '5' },
    'growth-mib': { type: 'string', default: '64,256,1024,4096' },
    s3: { type: 'string', default: 'moto:256,s3rver:1024' },
    'quiet-below': { type: 'string' },
    'quiet-max-wait': { type: 'string', default: '20' },
    'probe-interval': { type: 'string', default: '20' },
    label: { type: 'string', default: 'after' },
    'no-build': { type: 'boolean', default: false },
    'keep-temp': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const num = (name: string, value: string, min: number): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}\n`);
    process.exit(2);
  }
  return n;
};

setKeepTemp(args['keep-temp']);
installSignalHandlers();

async function main(): Promise<void> {
  if (!args['no-build']) {
    log('building: tsc -b');
    execFileSync(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-b'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
  const results = await measureHashing(
    {
      sizeMiB: num('size-mib', args['size-mib'], 16),
      rounds: num('rounds', args.rounds, 1),
      growthMiB: args['growth-mib']
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((s) => num('growth-mib', s.trim(), 1)),
      s3: args.s3
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((spec) => {
          const [server, mib] = spec.trim().split(':');
          if (server !== 'moto' && server !== 's3rver') {
            process.stderr.write(`--s3: unknown server ${server} (moto or s3rver)\n`);
            process.exit(2);
          }
          return { server, sizeMiB: num('s3', mib ?? '1024', 16) };
        }),
      ...(args['quiet-below'] !== undefined && { quietBelow: num('quiet-below', args['quiet-below'], 1) / 100 }),
      quietMaxWaitS: num('quiet-max-wait', args['quiet-max-wait'], 1),
      probeIntervalMs: num('probe-interval', args['probe-interval'], 0),
      label: args.label,
    },
    `${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
    os.availableParallelism(),
  );
  const out = path.resolve(repoRoot, args.out);
  mkdirSync(path.dirname(out), { recursive: true });
  const base = out.replace(/\.md$/i, '');
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2));
  writeFileSync(`${base}.svg`, growthSvg(results));
  const report = renderHashing(results, path.basename(`${base}.svg`));
  writeFileSync(out, report);
  process.stdout.write(report);
  log(`wrote ${out}, ${base}.json, ${base}.svg`);
}

try {
  await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
