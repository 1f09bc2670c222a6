#!/usr/bin/env bash
# Set up (idempotent), lint, and run every test: unit, the engine against real Dovecot, Cyrus and Courier, provider, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# With no arguments: lint (Biome), then every compiled test; with arguments, just those test files.
if [ $# -eq 0 ]; then
  echo "lint: biome check"
  biome check --reporter=summary .
  set -- "dist/test/**/*.test.js"
fi
exec mocha "$@"
