#!/usr/bin/env bash
# Set up, build, start every service on loopback (burnoutctl up) and assess a journal entry
# through the stack. The stack keeps running; `./build/bin/burnoutctl down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
ctl=./build/bin/burnoutctl
$ctl up
text="${1:-I am exhausted. Every day feels the same, the deadlines never stop and I cannot sleep. I used to love this work.}"
$ctl assess --user demo --text "$text"
echo
echo "More: $ctl history --user demo | $ctl trend --user demo | $ctl export --user demo --format json | $ctl down"
