#!/usr/bin/env bash
# Makes sure the real Pulumi engine exists and prints (stdout, last line) the directory holding `pulumi`,
# the Node.js language host and the dynamic-provider plugin. Progress goes to stderr. Usage:
#   PATH="$(bash scripts/pulumi.sh | tail -1):$PATH"
#
# Where the engine comes from
# - A `pulumi` already on PATH is used as it is (a real distribution ships its own bundled plugins).
# - Otherwise it is built with `go build` from the Go module proxy (the only way here: the `pulumi` npm
#   package only downloads the CLI) into ${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/pulumi-<version>/bin,
#   outside the repository. A stamp of each wrapper module's go.mod+go.sum decides reuse, so a second run
#   takes a fraction of a second; MAILSHIFT_PULUMI_REBUILD=1 forces a rebuild.
#   - pulumi: tools/pulumi/go.mod requires github.com/pulumi/pulumi/pkg/v3 and sdk/v3 at v3.274.1 and copies
#     the one `replace` pkg/v3's go.mod needs outside the pulumi repository (atotto/clipboard => tgummerer);
#     its other replace (sdk/v3 => ../sdk) is what requiring sdk/v3 at the same version stands for.
#   - pulumi-language-nodejs: the host that lets `pulumi preview/up` run a Pulumi.yaml project with
#     `runtime: nodejs`. Its current module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
#     is NOT served by the Go proxy here (403 "not available"), and sdk/v3 zips after v3.68.0 leave it out.
#     tools/pulumi/langhost-nodejs/go.mod builds it from sdk/v3 v3.68.0, the last release that contains it;
#     it only finds `node`, runs @pulumi/pulumi/cmd/run of the installed npm SDK (3.276.0) and reports
#     plugins, and the 3.274.1 engine drives it fine (preview, up, refresh, destroy, config; the e2e test).
#     If it ever breaks, the supported way around is the Automation API with an inline program
#     (@pulumi/pulumi/automation, LocalWorkspace.createOrSelectStack({ stackName, projectName, program })),
#     which needs no language host: the Node process serves the program and the engine connects to it.
#   - pulumi-resource-pulumi-nodejs: the dynamic-provider plugin, a shell script written here. The engine
#     looks for it (a "bundled" plugin) next to the `pulumi` executable, after PATH. It runs
#     @pulumi/pulumi/cmd/dynamic-provider with the `node` on PATH, resolving the package from the plugin's
#     working directory (the project directory), then NODE_PATH; unlike npm's own shim it fails loudly.
# - Cannot be built or downloaded here: the cloudflare, azuread and command provider plugins.
#
# Environment for a run (test/e2e/engine-smoke.test.ts sets these):
#   PATH=<node 22 dir>:<this bin dir>:$PATH   node_modules/.bin first: the system node is too old
#   PULUMI_BACKEND_URL=file://<folder>         local backend; PULUMI_HOME=<folder> optional
#   PULUMI_CONFIG_PASSPHRASE=<passphrase>      passphrase secrets provider
#   PULUMI_SKIP_UPDATE_CHECK=true, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (no downloads)
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true (Automation API; CLI 3.274.1 vs npm SDK 3.276.0)
#   NODE_PATH=<repo>/node_modules              only when the project directory is outside the repository
#
# Knobs: MAILSHIFT_CACHE (cache root), MAILSHIFT_PULUMI_REBUILD=1, GO (go binary; default `go` on PATH,
# then /usr/local/go/bin/go). Exit status 3: no pulumi on PATH and no Go to build one.
#
# Timings (2 shared cores, go 1.26.8, CGO off, empty Go caches): pulumi 6m50s wall (module downloads,
# compile, link); pulumi-language-nodejs ~2m more; a second run 0.3s. Disk: bin/ 140 MB (pulumi 117 MB
# stripped, language host 18 MB); Go's module cache +1.6 GB and build cache +1.9 GB (GOMODCACHE/GOCACHE,
# reclaimable once built). CI caching ${MAILSHIFT_CACHE} alone skips all of it.
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

go_bin=${GO:-}
if [ -z "$go_bin" ]; then
  if command -v go >/dev/null 2>&1; then go_bin=go
  elif [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go
  fi
fi

# build NAME MODULE_DIR PACKAGE [LDFLAGS]: go build PACKAGE from MODULE_DIR into $bin/NAME, unless the
# binary is there and was built from the same go.mod+go.sum.
build() {
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-} stamp
  stamp=$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)
  if [ -z "${MAILSHIFT_PULUMI_REBUILD:-}" ] && [ -x "$bin/$name" ] &&
    [ "$(cat "$cache/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "reusing $bin/$name"
    return 0
  fi
  if [ -z "$go_bin" ]; then
    log "no pulumi on PATH and no Go toolchain (go on PATH or /usr/local/go/bin/go) to build $name: install Go >= 1.26"
    exit 3
  fi
  log "building $name ($pkg) with $("$go_bin" version) into $bin; first time on a fresh machine this downloads"
  log "the modules through the Go proxy and compiles for several minutes (see the timings above in this script)"
  local start; start=$(date +%s)
  mkdir -p "$cache/build" "$bin"
  (
    cd "$dir"
    export GOFLAGS=-mod=mod CGO_ENABLED=0
    "$go_bin" build -trimpath -ldflags "-s -w $ldflags" -o "$cache/build/$name" "$pkg"
  ) >&2
  mv -f "$cache/build/$name" "$bin/$name"
  echo "$stamp" > "$cache/$name.stamp"
  log "built $name in $(( $(date +%s) - start ))s"
}

build pulumi "$mod" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
build pulumi-language-nodejs "$mod/langhost-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
rmdir "$cache/build" 2>/dev/null || true
write_shim
log "ready: $("$bin/pulumi" version) in $bin"
echo "$bin"
