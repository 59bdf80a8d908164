#!/usr/bin/env bash
# Who may include whom (ARCHITECTURE.md). Scans the project's own includes ("a/b.h") under a
# source root and prints every one that crosses a forbidden line; exits 1 if there is any.
#   check_dependencies.sh [source_root]
#
#   common/<topic>/   -> common/, the protos (burnout/v1/)
#   services/<name>/  -> itself, common/, the protos          (never another service)
#   orchestrator/     -> itself, common/, the protos          (services only over gRPC)
#   clients/          -> clients/, common/, the protos        (no orchestrator, no services)
# tests/ and benchmarks/ may include anything. Third-party headers (<...> or a path whose first
# part is not one of the project's top-level folders) are not checked here.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$root"
own='^(common|services|orchestrator|clients|tests|benchmarks|burnout)/'
violations=0
check() {  # check <file> <allowed-regex>
  local file=$1 allowed=$2
  while IFS= read -r inc; do
    [[ "$inc" =~ $own ]] || continue
    if ! [[ "$inc" =~ $allowed ]]; then
      echo "$file includes \"$inc\""
      violations=$((violations + 1))
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
}
while IFS= read -r -d '' f; do
  case "$f" in
    common/*)       check "$f" '^(common|burnout)/' ;;
    services/*)     svc=$(echo "$f" | cut -d/ -f2); check "$f" "^(services/$svc|common|burnout)/" ;;
    orchestrator/*) check "$f" '^(orchestrator|common|burnout)/' ;;
    clients/*)      check "$f" '^(clients|common|burnout)/' ;;
  esac
done < <(find common services orchestrator clients -type f \( -name '*.h' -o -name '*.cc' \) -print0 2>/dev/null)
if [ "$violations" -gt 0 ]; then
  echo "$violations forbidden include(s); see ARCHITECTURE.md"
  exit 1
fi
echo "dependencies: every include is allowed"
