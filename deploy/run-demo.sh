#!/usr/bin/env bash
# Set up, build, start every service on loopback (burnoutctl up) and assess a journal entry
# together with a spoken clip (espeak-ng reads the entry aloud, slowly and flatly) through the
# stack. The stack keeps running; `./build/bin/burnoutctl down` stops it.
#   bash deploy/run-demo.sh ["journal text"] [clip.wav]
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
ctl=./build/bin/burnoutctl
$ctl up
text="${1:-I am exhausted. Every day feels the same, the deadlines never stop and I cannot sleep. I used to love this work.}"
clip="${2:-}"
if [ -z "$clip" ]; then
  clip=.run/demo-voice.wav
  mkdir -p .run
  espeak-ng -w "$clip" -s 115 -p 35 "$text"
fi
$ctl assess --user demo --text "$text" --audio "$clip"
echo
echo "More: $ctl history --user demo | $ctl trend --user demo | $ctl export --user demo --format json | $ctl down"
