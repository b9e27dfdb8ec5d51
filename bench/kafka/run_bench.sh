#!/usr/bin/env bash
# bench/kafka/run_bench.sh [BUILD_DIR]: Kafka benchmarks of segstream on a
# local broker (not part of ctest). Prints a table with
#   - loadgen's produce rate while pre-filling a topic,
#   - the consume ceilings on the same broker in the same run: kcat, and the
#     engine's KafkaSource without and with JSON decoding,
#   - segstream's throughput from the pre-filled topic to durable state and
#     published changes, with its peak RSS,
#   - end-to-end latency p50/p99/p999 at fixed input rates: from each input
#     message's produce time (CreateTime) to the broker's append time of the
#     segment change it caused (the changes topic uses LogAppendTime).
#   - the same latency for the connectors alone (consume, decode, produce,
#     flush per batch: no state, no model), alternating with segstream's runs,
#   - throughput and latency once more with --exactly-once,
#   - throughput with --exactly-once --changelog, and the time to restore
#     that state from the changelog into an empty --state.
# Environment: EVENTS (500000), CUSTOMERS (100000), RATES ("10000 50000"),
# LATENCY_SECONDS (20), REPEATS (3 latency runs of each kind per rate),
# WARMUP (3: seconds at the start of each latency run left out of it). Uses SEGSTREAM_KAFKA_BOOTSTRAP when set, else starts
# tools/kafka-local on SEGSTREAM_KAFKA_PORT (default 19592) and stops it after.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(cd "${1:-${ROOT}/build}" && pwd)"
SEGSTREAM="${BUILD}/segstream"
LOADGEN="${BUILD}/tools/loadgen/loadgen"
TOOL="${BUILD}/bench/kafka/kafka_bench_tool"
EVENTS="${EVENTS:-500000}"
CUSTOMERS="${CUSTOMERS:-100000}"
RATES="${RATES:-10000 50000}"
LATENCY_SECONDS="${LATENCY_SECONDS:-20}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-3}"
for bin in "${SEGSTREAM}" "${LOADGEN}" "${TOOL}"; do
  [[ -x "${bin}" ]] || { echo "missing ${bin}: build segstream, loadgen and kafka_bench_tool" >&2; exit 2; }
done

WORK="$(mktemp -d /tmp/segstream-kafka-bench.XXXXXX)"
STARTED_BROKER=0
cleanup() {
  [[ ${STARTED_BROKER} == 1 ]] && "${ROOT}/tools/kafka-local" stop || true
  rm -rf "${WORK}"
}
trap cleanup EXIT
if [[ -z "${SEGSTREAM_KAFKA_BOOTSTRAP:-}" ]]; then
  export SEGSTREAM_KAFKA_PORT="${SEGSTREAM_KAFKA_PORT:-19592}"
  SEGSTREAM_KAFKA_BOOTSTRAP="$("${ROOT}/tools/kafka-local" start)"
  STARTED_BROKER=1
fi
B="${SEGSTREAM_KAFKA_BOOTSTRAP}"
RUN="$(date +%s)"
ROWS=()
row() { ROWS+=("$(printf '%-58s %14s %s' "$1" "$2" "$3")"); echo "$1: $2 $3" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.3f}')"; }
per_s() { python3 -c "print(f'{$1 / max($2, 1e-9):,.0f}')"; }

engine_topics() {  # engine_topics PREFIX
  echo --changes-topic "$1-changes" --segments-topic "$1-segments" --models-topic "$1-models" \
    --dead-letters-topic "$1-dead"
}

# 1. Pre-fill a topic.
FILL="bench-fill-${RUN}"
t0=$(now)
"${LOADGEN}" --customers "${CUSTOMERS}" --events "${EVENTS}" --seed 1 --brokers "${B}" --topic "${FILL}" 2>"${WORK}/fill.log"
t1=$(now)
row "loadgen produce (${EVENTS} events, keyed, acks=all)" "$(per_s "${EVENTS}" "$(secs "$t0" "$t1")")" "events/s"

# 2. Consume ceilings on the same broker.
t0=$(now)
n=$(kcat -b "${B}" -C -t "${FILL}" -o beginning -e -q | wc -l)
t1=$(now)
kcat_rate=$(python3 -c "print(round($n / max($t1 - $t0, 1e-9)))")
row "kcat -C -e | wc -l (incl. ~1 s startup)" "$(per_s "${kcat_rate}" 1)" "msgs/s"
read -r _ raw_rate < <("${TOOL}" consume --brokers "${B}" --topic "${FILL}" --count "${EVENTS}")
row "KafkaSource, no decoding (librdkafka's raw consume)" "$(per_s "${raw_rate}" 1)" "msgs/s"
read -r _ rate < <("${TOOL}" consume --brokers "${B}" --topic "${FILL}" --count "${EVENTS}" --decode)
row "KafkaSource + JSON decoding" "$(per_s "${rate}" 1)" "msgs/s"

