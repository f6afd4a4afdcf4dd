#!/usr/bin/env bash
# Installs, builds and runs the whole bundle in the foreground under PM2 (pm2-runtime). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/pnpm.sh install --frozen-lockfile --prefer-offline
bash scripts/pnpm.sh exec tsc -b
node scripts/banner.mjs
exec node_modules/.bin/pm2-runtime start ecosystem.config.js
