#!/usr/bin/env bash
# Set up, build and run every test (unit, service, integration, the browser tests, and the
# sanitizer steps: the fuzz harnesses' smoke run and the unit tests under ASan+UBSan and TSan,
# built here by deploy/sanitize.sh). Tests that need ../shared/data skip with a message when it
# is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
bash deploy/sanitize.sh build
ctest --test-dir build --output-on-failure -j 2 --timeout 900
