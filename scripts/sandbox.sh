#!/usr/bin/env bash
# The main job: set up (idempotent) and run the local rehearsal of a migration on loopback servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec node dist/sandbox/rehearse.js "$@"
