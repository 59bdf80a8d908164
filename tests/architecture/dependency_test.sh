#!/usr/bin/env bash
# The dependency rules of ARCHITECTURE.md hold for the source tree, and the checker catches
# each kind of forbidden include (on small trees made here), so the test can fail.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check="$here/check_dependencies.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

expect() {  # expect <pass|fail> <name> <file> <include>...
  local want=$1 name=$2 file=$3
  shift 3
  local tree="$tmp/$name"
  mkdir -p "$tree/$(dirname "$file")"
  : >"$tree/$file"
  for inc in "$@"; do echo "#include \"$inc\"" >>"$tree/$file"; done
  echo '#include <vector>' >>"$tree/$file"
  if bash "$check" "$tree" >"$tree.out" 2>&1; then got=pass; else got=fail; fi
  if [ "$got" != "$want" ]; then
    echo "FAIL: $name: expected $want, got $got"; cat "$tree.out"; failures=$((failures + 1))
  elif [ "$want" = fail ] && ! grep -q "$file includes" "$tree.out"; then
    echo "FAIL: $name: the message does not name $file"; cat "$tree.out"; failures=$((failures + 1))
  fi
}

expect fail client_to_orchestrator clients/burnoutctl/render.cc orchestrator/explainer.h
expect fail client_to_service clients/capture/media_source.cc services/voice/audio_decode.h
expect fail service_to_service services/fusion/synthetic_profiles.cc services/voice/voice_model.h
expect fail service_to_orchestrator services/text/text_service.cc orchestrator/assessor.h
expect fail orchestrator_to_service orchestrator/session.cc services/face/face_model.h
expect fail common_to_service common/audio/audio_decode.cc services/voice/acoustics.h
expect fail common_to_client common/grpc/server.cc clients/burnoutctl/render.h
expect pass allowed_service services/voice/voice_model.cc services/voice/acoustics.h common/schema/voice_mapping.h burnout/v1/model.pb.h
expect pass allowed_client clients/burnoutctl/main.cc clients/burnoutctl/render.h common/api/api_text.h burnout/v1/burnout_risk.grpc.pb.h
expect pass third_party services/face/face_model.cc opencv2/core.hpp absl/status/status.h

echo "the source tree:"
if ! bash "$check" "$(cd "$here/../.." && pwd)"; then failures=$((failures + 1)); fi
if [ "$failures" -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "dependency rules: all checks passed"
