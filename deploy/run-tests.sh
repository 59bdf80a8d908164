#!/usr/bin/env bash
# Set up, build and run every test (unit, service, integration). Tests that need
# ../shared/data skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
ctest --test-dir build --output-on-failure -j 2 --timeout 900
