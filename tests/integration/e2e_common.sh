# Shared helpers of the Kafka end-to-end tests (sourced, not run). ctest sets:
#   SEGSTREAM_BIN, SEGCTL_BIN, LOADGEN_BIN   the binaries under test
#   SEGSTREAM_KAFKA_BOOTSTRAP, SEGSTREAM_KAFKA_PORT, KAFKA_LOCAL   the fixture broker
#   SEGSTREAM_DATA   the UCI Online Retail file (.csv.gz)
#   E2E_WORK         scratch space (each run gets its own subdirectory)
set -euo pipefail

: "${SEGSTREAM_BIN:?}" "${SEGCTL_BIN:?}" "${SEGSTREAM_KAFKA_BOOTSTRAP:?}" "${SEGSTREAM_DATA:?}"
B="${SEGSTREAM_KAFKA_BOOTSTRAP}"
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="$(basename "$0" .sh)"
RUN_ID="$(date +%s)-$$-${RANDOM}"
WORK="${E2E_WORK:-/tmp/segstream-e2e}/${NAME}-${RUN_ID}"
mkdir -p "${WORK}"
T_IN="${NAME}-in-${RUN_ID}"
T_CHANGES="${NAME}-changes-${RUN_ID}"
T_SEGMENTS="${NAME}-segments-${RUN_ID}"
T_MODELS="${NAME}-models-${RUN_ID}"
T_DEAD="${NAME}-dead-${RUN_ID}"
GROUP="${NAME}-group-${RUN_ID}"
ENGINE_PIDS=()

log() { echo "[$(date +%T)] ${NAME}: $*" >&2; }
fail() { echo "FAIL ${NAME}: $*" >&2; exit 1; }

cleanup() {
  local pid
  for pid in "${ENGINE_PIDS[@]}"; do kill -KILL "${pid}" 2>/dev/null || true; done
  # Keep the scratch dir of a failed run for the post-mortem.
  if [[ "${E2E_OK:-0}" == 1 ]]; then rm -rf "${WORK}"; else log "kept ${WORK}"; fi
}
trap cleanup EXIT

require_kafka_mode() {
  # Not `| grep -q`: grep exits at the first match, the writer gets SIGPIPE,
  # and pipefail turns that into a failure once the help outgrows a pipe buffer.
  local help
  help="$("${SEGSTREAM_BIN}" run --help 2>&1)" || true
  grep -q -- --brokers <<<"${help}" || fail "segstream has no Kafka mode (run --brokers)"
}

# The engine's common flags: k fixed so both runs fit the same model, no HTTP port.
ENGINE_FLAGS=(--k 4 --http none --progress never)

csv_replay() {  # csv_replay INPUT STATE OUT
  "${SEGSTREAM_BIN}" run --input "$1" --state "$2" --out "$3" "${ENGINE_FLAGS[@]}" >"${WORK}/replay.log" 2>&1 \
    || { cat "${WORK}/replay.log" >&2; fail "CSV replay failed"; }
}

# The flags of a Kafka run on this test's topics. Static group membership
# (group.instance.id) lets a restarted engine take its partitions back at once:
# without it, a member killed with SIGKILL holds them until its session times
# out, and the restarted one waits (and may go "idle" before it gets any).
kafka_run_args() {
  echo --brokers "${B}" --topic "${T_IN}" --group "${GROUP}" --changes-topic "${T_CHANGES}" \
    --segments-topic "${T_SEGMENTS}" --models-topic "${T_MODELS}" --dead-letters-topic "${T_DEAD}" \
    -X "group.instance.id=${GROUP}-0" -X session.timeout.ms=6000
}

# Dumps a topic from the beginning to its current end as "key<TAB>value" lines.
dump_topic() {
  kcat -b "${B}" -C -t "$1" -o beginning -e -q -f '%k\t%s\n' -X isolation.level=read_committed
}

customers() { "${SEGCTL_BIN}" customers --state "$1"; }

# Fails with MESSAGE, showing the first differing lines, unless files A and B
# are equal.
expect_same_file() {  # expect_same_file A B MESSAGE
  diff -q "$1" "$2" >/dev/null || { diff "$1" "$2" | head -20 >&2; fail "$3"; }
}

# Fails unless the compacted segments topic's latest record per customer
# equals the segment columns of `segctl customers` output $1 (a CSV file).
expect_segments_topic() {
  dump_topic "${T_SEGMENTS}" >"${WORK}/segments.topic"
  python3 "${E2E_DIR}/topic_checks.py" segments "${WORK}/segments.topic" "$1" \
    || fail "the segments topic differs from segctl customers (see above)"
}

# Checks the three acceptance comparisons between a Kafka run (state $1) and
# the CSV replay (state $2, outputs $3). With STRICT_ONCE=1 (exactly-once
# runs) a change published twice fails even when both copies are equal.
compare_with_replay() {
  local kafka_state="$1" replay_state="$2" replay_out="$3"
  customers "${kafka_state}" >"${WORK}/customers.kafka.csv"
  customers "${replay_state}" >"${WORK}/customers.replay.csv"
  [[ $(wc -l <"${WORK}/customers.replay.csv") -gt 1 ]] || fail "the replay produced no customers"
  expect_same_file "${WORK}/customers.kafka.csv" "${WORK}/customers.replay.csv" "customers differ from the CSV replay"
  log "customers identical ($(($(wc -l <"${WORK}/customers.replay.csv") - 1)) rows)"

  expect_segments_topic "${WORK}/customers.kafka.csv"
  dump_topic "${T_CHANGES}" >"${WORK}/changes.topic"
  python3 "${E2E_DIR}/topic_checks.py" changes "${WORK}/changes.topic" "${replay_out}/segment-changes.jsonl" \
    "${STRICT_ONCE:-0}" || fail "the changes topic differs from the CSV replay (see above)"
}

# Starts segstream on this test's topics (kafka_run_args, ENGINE_FLAGS and the
# extra flags given), appending its output to kafka.log, lets it run DELAY_MS
# milliseconds, checks it is still running, and kills it with SIGKILL.
run_then_kill() {  # run_then_kill DELAY_MS [segstream run flags...]
  run_state_then_kill "${WORK}/state.kafka" "${WORK}/kafka.log" "$@"
}

# The same on state directory STATE, appending to LOG.
run_state_then_kill() {  # run_state_then_kill STATE LOG DELAY_MS [segstream run flags...]
  local state=$1 logfile=$2 delay_ms=$3
  shift 3
  # shellcheck disable=SC2046
  "${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${state}" "${ENGINE_FLAGS[@]}" "$@" >>"${logfile}" 2>&1 &
  local pid=$!
  ENGINE_PIDS+=("${pid}")
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -0 "${pid}" 2>/dev/null || { tail -30 "${logfile}" >&2; fail "segstream exited before it was killed"; }
  kill -KILL "${pid}"
  wait "${pid}" 2>/dev/null || true
}

# The first N data lines of the UCI file (plus its header) as plain CSV.
uci_cut() {  # uci_cut N OUT
  { zcat -f "${SEGSTREAM_DATA}" | head -n "$(($1 + 1))"; } >"$2" || true
}
