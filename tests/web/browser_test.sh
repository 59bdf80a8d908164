#!/usr/bin/env bash
# The seven pages in Debian's chromium (headless, driven by playwright-core) against a whole
# stack started here: every page renders with zero serious axe-core violations, an assessment
# round-trips into History and Results, the Real-Time page streams the fake camera and
# microphone, delete removes the data, and one person cannot open another's results.
# Screenshots of each page go to $SCREENSHOT_DIR (default build/screenshots).
#   tests/web/browser_test.sh BIN_DIR        (from the repository root; 77 = skipped)
set -euo pipefail
bin="$1"
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
node --test --test-concurrency=1 --test-reporter=spec tests/web/browser.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  for f in "$run"/*.log; do echo "== $f"; tail -n 20 "$f"; done
fi
exit "$status"
