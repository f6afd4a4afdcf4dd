// `npm run bench`'s options: the documented command, with its default phases, must get past its own checks (it
// refused to start from the day the mcp phase was added to the defaults but not to the phases it accepts).
// `--render` of a file that is not there keeps each run to the option checks: nothing is measured.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/bundle.js';

function bench(...args: string[]) {
  return spawnSync(process.execPath, ['--import=tsx', path.join(repoRoot, 'scripts/bench/run.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const missing = path.join(repoRoot, 'bench-results', 'no-such-report.json');

t.test('the default phases are all phases the benchmark accepts', async (t) => {
  const run = bench('--render', missing);
  t.notMatch(run.stderr, /unknown phase/, 'no default phase is refused');
  t.match(run.stderr, /ENOENT/, 'it got as far as reading the report to render');
});

t.test('each phase named alone is accepted; an unknown one is refused with the usage', async (t) => {
  for (const phase of ['overhead', 'sse', 'servers', 'footprint', 'manifest', 'hashing', 'growth', 'mcp']) {
    t.notMatch(bench('--phases', phase, '--render', missing).stderr, /unknown phase/, phase);
  }
  const refused = bench('--phases', 'overhead,nosuch', '--render', missing);
  t.equal(refused.status, 2, 'exit code 2');
  t.match(refused.stderr, /unknown phase nosuch\nUsage: npm run bench/, 'says which and how to call it');
});
