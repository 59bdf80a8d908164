#!/usr/bin/env bash
# The journal case suite through the whole stack, as a table: for tests/cases/journal_cases.tsv
# (asserted on by tests/integration/case_suite_test.cc) and tests/cases/journal_holdout.tsv
# (never asserted on, never used for tuning), per group: entries, mean risk score
# (P(moderate)/2 + P(high)) and how many were assessed low, moderate and high; then every
# "burnout" entry that came back low and every other entry that did not. Starts its own stack on free ports in a temporary run
# directory and stops it afterwards. Needs a build (bash deploy/build.sh).
#   bash deploy/eval-cases.sh [cases.tsv ...]
set -euo pipefail
cd "$(dirname "$0")/.."
ctl=./build/bin/burnoutctl
[ -x "$ctl" ] || { echo "eval-cases: build first (bash deploy/build.sh)" >&2; exit 1; }
run=$(mktemp -d)
trap '$ctl --config config/stack.textproto --run_dir "$run" down >/dev/null 2>&1 || true; rm -rf "$run"' EXIT
$ctl --config config/stack.textproto --run_dir "$run" up --base_port 0 >/dev/null
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/cases/journal_cases.tsv tests/cases/journal_holdout.tsv)
for f in "${files[@]}"; do
  n=0
  out="$run/$(basename "$f").jsonl"
  : >"$out"
  while IFS=$'\t' read -r group text; do
    [[ -z "$group" || "$group" == \#* ]] && continue
    n=$((n + 1))
    printf '%s' "$text" >"$run/entry.txt"
    json=$($ctl --config config/stack.textproto --run_dir "$run" assess --json --user "case-$n" \
      --text_file "$run/entry.txt" | tr -d '\n')
    printf '{"group": "%s", "assessment": %s}\n' "$group" "$json" >>"$out"
    printf '%s\n' "$text" >>"$run/$(basename "$f").texts"
  done <"$f"
  python3 - "$f" "$out" "$run/$(basename "$f").texts" <<'PY'
import collections, json, sys
name, rows, texts = sys.argv[1], [json.loads(l) for l in open(sys.argv[2])], open(sys.argv[3]).read().splitlines()
scores, levels, missed = collections.defaultdict(list), collections.defaultdict(collections.Counter), []
for row, text in zip(rows, texts):
    risk = row["assessment"]["risk"]
    p = {c["label"]: c.get("probability", 0.0) for c in risk.get("calibrated_probabilities", [])}
    score = 0.5 * p.get("moderate", 0.0) + p.get("high", 0.0)
    level = risk.get("level", "RISK_LEVEL_UNSPECIFIED").replace("RISK_LEVEL_", "").lower()
    if risk.get("abstained"):
        level = "no level"
    scores[row["group"]].append(score)
    levels[row["group"]][level] += 1
    if (row["group"] == "burnout" and level in ("low", "no level")) or (row["group"] in ("ordinary", "thriving") and level != "low"):
        missed.append("  %-8s %-8s %.3f  %s" % (row["group"], level, score, text))
print("\n%s\n" % name)
print("| group | entries | mean risk | low | moderate | high | not enough signal |")
print("|---|---|---|---|---|---|---|")
for g in ["burnout", "ordinary", "thriving"] + sorted(set(scores) - {"burnout", "ordinary", "thriving"}):
    if g in scores:
        s = scores[g]
        print("| %s | %d | %.3f | %d | %d | %d | %d |" % (g, len(s), sum(s) / len(s), levels[g]["low"],
                                                         levels[g]["moderate"], levels[g]["high"],
                                                         levels[g]["no level"]))
if missed:
    print("\nburnout entries assessed low (or without a level), other entries not assessed low:")
    print("\n".join(missed))
PY
done
