#!/usr/bin/env bash
# Installs the Debian packages (deploy/setup-debian.sh) and builds everything into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup-debian.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
# The browser app's npm packages (pinned by clients/web/package-lock.json) and its vendor files.
bash deploy/build-web.sh
