#!/usr/bin/env bash
# The references the DNS proofs are tested against (run by scripts/setup.sh after the apt installs):
# - the openspf RFC 7208 test suite, which Debian's python3-spf ships as documentation
#   (test/unit/dns/rfc7208.test.ts reads it from there);
# - BIND's named-compilezone (bind9-utils), which test/dns/zoneBind.test.ts compares the zone importer with.
# Minimal Debian images drop /usr/share/doc (dpkg path-exclude); then the suite is taken from the package file.
set -euo pipefail
SUITE=/usr/share/doc/python3-spf/rfc7208-tests.yml.gz
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
if [ ! -e "$SUITE" ]; then
  echo "setup: $SUITE missing (documentation excluded?); extracting it from the python3-spf package"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download python3-spf >/dev/null)
  dpkg-deb --fsys-tarfile "$tmp"/python3-spf_*.deb | tar -x -C "$tmp" ".$SUITE"
  $SUDO install -D -m 644 "$tmp$SUITE" "$SUITE"
fi
command -v named-compilezone >/dev/null 2>&1 || { echo "setup: named-compilezone missing: apt-get install bind9-utils" >&2; exit 1; }
