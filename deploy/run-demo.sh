#!/usr/bin/env bash
# Set up, build, start every service on loopback (burnoutctl up) and assess a journal entry
# together with a spoken clip (espeak-ng reads the entry aloud, slowly and flatly) and a
# photo (the public-domain astronaut portrait from ../shared/data/faces when it is there)
# through the stack. The stack keeps running; `./build/bin/burnoutctl down` stops it.
#   bash deploy/run-demo.sh ["journal text"] [clip.wav] [photo.jpg|png]
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
ctl=./build/bin/burnoutctl
$ctl up
text="${1:-I am exhausted. Every day feels the same, the deadlines never stop and I cannot sleep. I used to love this work.}"
clip="${2:-}"
photo="${3:-}"
if [ -z "$clip" ]; then
  clip=.run/demo-voice.wav
  mkdir -p .run
  espeak-ng -w "$clip" -s 115 -p 35 "$text"
fi
if [ -z "$photo" ] && [ -f ../shared/data/faces/astronaut.png ]; then
  photo=../shared/data/faces/astronaut.png
fi
$ctl assess --user demo --text "$text" --audio "$clip" ${photo:+--image "$photo"}
echo
echo "More: $ctl history --user demo | $ctl trend --user demo | $ctl export --user demo --format json | $ctl down"
