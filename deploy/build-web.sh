#!/usr/bin/env bash
# Builds the browser app's vendored files: installs clients/web's npm packages exactly as
# clients/web/package-lock.json pins them (npm ci) and copies the chart library (uPlot) into
# clients/web/static/vendor/, which burnout-web serves with the rest of clients/web/static/.
# Nothing is loaded from a CDN: after this the app works offline. Idempotent: npm ci is skipped
# while node_modules was installed from the same lockfile (a stamp of its SHA-256), and the
# copies are only rewritten when they differ.
#   bash deploy/build-web.sh
set -uo pipefail
cd "$(dirname "$0")/../clients/web" || exit 1

fail() {
  echo "build-web: $*" >&2
  exit 1
}

command -v npm >/dev/null 2>&1 ||
  fail "npm is not installed; install Node.js and npm (Debian: apt-get install nodejs npm) and run again"
[ -f package-lock.json ] || fail "clients/web/package-lock.json is missing"

stamp=node_modules/.burnout-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$want" != "$have" ] || [ ! -f node_modules/uplot/dist/uPlot.iife.min.js ]; then
  echo "build-web: npm ci (clients/web)"
  if ! npm ci --no-audit --no-fund; then
    fail "npm ci failed in clients/web (is the npm registry reachable?); nothing was copied"
  fi
  echo "$want" >"$stamp"
else
  echo "build-web: node_modules already matches package-lock.json"
fi

mkdir -p static/vendor || fail "cannot create clients/web/static/vendor"
for f in uPlot.iife.min.js uPlot.min.css; do
  src=node_modules/uplot/dist/$f
  [ -f "$src" ] || fail "$src is missing after npm ci"
  if ! cmp -s "$src" "static/vendor/$f"; then
    cp "$src" "static/vendor/$f.tmp" && mv "static/vendor/$f.tmp" "static/vendor/$f" ||
      fail "cannot copy $f into clients/web/static/vendor"
  fi
done
cp node_modules/uplot/LICENSE static/vendor/uPlot.LICENSE 2>/dev/null || true
echo "build-web: clients/web/static/vendor is ready (uPlot $(node -p 'require("./node_modules/uplot/package.json").version' 2>/dev/null || echo '?'))"
