#!/usr/bin/env bash
# Courier IMAP for the test harness (harness/courier.ts), beside Dovecot. Idempotent; a fast no-op once done.
#
# courier-imap conflicts with dovecot-imapd (both provide imap-server) and Dovecot must stay, so Courier's own
# packages are only downloaded and unpacked into a cache folder ($MAILSHIFT_CACHE/courier, default
# ~/.cache/mailshift/courier); the harness runs the binaries from there. Its libraries and the userdb module
# (no services in them) are installed normally with apt; authdaemond itself comes with courier-authlib (Debian's
# courier-authdaemon package, not installed, only adds the service that would run it system-wide).
# /etc/courier is created empty: the harness mounts its own per-server folder over it inside a private mount
# namespace (Courier's auth library only looks there and in /run/courier), so nothing from /etc is read.
set -euo pipefail

CACHE="${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/courier"
ROOT="$CACHE/root"
# Bump when the unpacked set changes, so an old cache is redone.
STAMP_VERSION="courier-imap courier-base v1"
APT_PKGS=(courier-authlib courier-authlib-userdb libcourier-unicode4 libgamin0 libgdbm6 libidn12 libpcre3 libltdl7 libgnutls30 util-linux)
UNPACK_PKGS=(courier-imap courier-base)

apt_missing() {
  local p missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

installed() {
  [ -f "$CACHE/installed" ] && [ "$(cat "$CACHE/installed")" = "$STAMP_VERSION" ] &&
    [ -x "$ROOT/usr/sbin/couriertcpd" ] && [ -x "$ROOT/usr/lib/courier/courier/imaplogin" ] &&
    [ -x "$ROOT/usr/bin/imapd" ] && [ -x /usr/lib/courier/courier-authlib/authdaemond ] &&
    [ -d /etc/courier ] && [ -z "$(apt_missing)" ]
}

if installed; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

missing="$(apt_missing)"
if [ -n "$missing" ]; then
  echo "courier: installing $missing from Debian"
  $SUDO apt-get update -qq
  # None of these packages has a service, but a dependency pulled in later might: a temporary policy-rc.d
  # (Debian's switch) forbids starting anything, removed on exit whatever happens.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    own_policy=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
  fi
  # shellcheck disable=SC2086 # a list of package names
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  if [ -n "$own_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi

echo "courier: downloading ${UNPACK_PKGS[*]} and unpacking them into $ROOT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt-get download runs as _apt and must write here
(cd "$work" && apt-get download -qq "${UNPACK_PKGS[@]}" 2>&1 | grep -v "unsandboxed" || true)
for p in "${UNPACK_PKGS[@]}"; do
  ls "$work/${p}_"*.deb >/dev/null 2>&1 || { echo "courier: apt-get download $p failed (run apt-get update?)" >&2; exit 1; }
done
rm -rf "$ROOT.new"
mkdir -p "$ROOT.new"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$ROOT.new"; done
rm -rf "$ROOT"
mv "$ROOT.new" "$ROOT"

# The mount point for the harness's per-server /etc/courier (see above); empty, read by nothing else.
[ -d /etc/courier ] || $SUDO mkdir -p /etc/courier

# Nothing installed above has a service; should a system-wide Courier have started anyway during this install,
# it is stopped. Only processes in the host's own PID namespace: the harness's servers each run in their own.
if [ -n "$missing" ]; then
  host_ns="$(readlink /proc/self/ns/pid)"
  for d in authdaemond couriertcpd courierlogger; do
    for pid in $(pgrep -x "$d" 2>/dev/null || true); do
      [ "$(readlink "/proc/$pid/ns/pid" 2>/dev/null || true)" = "$host_ns" ] || continue
      echo "courier: stopping system-wide $d (pid $pid)"
      $SUDO kill "$pid" || true
    done
  done
fi

echo "$STAMP_VERSION" >"$CACHE/installed"
echo "courier: ready in $ROOT ($(dpkg-deb -f "$work"/courier-imap_*.deb Version))"
