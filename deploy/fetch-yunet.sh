#!/usr/bin/env bash
# Puts the YuNet face detector where config/face.textproto expects it:
# models/third_party/yunet/face_detection_yunet_2022mar.onnx (not committed; MIT License,
# (c) 2020 Shiqi Yu, opencv/opencv_zoo). Copied from ../shared/models/yunet when present,
# otherwise downloaded from opencv_zoo; the SHA-256 is checked either way. The 2023 version of
# the model does not load in OpenCV 4.6. Without the file, the face analyzer's detector chain
# starts at the Haar cascade and says so in its log.
set -uo pipefail
cd "$(dirname "$0")/.."
NAME=face_detection_yunet_2022mar.onnx
SHA=50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7
DEST=models/third_party/yunet/$NAME
URL=https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/face_detection_yunet/$NAME
ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA" ]; }
if ok "$DEST"; then echo "yunet: $DEST present"; exit 0; fi
mkdir -p "$(dirname "$DEST")"
if ok "../shared/models/yunet/$NAME"; then
  cp "../shared/models/yunet/$NAME" "$DEST" && echo "yunet: copied from ../shared/models/yunet" && exit 0
fi
if command -v curl >/dev/null && curl -fsSL --max-time 60 -o "$DEST.part" "$URL" && ok "$DEST.part"; then
  mv "$DEST.part" "$DEST" && echo "yunet: downloaded $URL" && exit 0
fi
rm -f "$DEST.part"
echo "yunet: not available (no ../shared copy, no download); face detection starts at the Haar cascade" >&2
exit 1
