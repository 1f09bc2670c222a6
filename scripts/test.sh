#!/usr/bin/env bash
# Set up (idempotent) and run every test: unit, engine against real Dovecot, provider, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# With no arguments, every compiled test; with arguments, just those files.
if [ $# -eq 0 ]; then set -- "dist/test/**/*.test.js"; fi
exec mocha "$@"
