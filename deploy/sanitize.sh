#!/usr/bin/env bash
# The unit tests under sanitizers (clang-14), each sanitizer in its own build:
#   bash deploy/sanitize.sh build [asan|tsan]   configure and build (both by default)
#   bash deploy/sanitize.sh run asan|tsan        run them; non-zero on any report
# asan: ASan + UBSan, in build-fuzz (the fuzz harnesses' build: every library already under
#       both): common_test, token_test, metrics_test, orchestrator_test, insight_test.
# tsan: ThreadSanitizer, in build-tsan: the concurrency-heavy ones: the executor and the
#       batcher (common_test), the metrics registry (metrics_test), the session core and the
#       store (orchestrator_test).
# Tests that load libtorch or OpenCV's models are not built here: those libraries are not
# instrumented, so their reports would be about them.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
asan_tests=(common_test token_test metrics_test orchestrator_test insight_test)
tsan_tests=(common_test metrics_test orchestrator_test)
# gRPC and abseil are Debian's shared libraries, not built with TSan: a test that runs a real
# gRPC server only shows TSan what it cannot see synchronise (tests/fuzz/tsan.supp names them).
declare -A tsan_filter=([metrics_test]="-MetricsTest.ServesCountsAndLatenciesOfRealRpcsAndReadiness")

configure() {  # dir, extra cmake args...
  local dir="$1"
  shift
  if [ ! -f "$dir/build.ninja" ] || ! grep -q "BURNOUT_BUILD_TESTS:BOOL=ON" "$dir/CMakeCache.txt"; then
    CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DBURNOUT_BUILD_TESTS=ON -DBURNOUT_BUILD_BENCHMARKS=OFF "$@" >/dev/null
  fi
}

build() {
  case "$1" in
    asan)
      configure build-fuzz -DBURNOUT_FUZZ=ON
      cmake --build build-fuzz --target "${asan_tests[@]}" fuzz_all ;;
    tsan)
      configure build-tsan -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread"
      cmake --build build-tsan --target "${tsan_tests[@]}" ;;
  esac
}

run() {
  local dir tests status=0
  case "$1" in
    asan) dir=build-fuzz; tests=("${asan_tests[@]}")
          export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ;;
    tsan) dir=build-tsan; tests=("${tsan_tests[@]}")
          export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/fuzz/tsan.supp" ;;
  esac
  for t in "${tests[@]}"; do
    if [ ! -x "$dir/bin/$t" ]; then echo "$1: SKIP: $dir/bin/$t is not built (deploy/sanitize.sh build $1)"; return 77; fi
  done
  for t in "${tests[@]}"; do
    local filter=()
    if [ "$1" = tsan ] && [ -n "${tsan_filter[$t]:-}" ]; then filter=(--gtest_filter="${tsan_filter[$t]}"); fi
    if "$dir/bin/$t" --gtest_brief=1 "${filter[@]}" >"$dir/$t.log" 2>&1; then
      echo "$1 $t: $(grep -o '[0-9]* tests\? from [0-9]* test suites\? ran' "$dir/$t.log" | head -n 1), clean"
    else
      status=1
      echo "$1 $t: FAILED; the end of $dir/$t.log:" >&2
      tail -n 40 "$dir/$t.log" >&2
    fi
  done
  return "$status"
}

command -v clang++-14 >/dev/null || { echo "sanitize: clang++-14 is missing (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
case "${1:-}" in
  build) if [ -n "${2:-}" ]; then build "$2"; else build asan; build tsan; fi ;;
  run) rc=0; run "${2:?asan or tsan}" || rc=$?; exit "$rc" ;;
  *) echo "usage: deploy/sanitize.sh build [asan|tsan] | run asan|tsan" >&2; exit 2 ;;
esac