# 3. Engine throughput: topic -> durable state + published changes (median
# of REPEATS runs, each a fresh group, state and set of output topics).
IDLE=3
rates=()
for rep in $(seq 1 "${REPEATS}"); do
  P="${FILL}-${rep}"
  t0=$(now)
  # shellcheck disable=SC2046
  /usr/bin/time -v -o "${WORK}/time.fill" "${SEGSTREAM}" run --brokers "${B}" --topic "${FILL}" --group "g-${P}" \
    $(engine_topics "${P}") --state "${WORK}/state-fill-${rep}" --k 4 --http none --progress never \
    --until-idle "${IDLE}" >"${WORK}/engine-fill.log" 2>&1
  t1=$(now)
  elapsed=$(python3 -c "print(max($t1 - $t0 - ${IDLE}, 1e-3))")
  rates+=("$(python3 -c "print(round(${EVENTS} / ${elapsed}))")")
  changes=$(kcat -b "${B}" -C -t "${P}-changes" -o beginning -e -q | wc -l)
  row "segstream: topic -> state + changes, run ${rep} (${changes} changes)" "$(per_s "${rates[-1]}" 1)" "events/s"
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "${WORK}/time.fill")
  row "segstream peak RSS, run ${rep} (${CUSTOMERS} customers)" "$((rss / 1024))" "MiB"
done
engine_rate=$(python3 -c "import statistics, sys; print(round(statistics.median(int(x) for x in sys.argv[1:])))" "${rates[@]}")
# The same with --exactly-once (a Kafka transaction per micro-batch), once.
P="${FILL}-eos"
t0=$(now)
# shellcheck disable=SC2046
"${SEGSTREAM}" run --brokers "${B}" --topic "${FILL}" --group "g-${P}" $(engine_topics "${P}") \
  --state "${WORK}/state-fill-eos" --k 4 --http none --progress never --until-idle "${IDLE}" --exactly-once \
  >"${WORK}/engine-fill-eos.log" 2>&1
t1=$(now)
elapsed=$(python3 -c "print(max($t1 - $t0 - ${IDLE}, 1e-3))")
row "segstream --exactly-once: topic -> state + changes" "$(per_s "${EVENTS}" "${elapsed}")" "events/s"
# The same with --changelog (every state change also to the compacted
# changelog topic, in the batch's transaction), then a restore of that state
# into an empty --state: the restore's own time, from its log line.
P="${FILL}-changelog"
t0=$(now)
# shellcheck disable=SC2046
"${SEGSTREAM}" run --brokers "${B}" --topic "${FILL}" --group "g-${P}" $(engine_topics "${P}") \
  --state "${WORK}/state-fill-changelog" --k 4 --http none --progress never --until-idle "${IDLE}" --exactly-once \
  --changelog >"${WORK}/engine-fill-changelog.log" 2>&1
t1=$(now)
elapsed=$(python3 -c "print(max($t1 - $t0 - ${IDLE}, 1e-3))")
row "segstream --exactly-once --changelog: topic -> state + changes" "$(per_s "${EVENTS}" "${elapsed}")" "events/s"
# shellcheck disable=SC2046
/usr/bin/time -v -o "${WORK}/time.restore" "${SEGSTREAM}" run --brokers "${B}" --topic "${FILL}" --group "g-${P}" \
  $(engine_topics "${P}") --state "${WORK}/state-restored" --k 4 --http none --progress never --until-idle 1 \
  --exactly-once --changelog >"${WORK}/engine-restore.log" 2>&1
read -r records restore_s < <(sed -n 's/.*changelog_restored: restored \([0-9]*\) records .* in \([0-9.]*\) s.*/\1 \2/p' \
  "${WORK}/engine-restore.log")
customers=$("${BUILD}/segctl" stats --state "${WORK}/state-restored" | sed -n 's/^customers: //p')
row "changelog restore: ${records} records, ${customers} customers" "${restore_s}" "s"
row "changelog restore per million customers" "$(python3 -c "print(f'{${restore_s} / max(${customers}, 1) * 1e6:.1f}')")" "s"
rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "${WORK}/time.restore")
row "changelog restore peak RSS" "$((rss / 1024))" "MiB"
row "segstream median / KafkaSource no decoding" "$(python3 -c "print(f'{${engine_rate} / ${raw_rate} * 100:.0f}')")" "%"
row "segstream median / kcat" "$(python3 -c "print(f'{${engine_rate} / ${kcat_rate} * 100:.0f}')")" "%"

