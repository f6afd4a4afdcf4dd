// `node --import=tsx scripts/bench/growth.ts [options]` (or `npm run bench -- --phases growth`): how time and
// quilt-mcp's peak memory of package_browse (first page), package_verify and search grow with a manifest's entries
// and with the number of packages (lib/growth.ts); Markdown, JSON and an SVG plot.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { growthSvg, measureGrowth, renderGrowth } from './lib/growth.js';
import { cleanupAll, installSignalHandlers, setKeepTemp } from './lib/processes.js';
import { log, repoRoot } from './lib/util.js';

const HELP = `Usage: node --import=tsx scripts/bench/growth.ts [options]

  --out <file>          Markdown report (default bench-results/growth.md; .json and .svg beside it)
  --figure <file>       also write the SVG here (e.g. scripts/bench/figures/manifest-growth.svg)
  --entries <list>      entries of the one package, per size (default 1000,10000,100000,1000000)
  --packages <list>     packages per registry, per size (default 10,100,1000)
  --entries-per-package <n>  (default 100)
  --rounds <n>          calls per tool and size (default 3)
  --no-build            skip tsc -b
  --keep-temp
`;

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench-results/growth.md' },
    figure: { type: 'string' },
    entries: { type: 'string', default: '1000,10000,100000,1000000' },
    packages: { type: 'string', default: '10,100,1000' },
    'entries-per-package': { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    'no-build': { type: 'boolean', default: false },
    'keep-temp': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const numbers = (text: string) =>
  text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
installSignalHandlers();
setKeepTemp(args['keep-temp']);
try {
  if (!args['no-build']) execFileSync('bash', ['scripts/pnpm.sh', 'exec', 'tsc', '-b'], { cwd: repoRoot, stdio: 'inherit' });
  const results = await measureGrowth({
    entries: numbers(args.entries),
    packages: numbers(args.packages),
    entriesPerPackage: Number(args['entries-per-package']),
    rounds: Number(args.rounds),
  });
  const out = path.resolve(args.out);
  mkdirSync(path.dirname(out), { recursive: true });
  const svgFile = `${out.replace(/\.md$/, '')}.svg`;
  const svg = growthSvg(results);
  writeFileSync(svgFile, svg);
  if (args.figure) writeFileSync(path.resolve(args.figure), svg);
  writeFileSync(`${out.replace(/\.md$/, '')}.json`, `${JSON.stringify(results, null, 1)}\n`);
  const md = renderGrowth(results, path.basename(svgFile));
  writeFileSync(out, md);
  process.stdout.write(md);
  log(`wrote ${out}, ${svgFile}`);
} finally {
  await cleanupAll();
}
process.exit(0);
