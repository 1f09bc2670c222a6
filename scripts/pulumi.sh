#!/usr/bin/env bash
# Makes sure the real Pulumi engine exists and prints (stdout, last line) the directory holding `pulumi`
# and its bundled dynamic-provider plugin. Progress goes to stderr. Usage:
#   PATH="$(bash scripts/pulumi.sh):$PATH"
#
# Where the engine comes from
# - A `pulumi` already on PATH is used as it is (its own distribution ships the bundled plugins).
# - Otherwise the CLI is built from the Go module proxy: tools/pulumi/go.mod requires
#   github.com/pulumi/pulumi/pkg/v3 and sdk/v3 at one version and carries the one `replace` that pkg/v3's
#   own go.mod needs outside the pulumi repository (atotto/clipboard). The binary goes to
#   ${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/pulumi-<version>/bin, outside the repository; a stamp of
#   go.mod+go.sum decides reuse, so a second run takes about a second.
# - `npm` cannot provide the CLI here (the `pulumi` npm package only downloads it).
#
# What could not be built, and the supported way around it
# - The Node.js language host (pulumi-language-nodejs) is its own Go module
#   (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the Go module proxy here
#   refuses (403 "not available" for tags and branches), and it is excluded from the sdk/v3 module zip.
#   So `pulumi up` on a Pulumi.yaml project with `runtime: nodejs` cannot run here. The Automation API
#   with an inline program (@pulumi/pulumi/automation, LocalWorkspace.createOrSelectStack({ stackName,
#   projectName, program })) needs no language host: the Node process serves the program itself and
#   the engine connects to it (`--client`). test/e2e/engine-smoke.test.ts proves preview/up/refresh/destroy.
# - The cloudflare/azuread/command provider plugins cannot be built or downloaded here.
# - The dynamic-provider plugin (`pulumi-resource-pulumi-nodejs`, a "bundled" plugin the engine looks for
#   next to the `pulumi` executable, then on PATH) is written into the same bin directory. It runs
#   @pulumi/pulumi/cmd/dynamic-provider with the `node` on PATH (put node_modules/.bin first: Node 22),
#   resolving the package from the engine's working directory (the project's workDir) and then NODE_PATH:
#   with an inline program in a temp workDir, set NODE_PATH=<repo>/node_modules in the workspace env.
#
# Environment for a run (the test sets all of these): PULUMI_BACKEND_URL=file://<folder>,
# PULUMI_CONFIG_PASSPHRASE=<anything>, PULUMI_SKIP_UPDATE_CHECK=true,
# PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true (the built CLI and the npm SDK differ in version),
# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (no plugin downloads), PULUMI_HOME=<folder> optional.
#
# Knobs: MAILSHIFT_CACHE (cache root), MAILSHIFT_PULUMI_REBUILD=1 (ignore the cached binary),
# GO (the go binary; default `go` on PATH, then /usr/local/go/bin/go). Exit 3: no pulumi and no Go.
#
# Timings (2 shared cores, go 1.26.8, pkg/v3 v3.274.1, CGO off, empty Go caches): first build 6m50s
# wall (modules download + compile + link); a second run 0.02s. Disk: the binary 117 MB in the cache;
# Go's module cache +1.4 GB and build cache +1.7 GB (GOMODCACHE/GOCACHE, reclaimable after the build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/tools/pulumi"
log() { echo "pulumi.sh: $*" >&2; }

if [ -z "${MAILSHIFT_PULUMI_REBUILD:-}" ] && existing=$(command -v pulumi 2>/dev/null); then
  log "using pulumi on PATH: $existing"
  dirname "$existing"
  exit 0
fi

version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2; exit }' "$mod/go.mod")
if [ -z "$version" ]; then
  log "tools/pulumi/go.mod does not require github.com/pulumi/pulumi/pkg/v3; restore it from git"
  exit 1
fi
cache="${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/pulumi-$version"
bin="$cache/bin"
stamp=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)

# The dynamic-provider plugin is a tiny shell script, rewritten on every run so it always matches this
# file. Unlike the upstream shim it fails loudly when @pulumi/pulumi cannot be resolved.
write_shim() {
  local shim="$bin/pulumi-resource-pulumi-nodejs"
  cat > "$shim.tmp" <<'SHIM'
#!/bin/sh
# Pulumi's Node.js dynamic-provider host, written by mailshift's scripts/pulumi.sh.
# Resolves @pulumi/pulumi from the working directory the engine gives its plugins, then NODE_PATH.
script=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))" 2>/dev/null)
if [ -z "$script" ]; then
  echo "pulumi-resource-pulumi-nodejs: cannot resolve @pulumi/pulumi/cmd/dynamic-provider from $(pwd);" \
    "run the program from the project directory or set NODE_PATH=<project>/node_modules" >&2
  exit 1
fi
exec node "$script" "$@"
SHIM
  chmod +x "$shim.tmp"
  mv -f "$shim.tmp" "$shim"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one build at a time per version; a second caller waits and then reuses it

if [ -z "${MAILSHIFT_PULUMI_REBUILD:-}" ] && [ -x "$bin/pulumi" ] &&
  [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $bin/pulumi ($version)"
  write_shim
  echo "$bin"
  exit 0
fi

go_bin=${GO:-}
if [ -z "$go_bin" ]; then
  if command -v go >/dev/null 2>&1; then go_bin=go
  elif [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go
  fi
fi
if [ -z "$go_bin" ]; then
  log "no pulumi on PATH and no Go toolchain (go on PATH or /usr/local/go/bin/go): install Go >= 1.26"
  exit 3
fi

log "building the Pulumi CLI $version with $("$go_bin" version) into $bin"
log "(first time: downloads ~1.6 GB of modules through the Go proxy and compiles; progress below)"
start=$(date +%s)
rm -rf "$cache/build"
mkdir -p "$cache/build"
(
  cd "$mod"
  export GOFLAGS=-mod=mod CGO_ENABLED=0
  "$go_bin" build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$cache/build/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
) >&2
mkdir -p "$bin"
mv -f "$cache/build/pulumi" "$bin/pulumi"
rmdir "$cache/build"
echo "$stamp" > "$cache/stamp"
write_shim
log "built in $(( $(date +%s) - start ))s: $("$bin/pulumi" version)"
echo "$bin"
