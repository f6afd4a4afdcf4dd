#!/usr/bin/env bash
# Installs, builds and runs the whole test suite. Extra arguments go to tap (e.g. a single test file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/pnpm.sh install --frozen-lockfile --prefer-offline
bash scripts/pnpm.sh exec tsc -b
bash scripts/pnpm.sh exec tsc -p tsconfig.test.json
# Lint and formatting (Biome, biome.json): real defects (import cycles, floating or misused promises, unused code)
# fail the run, as do files the formatter would change.
node_modules/.bin/biome ci --error-on-warnings .
# tap compiles its runner with the plugins named in .taprc; a fresh install has the default set (with its own
# TypeScript loader) until this runs, and would otherwise use it for the first run.
node_modules/.bin/tap build >/dev/null
if [ "$#" -gt 0 ]; then
  exec node_modules/.bin/tap --allow-incomplete-coverage "$@"
fi
# Unit and integration tests, two files at a time; then the suites that load the whole machine (faults under
# load, reloads, latency under a flood) one at a time, so they measure the bundle and not each other.
summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
status=0
node_modules/.bin/tap | tee -a "$summary" || status=$?
node_modules/.bin/tap --jobs=1 --disable-coverage test/serial/*.test.ts | tee -a "$summary" || status=$?
# One closing line over both runs, in the plain form CI reads.
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8");
  let pass = 0, fail = 0, skip = 0;
  for (const m of text.matchAll(/^# \{ total: \d+(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, skip: (\d+))?/gm)) {
    pass += Number(m[1] ?? 0); fail += Number(m[2] ?? 0); skip += Number(m[3] ?? 0);
  }
  console.log(`tests: ${pass} passed, ${fail} failed, ${skip} skipped`);
' "$summary"
exit "$status"
