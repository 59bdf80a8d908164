#!/usr/bin/env bash
# Builds one libFuzzer harness (tests/fuzz/fuzz_NAME.cc; clang-14, every library under ASan and
# UBSan, in ./build-fuzz) and runs it for SECONDS (default 60) on its corpus
# (build-fuzz/corpus/NAME, grown across runs) and the seeds burnout-fuzz-seeds makes from the
# tests' fixtures. Prints the executions, the coverage and the findings; a finding's input is
# kept as build-fuzz/findings/NAME-* and the exit code is non-zero.
#   bash deploy/fuzz.sh NAME [SECONDS]
#   NAME: image audio_file audio_stream tokenizers config web_json session, or "all"
set -euo pipefail
cd "$(dirname "$0")/.."
names=(image audio_file audio_stream tokenizers config web_json session)
name="${1:?usage: deploy/fuzz.sh NAME|all [SECONDS]  (NAME: ${names[*]})}"
seconds="${2:-60}"
if [ "$name" = all ]; then
  status=0
  for n in "${names[@]}"; do
    rc=0
    bash "$0" "$n" "$seconds" || rc=$?
    if [ "$rc" -eq 77 ]; then exit 77; fi
    if [ "$rc" -ne 0 ]; then status=1; fi
  done
  exit "$status"
fi
printf '%s\n' "${names[@]}" | grep -qx "$name" || { echo "fuzz: no harness \"$name\" (${names[*]})" >&2; exit 2; }
command -v clang++-14 >/dev/null || { echo "fuzz: clang++-14 is missing (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# The suite's smoke test runs what deploy/run-tests.sh built, and skips (77) without it.
if [ "${BURNOUT_FUZZ_PREBUILT:-0}" = 1 ] && [ ! -x "build-fuzz/bin/fuzz_$name" ]; then
  echo "fuzz $name: SKIP: build-fuzz/bin/fuzz_$name is not built (deploy/sanitize.sh build asan)"; exit 77
fi
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBURNOUT_FUZZ=ON -DBURNOUT_BUILD_TESTS=OFF -DBURNOUT_BUILD_BENCHMARKS=OFF >/dev/null
fi
cmake --build build-fuzz --target "fuzz_$name" >/dev/null
seeds=build-fuzz/seeds
if [ ! -d "$seeds" ] && [ -x build/bin/burnout-fuzz-seeds ]; then build/bin/burnout-fuzz-seeds "$seeds" >/dev/null; fi
mkdir -p "build-fuzz/corpus/$name" "$seeds/$name" build-fuzz/findings
log="build-fuzz/$name.log"
status=0
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "build-fuzz/bin/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$name-" \
  "build-fuzz/corpus/$name" "$seeds/$name" >"$log" 2>&1 || status=$?
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || true)
corpus=$(find "build-fuzz/corpus/$name" -type f | wc -l)
findings=$(find build-fuzz/findings -name "$name-*" -type f | wc -l)
echo "fuzz $name: ${seconds} s, $execs executions ($rate/s), ${cov:-cov: ?}, corpus $corpus, findings $findings"
if [ "$status" -ne 0 ]; then
  echo "fuzz $name: FAILED (exit $status); the end of $log:" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
