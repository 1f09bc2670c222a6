#!/usr/bin/env bash
# The main job: set up (idempotent: Debian packages, npm packages, the compiled TypeScript and the Pulumi CLI,
# built once from Go modules and cached by scripts/pulumi.sh), then rehearse a whole migration on loopback with
# the real Pulumi engine and real DNS (NSD, Unbound): prepare, copy, the registrar switch, cutover, finalize, the
# summary; at each stage what a receiving mail server resolves.
# The run's project, stack config (generated: loopback ports) and file:// backend live in a temp folder; the
# secrets provider is a passphrase; no update checks, no plugin downloads. `--keep` leaves that folder.
# What the sandbox stack is and why it differs from the real stacks: sandbox/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec node dist/sandbox/rehearse.js "$@"