# 4. Latency at fixed rates, REPEATS times each, alternating between the
# connectors-only floor (kafka_bench_tool echo: consume + decode + produce +
# flush per batch, no state, no model) and segstream, so both see the same
# machine. On a shared 2-core box the broker's and the host's jitter move
# p99 by 10x between runs; the floor shows how much of a run's tail is theirs.
latency() {  # latency RATE KIND REP -> prints "n p50 p99 p999"
  local rate=$1 kind=$2 rep=$3
  local T="bench-lat-${kind}-${rate}-${rep}-${RUN}"
  local events=$((rate * LATENCY_SECONDS))
  "${TOOL}" create-topic --brokers "${B}" --topic "${T}"
  "${TOOL}" create-topic --brokers "${B}" --topic "${T}-changes" --config message.timestamp.type=LogAppendTime
  local extra=()
  [[ ${kind} == exactly-once ]] && extra=(--exactly-once)
  if [[ ${kind} == floor ]]; then
    /usr/bin/time -v -o "${WORK}/time.${kind}.${rate}" "${TOOL}" echo --brokers "${B}" --topic "${T}" \
      --out-topic "${T}-changes" --idle 5 >"${WORK}/engine-${kind}-${rate}.log" 2>&1 &
  else
    # shellcheck disable=SC2046
    /usr/bin/time -v -o "${WORK}/time.${kind}.${rate}" "${SEGSTREAM}" run --brokers "${B}" --topic "${T}" \
      --group "g-${T}" $(engine_topics "${T}") --state "${WORK}/state-${kind}-${rate}-${rep}" --k 4 --http none \
      --progress never --until-idle 5 "${extra[@]}" >"${WORK}/engine-${kind}-${rate}.log" 2>&1 &
  fi
  local engine=$!
  sleep 2
  # Event time advances like wall time (a live feed): rate x 86400 events per day.
  "${LOADGEN}" --customers "${CUSTOMERS}" --events "${events}" --seed 2 --rate "${rate}" --brokers "${B}" --topic "${T}" \
    --events-per-day "$((rate * 86400))" 2>"${WORK}/loadgen-${rate}.log"
  wait "${engine}"
  kcat -b "${B}" -C -t "${T}" -o beginning -e -q -f '%T\t%s\n' >"${WORK}/in.tsv"
  kcat -b "${B}" -C -t "${T}-changes" -o beginning -e -q -f '%T\t%s\n' >"${WORK}/changes.tsv"
  python3 - "${WORK}/in.tsv" "${WORK}/changes.tsv" "${WARMUP}" <<'PY'
import json, sys
first = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        ts, _, value = line.rstrip("\n").partition("\t")
        try:
            e = json.loads(value)
        except ValueError:
            continue
        key = (e["customer_id"], e["invoice"])
        first.setdefault(key, int(ts))   # the invoice's first line: an upper bound
lat = []
# A WARMUP-second warm-up is left out (the broker's JIT on new topics, the
# consumer's group join, segstream's one-off bootstrap fit): steady state.
start = min(first.values()) if first else 0
warmup_ms = int(float(sys.argv[3]) * 1000)
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        ts, _, value = line.rstrip("\n").partition("\t")
        c = json.loads(value)
        if c.get("reason") not in ("purchase", "return"):
            continue
        origin = first.get((c["customer_id"], c.get("invoice")))
        if origin is not None and origin >= start + warmup_ms:
            lat.append(int(ts) - origin)
lat.sort()
pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else -1
print(len(lat), pct(0.5), pct(0.99), pct(0.999))
PY
}
median() { python3 -c "import statistics, sys; print(statistics.median(int(x) for x in sys.argv[1:]))" "$@"; }
for rate in ${RATES}; do
  floor_p99=() engine_p99=()
  for rep in $(seq 1 "${REPEATS}"); do
    for kind in floor segstream; do
      read -r n p50 p99 p999 < <(latency "${rate}" "${kind}" "${rep}")
      label="connectors-only floor"
      [[ ${kind} == segstream ]] && label="segstream"
      row "latency at ${rate}/s, ${label}, run ${rep}: p50/p99/p999 (${n} after ${WARMUP} s)" "${p50} / ${p99} / ${p999}" "ms"
      if [[ ${kind} == floor ]]; then floor_p99+=("${p99}"); else engine_p99+=("${p99}"); fi
    done
    rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "${WORK}/time.segstream.${rate}")
    row "segstream peak RSS at ${rate}/s, run ${rep}" "$((rss / 1024))" "MiB"
  done
  row "latency at ${rate}/s: median p99, floor / segstream" "$(median "${floor_p99[@]}") / $(median "${engine_p99[@]}")" "ms"
  read -r n p50 p99 p999 < <(latency "${rate}" exactly-once 1)
  row "latency at ${rate}/s, segstream --exactly-once: p50/p99/p999 (${n} after ${WARMUP} s)" "${p50} / ${p99} / ${p999}" "ms"
done

echo
printf '%-58s %14s %s\n' "Kafka benchmark (broker ${B}, $(nproc) cores shared)" "value" "unit"
printf '%s\n' "${ROWS[@]}"
