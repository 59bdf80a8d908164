#!/usr/bin/env bash
# deploy/k8s, validated offline (no cluster): every manifest against the Kubernetes API's JSON
# schemas, plus the project's rules. The rules: resources, probes and non-root in every
# container; each service's ConfigMap encodes as its config message
# (protoc --encode, proto/burnout/v1/config.proto); the NetworkPolicies allow exactly the
# architecture's arrows. Then each kind of breakage is made in a copy, and the validator must
# catch it, so the test can fail.
#
# The schemas come from the npm package kubernetes-models (pinned, with its dependencies, in
# tests/deploy/k8s-validate/package-lock.json), installed by `npm ci` into
# deploy/k8s/.validate (not committed). Without node/npm the test prints SKIP and passes.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/tests/deploy/k8s-validate"
work="$root/deploy/k8s/.validate"
cd "$root"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: k8s_manifests: node/npm not available (apt-get install npm), manifests not validated"
  exit 0
fi
if ! command -v protoc >/dev/null; then
  echo "FAIL: protoc not found (protobuf-compiler, installed by deploy/setup-debian.sh)"
  exit 1
fi

# Install the pinned validator once per lock file.
stamp="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ ! -d "$work/node_modules" ] || [ "$(cat "$work/.stamp" 2>/dev/null)" != "$stamp" ]; then
  mkdir -p "$work"
  rm -rf "$work/node_modules"
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  if ! (cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >npm-ci.log 2>&1); then
    echo "FAIL: npm ci in deploy/k8s/.validate failed:"
    tail -20 "$work/npm-ci.log"
    exit 1
  fi
  echo "$stamp" >"$work/.stamp"
fi
cp "$src/validate.mjs" "$src/mutate.mjs" "$work/"

passed=0
failed=0

# 1. The manifests as they are.
echo "== deploy/k8s"
if node "$work/validate.mjs" --root "$root" --dir "$root/deploy/k8s"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

# 2. kustomize builds them (kubectl's built-in kustomize, where kubectl is installed).
if command -v kubectl >/dev/null; then
  if out=$(kubectl kustomize deploy/k8s 2>&1); then
    n=$(grep -c '^kind:' <<<"$out")
    echo "kustomize: kubectl kustomize deploy/k8s builds $n objects"
    passed=$((passed + 1))
  else
    echo "FAIL: kubectl kustomize deploy/k8s: $out"
    failed=$((failed + 1))
  fi
else
  echo "SKIP: kubectl not installed: kustomization.yaml checked by the validator only"
fi

# 3. Every breakage is caught, and its failure names it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== the validator catches each breakage"
for m in $(node "$work/mutate.mjs" x --list); do
  copy="$tmp/$m"
  mkdir -p "$copy"
  cp -r deploy/k8s/*.yaml deploy/k8s/templates "$copy/"
  # The copies hold only what kustomization.yaml lists (and templates), like deploy/k8s should.
  for f in "$copy"/*.yaml; do
    b=$(basename "$f")
    [ "$b" = kustomization.yaml ] || grep -qx "  - $b" deploy/k8s/kustomization.yaml || rm -f "$f"
  done
  expect=$(node "$work/mutate.mjs" "$copy" "$m")
  if node "$work/validate.mjs" --root "$root" --dir "$copy" >"$copy.out" 2>&1; then
    echo "FAIL: $m: the validator passed a broken copy"
    failed=$((failed + 1))
  elif ! grep -F -q -- "$expect" "$copy.out"; then
    echo "FAIL: $m: the failure does not say \"$expect\":"
    grep '^FAIL' "$copy.out" | head -5
    failed=$((failed + 1))
  else
    echo "caught $m: $(grep -F -m1 -- "$expect" "$copy.out")"
    passed=$((passed + 1))
  fi
done

echo "k8s_manifests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
