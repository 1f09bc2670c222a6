#!/usr/bin/env bash
# Cyrus IMAP 3.6 for the test harness (harness/cyrus.ts), beside Dovecot. Idempotent; a no-op in milliseconds once done.
#
# Debian's cyrus-imapd conflicts with dovecot-imapd (both provide imap-server), and cyrus-common depends on an MTA
# (default-mta: exim4, a daemon). Dovecot must stay, and no daemon may be left installed and enabled, so neither
# package is installed: both are fetched with `apt-get download` and unpacked with `dpkg-deb -x` into
#   ${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/cyrus   (binaries in usr/lib/cyrus/bin, libraries in usr/lib/<triplet>)
# What they need that conflicts with nothing is installed with apt: their shared libraries (the lib* packages of
# their Depends lines that are missing), sasl2-bin (saslpasswd2, for the harness's sasldb) and libsasl2-modules.
# sasl2-bin ships saslauthd, a service: a temporary policy-rc.d keeps it from starting and it is disabled afterwards.
# A `cyrus` system user is created (as cyrus-common's own postinst would): Cyrus refuses to run as root.
# Must run as root (or with sudo available).
set -euo pipefail

cache="${MAILSHIFT_CACHE:-$HOME/.cache/mailshift}/cyrus"
stamp="$cache/.installed"
bin="$cache/usr/lib/cyrus/bin"
# the unpacked libcyrus*.so (the multiarch folder, e.g. usr/lib/x86_64-linux-gnu)
libdirs() { local d; for d in "$cache"/usr/lib/*-linux-gnu*; do [ -d "$d" ] && printf '%s' "$d"; done; }

ready() {
  [ -f "$stamp" ] && [ -x "$bin/master" ] && [ -x "$bin/imapd" ] && [ -x "$bin/ctl_cyrusdb" ] &&
    command -v saslpasswd2 >/dev/null 2>&1 && id -u cyrus >/dev/null 2>&1
}
# every library resolves (ldd takes a third of a second, so only after an install)
linked() { ! LD_LIBRARY_PATH="$(libdirs)" ldd "$bin/imapd" "$bin/master" "$bin/ctl_cyrusdb" 2>/dev/null | grep -q 'not found'; }
if ready; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq --no-install-recommends -o DPkg::Lock::Timeout=600)

# No service may start from this install; remove the switch only if we created it (a container may ship its own).
policy=/usr/sbin/policy-rc.d
own_policy=
cleanup() {
  if [ -n "$own_policy" ]; then $SUDO rm -f "$policy"; fi
  if [ -n "${tmp:-}" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # so that the EXIT trap runs on a signal too
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy"
  own_policy=1
fi

echo "cyrus.sh: fetching cyrus-common and cyrus-imapd (unpacked into $cache, not installed)" >&2
tmp=$(mktemp -d)
chmod 755 "$tmp" # apt's _apt user downloads into it
if ! (cd "$tmp" && apt-get download -q cyrus-common cyrus-imapd >/dev/null 2>&1); then
  $SUDO apt-get update -qq
  (cd "$tmp" && apt-get download -q cyrus-common cyrus-imapd >/dev/null)
fi

# Missing shared libraries of both packages (only lib* alternatives-free names: the MTA, adduser, perl... are not wanted).
mapfile -t libs < <(for deb in "$tmp"/*.deb; do dpkg-deb -f "$deb" Depends | tr ',' '\n'; done |
  sed 's/([^)]*)//g; s/^ *//; s/ *$//' | grep -E '^lib[^|]*$' | sed 's/:any$//' | sort -u)
need=()
for p in "${libs[@]}" libsasl2-modules sasl2-bin; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "cyrus.sh: installing ${need[*]} from Debian" >&2
  $SUDO apt-get install "${apt_opts[@]}" "${need[@]}" >/dev/null || {
    $SUDO apt-get update -qq
    $SUDO apt-get install "${apt_opts[@]}" "${need[@]}" >/dev/null
  }
fi

# saslauthd is not used (the harness checks passwords in a sasldb of its own): never started, never enabled.
if [ -e /lib/systemd/system/saslauthd.service ] || [ -e /etc/init.d/saslauthd ]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now saslauthd.service >/dev/null 2>&1 || true
  else
    command -v deb-systemd-helper >/dev/null 2>&1 && $SUDO deb-systemd-helper disable saslauthd.service >/dev/null 2>&1 || true
    if [ -x /etc/init.d/saslauthd ]; then $SUDO /etc/init.d/saslauthd stop >/dev/null 2>&1 || true; fi
  fi
  command -v update-rc.d >/dev/null 2>&1 && $SUDO update-rc.d saslauthd disable >/dev/null 2>&1 || true
fi

if ! id -u cyrus >/dev/null 2>&1; then
  echo "cyrus.sh: creating the system user cyrus (Cyrus refuses to run as root)" >&2
  $SUDO useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cyrus
fi

rm -rf "$cache.new"
mkdir -p "$cache.new"
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$cache.new"; done
chmod 755 "$cache.new"
basename -a "$tmp"/*.deb >"$cache.new/.installed"
rm -rf "$cache"
mv "$cache.new" "$cache"

if ! ready || ! linked; then
  echo "cyrus.sh: Cyrus is still not usable from $cache:" >&2
  LD_LIBRARY_PATH="$(libdirs)" ldd "$bin/imapd" "$bin/master" "$bin/ctl_cyrusdb" | grep 'not found' >&2 || true
  exit 1
fi
echo "cyrus.sh: Cyrus $(sed -n 's/^cyrus-imapd_\([^_]*\)_.*/\1/p' "$stamp") ready in $cache" >&2
