#!/usr/bin/env bash
# Runs COMMAND against a whole stack started here (burnoutctl up on free ports), with what a
# browser test needs in its environment: BURNOUT_WEB_URL, CHROMIUM (Debian's), and Chromium's
# fake camera and microphone files (BURNOUT_FAKE_VIDEO, BURNOUT_FAKE_AUDIO, written by
# burnout-fake-media); SCREENSHOT_DIR defaults to build/screenshots. The stack is stopped after.
#   tests/web/with_stack.sh BIN_DIR COMMAND...   (from the repository root; 77 = skipped)
# The browser tests: tests/web/with_stack.sh build/bin node --test tests/web/browser.test.mjs
# The browser figures: tests/web/with_stack.sh build/bin node benchmarks/web_browser_bench.mjs
set -euo pipefail
bin="$1"
shift
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then echo "SKIP: no $chromium (deploy/setup-debian.sh installs it)"; exit 77; fi
if [ ! -d clients/web/node_modules/playwright-core ] || [ ! -f clients/web/static/vendor/uPlot.iife.min.js ]; then
  echo "SKIP: the app's npm packages are not installed (deploy/build-web.sh)"; exit 77
fi
run="$(mktemp -d "${TMPDIR:-/tmp}/web_browser.XXXXXX")"
ctl() { "$bin/burnoutctl" --config config/stack.textproto --run_dir "$run" "$@"; }
cleanup() { ctl down >/dev/null 2>&1 || true; rm -rf "$run"; }
trap cleanup EXIT
"$bin/burnout-fake-media" "$run/camera.y4m" "$run/mic.wav"
if ! ctl up --base_port 0 >"$run/up.log" 2>&1; then cat "$run/up.log"; exit 1; fi
export BURNOUT_WEB_URL="http://127.0.0.1:$(cat "$run/web.port")"
export BURNOUT_FAKE_VIDEO="$run/camera.y4m" BURNOUT_FAKE_AUDIO="$run/mic.wav" CHROMIUM="$chromium"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$PWD/build/screenshots}"
mkdir -p "$SCREENSHOT_DIR"
status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then
  for f in "$run"/*.log; do echo "== $f"; tail -n 20 "$f"; done
fi
exit "$status"
