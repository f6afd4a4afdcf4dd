#!/usr/bin/env bash
# Installs, builds and runs the whole test suite. Extra arguments go to tap (e.g. a single test file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/pnpm.sh install --frozen-lockfile --prefer-offline
bash scripts/pnpm.sh exec tsc -b
bash scripts/pnpm.sh exec tsc -p tsconfig.test.json
node_modules/.bin/tap "$@"
