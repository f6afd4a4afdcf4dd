#!/usr/bin/env bash
# Runs the pnpm version pinned in package.json's packageManager field.
# corepack is avoided on purpose: its signature check fails on some machines.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want" ]; then
  exec pnpm "$@"
fi
exec npx --yes "pnpm@$want" "$@"
