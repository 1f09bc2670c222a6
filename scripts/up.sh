#!/usr/bin/env bash
# `pulumi up` of one stack, as a runner (a CI matrix job, a shell) runs a domain or wave stack:
#   bash scripts/up.sh STACK
# Builds the program when dist/ is missing (npm run build), finds the Pulumi CLI through scripts/pulumi.sh, and
# runs `pulumi up --yes --non-interactive --stack STACK` in the project (MAILSHIFT_PROJECT_DIR, default this
# repository); its exit code is this script's. The runner's environment gives the state backend
# (PULUMI_BACKEND_URL) and the secrets provider (PULUMI_CONFIG_PASSPHRASE, or a KMS the stack names).
set -euo pipefail
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: bash scripts/up.sh STACK" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/dist/index.js" ]; then
  echo "up.sh: building the program (npm run build)" >&2
  (cd "$root" && npm run build >&2)
fi
PATH="$(bash "$root/scripts/pulumi.sh" | tail -1):$PATH"
export PATH
cd "${MAILSHIFT_PROJECT_DIR:-$root}"
set +e
pulumi up --yes --non-interactive --stack "$1"
status=$?
set -e
exit "$status"
