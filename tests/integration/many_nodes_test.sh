#!/usr/bin/env bash
# Many nodes, each its own Linux network namespace and address on a bridge: 2 text, 2 voice,
# 3 face, 2 fusion, 1 temporal, 2 orchestrators and PostgreSQL. A client (many_nodes_client)
# runs a bounded load of text + face assessments through a round_robin channel over both
# orchestrators, with gRPC's retry policy. Mid-load one face replica is killed: no assessment
# may fail and the face keeps answering; later an orchestrator is killed: the client moves to
# the other and every acknowledged assessment is in the shared store exactly once.
#
#   tests/integration/many_nodes_test.sh BIN_DIR      (run from the source root, as root)
#
# Skips (exit 0, with a message) where network namespaces cannot be made (not root, no `ip`,
# a container without CAP_NET_ADMIN) or PostgreSQL is missing.
set -uo pipefail
set +m  # no job-control notices when replicas are killed
bin=$(realpath "${1:-build/bin}")
skip() { echo "SKIP many_nodes_test: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v openssl >/dev/null || skip "no openssl"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || skip "no PostgreSQL server programs"
tag=bn$$
work=$(mktemp -d /tmp/many_nodes.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns exec "${tag}-pg" bash deploy/local-postgres.sh stop "$work/pg" >/dev/null 2>&1
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${tag}-"); do ip netns del "$ns"; done
  ip link del "${tag}br" 2>/dev/null
  if [ "${keep:-0}" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
ip link add "${tag}br" type bridge 2>/dev/null || skip "cannot create a bridge (no CAP_NET_ADMIN?)"
ip addr add 10.77.0.1/24 dev "${tag}br" && ip link set "${tag}br" up
n=10
declare -A addr veth
node() {  # node NAME: a namespace with a veth on the bridge; its address in addr[NAME]
  local name=$1 ns="${tag}-$1" a="10.77.0.$n"
  n=$((n + 1))
  ip netns add "$ns" || skip "cannot create network namespaces"
  ip link add "${tag}v$n" type veth peer name eth0 netns "$ns"
  ip link set "${tag}v$n" master "${tag}br" up
  veth[$name]="${tag}v$n"
  ip -n "$ns" addr add "$a/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  addr[$name]=$a
}
for name in pg text1 text2 voice1 voice2 face1 face2 face3 fusion1 fusion2 temporal1 orch1 orch2; do
  node "$name"
done
# PostgreSQL in its namespace, reachable from the orchestrators' network.
url=$(PG_LISTEN=${addr[pg]} PG_TRUST_NET=10.77.0.0/24 ip netns exec "${tag}-pg" \
      bash deploy/local-postgres.sh start "$work/pg" 5432) || { keep=1; echo "FAIL: postgres: $url"; exit 1; }
declare -A pid_of
start() {  # start NAME BINARY PORT CONFIG [args...]
  local name=$1 binary=$2 port=$3 config=$4
  shift 4
  ip netns exec "${tag}-$name" env OPENBLAS_CORETYPE=Haswell "$bin/$binary" --config "$config" \
    --listen "${addr[$name]}:$port" --port_file "$work/$name.port" "$@" >"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
  pids+=($!)
}
for i in 1 2; do start "text$i" burnout-text 7101 config/text.textproto; done
for i in 1 2; do start "voice$i" burnout-voice 7102 config/voice.textproto; done
for i in 1 2 3; do start "face$i" burnout-face 7103 config/face.textproto; done
for i in 1 2; do start "fusion$i" burnout-fusion 7104 config/fusion.textproto; done
start temporal1 burnout-temporal 7105 config/temporal.textproto
# The token issuer, as `burnoutctl up` keeps it (an Ed25519 pair in <dir>/auth).
mkdir -p "$work/issuer/auth"
openssl genpkey -algorithm ed25519 -out "$work/issuer/auth/issuer.key" 2>/dev/null
openssl pkey -in "$work/issuer/auth/issuer.key" -pubout -out "$work/issuer/auth/issuer.pub"
list() { local out="" a; for a in "$@"; do out="$out${out:+,}$a"; done; echo "ipv4:$out"; }
targets=(
  --text_target "$(list ${addr[text1]}:7101 ${addr[text2]}:7101)"
  --voice_target "$(list ${addr[voice1]}:7102 ${addr[voice2]}:7102)"
  --face_target "$(list ${addr[face1]}:7103 ${addr[face2]}:7103 ${addr[face3]}:7103)"
  --fusion_target "$(list ${addr[fusion1]}:7104 ${addr[fusion2]}:7104)"
  --temporal_target "ipv4:${addr[temporal1]}:7105"
)
for i in 1 2; do
  start "orch$i" burnout-orchestrator 7100 config/orchestrator.textproto "${targets[@]}" \
    --postgres_url "$url" --auth_public_key "$work/issuer/auth/issuer.pub"
done
# Every process listening (its port file) and the orchestrators ready.
for name in text1 text2 voice1 voice2 face1 face2 face3 fusion1 fusion2 temporal1 orch1 orch2; do
  for _ in $(seq 1 600); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  [ -s "$work/$name.port" ] || { keep=1; echo "FAIL: $name did not start; $work/$name.log:"; tail -5 "$work/$name.log"; exit 1; }
done
sleep 3  # models load and warm up behind their readiness
image=../shared/data/faces/astronaut.png
[ -f "$image" ] || image=$(ls tests/services/face/data/*.png tests/services/face/data/*.jpg 2>/dev/null | head -1)
[ -n "$image" ] || skip "no face photo to send"
requests=120
"$bin/many_nodes_client" "$(list ${addr[orch1]}:7100 ${addr[orch2]}:7100)" "$work/issuer" "$image" \
  "$requests" 4 "$work/progress" "$work/results" &
client=$!
progress() { local p; p=$(cat "$work/progress" 2>/dev/null); echo "${p:-0}"; }
wait_for() { for _ in $(seq 1 1200); do [ "$(progress)" -ge "$1" ] && return; sleep 0.05; done; }
wait_for 30
kill -9 "${pid_of[face2]}" 2>/dev/null
face_killed_at=$(progress)
# Then another face replica's link goes down (the process alive, its packets lost, no reset)
# and comes back: calls to it are masked within the face deadline, never failed.
wait_for 45
ip link set "${veth[face1]}" down
link_down_at=$(progress)
wait_for 58
ip link set "${veth[face1]}" up
link_up_at=$(progress)
wait_for 70
kill -9 "${pid_of[orch1]}" 2>/dev/null
orch_killed_at=$(progress)
wait "$client" 2>/dev/null
failed=$(awk '$3 != "ok"' "$work/results" | wc -l)
total=$(wc -l < "$work/results")
# Face masked after the kill had settled (a few in-flight calls to the dead replica may mask).
# (the link-down window, until the link has been back a while, is counted on its own).
late_masked=$(awk -v k=$((face_killed_at + 12)) -v d="$link_down_at" -v u=$((link_up_at + 12)) \
  '$1 >= k && !($1 >= d && $1 < u) && $4 == 0' "$work/results" | wc -l)
link_masked=$(awk -v d="$link_down_at" -v u=$((link_up_at + 12)) '$1 >= d && $1 < u && $4 == 0' "$work/results" | wc -l)
all_masked=$(awk '$4 == 0' "$work/results" | wc -l)
stored=$(ip netns exec "${tag}-pg" /usr/lib/postgresql/*/bin/psql -h "$work/pg" -p 5432 -U burnout -d burnout -tAc \
  "SELECT count(*), count(DISTINCT request_id) FROM assessments WHERE request_id LIKE 'load-%'" 2>/dev/null \
  || runuser -u nobody -- /usr/lib/postgresql/*/bin/psql -h "$work/pg" -p 5432 -U burnout -d burnout -tAc \
  "SELECT count(*), count(DISTINCT request_id) FROM assessments WHERE request_id LIKE 'load-%'")
echo "many nodes: $total assessments, $failed failed; face replica killed after $face_killed_at," \
     "face masked in $all_masked in all ($late_masked once settled); a face link down after" \
     "$link_down_at, up after $link_up_at ($link_masked masked meanwhile); orchestrator killed after" \
     "$orch_killed_at;" \
     "stored (rows, distinct request ids): $stored"
status=0
[ "$total" = "$requests" ] || { echo "FAIL: $total of $requests answered"; status=1; }
[ "$failed" = 0 ] || { echo "FAIL: $failed assessments failed"; awk '$3 != "ok"' "$work/results" | head; status=1; }
[ "$late_masked" = 0 ] || { echo "FAIL: the face was masked $late_masked times after the kill settled"; status=1; }
[ "$stored" = "$requests|$requests" ] || { echo "FAIL: stored $stored, acknowledged $requests (each once)"; status=1; }
[ "$status" = 0 ] && echo "PASS many_nodes_test" || keep=1
exit $status
