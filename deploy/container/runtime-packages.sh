#!/usr/bin/env bash
# Prints the Debian packages that own the shared libraries the given binaries load (ldd), one a
# line, sorted: what the container's runtime stage installs, so it follows the build's real
# link lines instead of a hand-kept list. Run on the build stage's Debian 12.
#   bash deploy/container/runtime-packages.sh build/bin/burnout-* build/bin/burnoutctl
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }
libs=$(for b in "$@"; do ldd "$b"; done | awk '/=> \//{print $3} / not found/{print "MISSING:" $1}' | sort -u)
if grep -q '^MISSING:' <<<"$libs"; then
  echo "runtime-packages: libraries not found: $(grep '^MISSING:' <<<"$libs" | tr '\n' ' ')" >&2
  exit 1
fi
for lib in $libs; do
  real=$(readlink -f "$lib")
  # Debian 12 registers some libraries under /lib (merged /usr): try both spellings.
  for p in "$real" "${real#/usr}" "$lib" "${lib#/usr}"; do
    if owner=$(dpkg-query -S "$p" 2>/dev/null); then
      echo "${owner%%:*}" | tr ',' '\n' | sed 's/^ *//; s/:.*//'
      break
    fi
  done
done | sort -u
