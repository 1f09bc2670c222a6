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
# - Go itself: $GO, else a go >= 1.21 on PATH or in /usr/local/go (it fetches the 1.26 toolchain the go.mod
#   files ask for by itself, through the proxy); else (fresh machine, or Debian bookworm's go 1.19) this script
#   fetches golang.org/toolchain go1.26.8 from the Go module proxy (a Go module like any other, 70 MB),
#   checks it against the hash pinned below from sum.golang.org and unpacks it into the cache. Needs curl or
#   wget, and unzip or python3.
#
# Environment for a run (test/e2e/engine-smoke.test.ts sets these):
#   PATH=<node 22 dir>:<this bin dir>:$PATH   node_modules/.bin first: the system node is too old
#   PULUMI_BACKEND_URL=file://<folder>         local backend; PULUMI_HOME=<folder> optional
#   PULUMI_CONFIG_PASSPHRASE=<passphrase>      passphrase secrets provider
#   PULUMI_SKIP_UPDATE_CHECK=true, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (no downloads)
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true (Automation API; CLI 3.274.1 vs npm SDK 3.276.0)
#   NODE_PATH=<repo>/node_modules              only when the project directory is outside the repository
#
# Knobs: MAILSHIFT_CACHE (cache root), MAILSHIFT_PULUMI_REBUILD=1, GO (go binary), GOPROXY (first entry
# is used to fetch Go), GOMODCACHE/GOCACHE (Go's own). Exit status 3: no pulumi on PATH, no Go, and no Go
# toolchain for this platform (Linux amd64/arm64 only) to fetch; any other failure exits 1.
#
# Timings from scratch (2 cores, empty Go caches, CGO off), measured twice:
#   quiet machine, Go installed: pulumi 6m50s wall (module downloads + compile + link), language host ~1-2m.
#   busy machine (load ~8), no Go: fetch+check Go 1.26.8 ~10s, pulumi 14m37s, language host 1m03s: 15m48s.
#   A second run: 0.3s. Disk: the cache 374 MB (bin/ 134 MB: pulumi 117 MB stripped, language host 18 MB;
#   the fetched Go 240 MB); Go's module cache +1.7 GB and build cache +1.9 GB (GOMODCACHE/GOCACHE,
#   reclaimable once built). CI that keeps ${MAILSHIFT_CACHE} between runs skips all of it.
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

# The Go toolchain fetched when this machine has none (or one older than 1.21, which cannot switch
# toolchains by itself, like Debian bookworm's 1.19): the official golang.org/toolchain module from the Go
# module proxy, checked against these hashes from the Go checksum database (sum.golang.org).
go_fetch_version=1.26.8
go_fetch_sum_amd64="h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM="
go_fetch_sum_arm64="h1:sYL/O6MqS68ML0kjsQ36WoYIpJqkw60TxizWUYUKQMc="

# go_minor GO: prints the minor version of a Go 1.x toolchain (0 when it cannot tell).
go_minor() {
  local v; v=$("$1" env GOVERSION 2>/dev/null || true)
  v=${v#go1.}; v=${v%%[!0-9]*}
  echo "${v:-0}"
}

# fetch_go: unpacks the pinned toolchain into the cache and sets go_bin; returns 1 when impossible here.
fetch_go() {
  local arch sum dest tmp url proxy
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) arch=amd64; sum=$go_fetch_sum_amd64 ;;
    Linux/aarch64 | Linux/arm64) arch=arm64; sum=$go_fetch_sum_arm64 ;;
    *) return 1 ;;
  esac
  dest="${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/go$go_fetch_version"
  if [ -x "$dest/bin/go" ]; then go_bin="$dest/bin/go"; return 0; fi
  proxy=${GOPROXY:-https://proxy.golang.org}; proxy=${proxy%%[,|]*}
  case "$proxy" in direct | off | "") proxy=https://proxy.golang.org ;; esac
  url="$proxy/golang.org/toolchain/@v/v0.0.1-go$go_fetch_version.linux-$arch.zip"
  log "no usable Go here: fetching go$go_fetch_version (about 70 MB) from $url"
  tmp=$(mktemp -d)
  # From here on a failure is an error, not a reason to skip (exit inside: set -e is off in `if find_go`).
  if command -v curl >/dev/null 2>&1; then curl -fsSL "$url" -o "$tmp/go.zip" || { log "download of $url failed"; exit 1; }
  elif command -v wget >/dev/null 2>&1; then wget -q "$url" -O "$tmp/go.zip" || { log "download of $url failed"; exit 1; }
  else
    log "neither curl nor wget is installed: apt-get install -y curl"; rm -rf "$tmp"; exit 1
  fi
  mkdir "$tmp/x"
  if command -v unzip >/dev/null 2>&1; then unzip -q "$tmp/go.zip" -d "$tmp/x" || { log "unzip $tmp/go.zip failed"; exit 1; }
  elif command -v python3 >/dev/null 2>&1; then python3 -m zipfile -e "$tmp/go.zip" "$tmp/x" || { log "unpacking $tmp/go.zip failed"; exit 1; }
  else
    log "neither unzip nor python3 is installed: apt-get install -y unzip"; rm -rf "$tmp"; exit 1
  fi
  # Go's "h1:" module hash: sha256 over the sorted "<sha256>  <name>" lines of every file in the zip.
  local hex got
  hex=$(cd "$tmp/x" && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c1-64)
  got="h1:$(printf "$(echo "$hex" | sed 's/../\\x&/g')" | base64)"
  if [ "$got" != "$sum" ]; then
    log "the Go toolchain from $url has hash $got, expected $sum: not using it"; rm -rf "$tmp"; exit 1
  fi
  local root="$tmp/x/golang.org/toolchain@v0.0.1-go$go_fetch_version.linux-$arch"
  chmod +x "$root"/bin/* "$root"/pkg/tool/*/* || exit 1 # module zips carry no file modes
  mkdir -p "$(dirname "$dest")" && rm -rf "$dest" && mv "$root" "$dest" || exit 1
  rm -rf "$tmp"
  log "Go $("$dest/bin/go" env GOVERSION) unpacked into $dest"
  go_bin="$dest/bin/go"
}

# find_go: sets go_bin to $GO, else a go on PATH or in /usr/local/go (1.21+: they fetch the 1.26 toolchain
# go.mod asks for by themselves, through the proxy), else the fetched toolchain.
go_bin=
find_go() {
  [ -n "$go_bin" ] && return 0
  local candidate
  for candidate in "${GO:-}" "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(go_minor "$candidate")" -ge 21 ]; then
      go_bin=$candidate; return 0
    fi
  done
  fetch_go
}

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
  if ! find_go; then
    log "no pulumi on PATH, no Go >= 1.21 (GO, PATH, /usr/local/go) and none fetchable for this platform to build $name: install Go >= 1.26"
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
