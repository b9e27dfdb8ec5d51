# Shared helpers of the Kafka end-to-end tests (sourced, not run). ctest sets:
#   SEGSTREAM_BIN, SEGCTL_BIN, LOADGEN_BIN   the binaries under test
#   SEGSTREAM_KAFKA_BOOTSTRAP, SEGSTREAM_KAFKA_PORT, KAFKA_LOCAL   the fixture broker
#   SEGSTREAM_DATA   the UCI Online Retail file (.csv.gz)
#   E2E_WORK         scratch space (each run gets its own subdirectory)
set -euo pipefail

: "${SEGSTREAM_BIN:?}" "${SEGCTL_BIN:?}" "${SEGSTREAM_KAFKA_BOOTSTRAP:?}" "${SEGSTREAM_DATA:?}"
B="${SEGSTREAM_KAFKA_BOOTSTRAP}"
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

# Checks the three acceptance comparisons between a Kafka run (state $1) and
# the CSV replay (state $2, outputs $3). With STRICT_ONCE=1 (exactly-once
# runs) a change published twice fails even when both copies are equal.
compare_with_replay() {
  local kafka_state="$1" replay_state="$2" replay_out="$3"
  customers "${kafka_state}" >"${WORK}/customers.kafka.csv"
  customers "${replay_state}" >"${WORK}/customers.replay.csv"
  [[ $(wc -l <"${WORK}/customers.replay.csv") -gt 1 ]] || fail "the replay produced no customers"
  diff -q "${WORK}/customers.kafka.csv" "${WORK}/customers.replay.csv" >/dev/null \
    || { diff "${WORK}/customers.kafka.csv" "${WORK}/customers.replay.csv" | head -20 >&2; fail "customers differ from the CSV replay"; }
  log "customers identical ($(($(wc -l <"${WORK}/customers.replay.csv") - 1)) rows)"

  dump_topic "${T_SEGMENTS}" >"${WORK}/segments.topic"
  dump_topic "${T_CHANGES}" >"${WORK}/changes.topic"
  python3 - "${WORK}/segments.topic" "${WORK}/customers.kafka.csv" "${WORK}/changes.topic" \
    "${replay_out}/segment-changes.jsonl" "${STRICT_ONCE:-0}" <<'PY' || fail "topic contents differ (see above)"
import csv, json, sys
segments_topic, customers_csv, changes_topic, replay_changes = sys.argv[1:5]
strict_once = sys.argv[5] == "1"

def kv_lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                key, _, value = line.partition("\t")
                yield key, value

# Latest value per key on the compacted topic = the segment columns of segctl customers.
latest = {}
for key, value in kv_lines(segments_topic):
    latest[key] = json.loads(value)
want = {}
with open(customers_csv, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["segment_id"] not in ("", "-1"):
            want[row["customer_id"]] = (int(row["segment_id"]), row["segment_name"])
got = {k: (int(v["segment_id"]), v["segment_name"]) for k, v in latest.items()}
if got != want:
    missing = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    wrong = [k for k in want if k in got and got[k] != want[k]][:5]
    print(f"customer-segments topic != segctl customers: {len(got)} vs {len(want)} customers; "
          f"missing {missing} extra {extra} wrong {[(k, got[k], want[k]) for k in wrong]}", file=sys.stderr)
    sys.exit(1)
print(f"customer-segments topic matches segctl customers ({len(got)} customers)", file=sys.stderr)

# Segment changes de-duplicated by (customer_id, seq) = the replay's file.
def canonical(value):
    return json.dumps(json.loads(value), sort_keys=True)
kafka = {}
for _, value in kv_lines(changes_topic):
    obj = json.loads(value)
    key = (obj["customer_id"], obj["seq"])
    text = canonical(value)
    if strict_once and key in kafka:
        print(f"change {key} was published twice (exactly-once run)", file=sys.stderr)
        sys.exit(1)
    if key in kafka and kafka[key] != text:
        print(f"change {key} was published twice with different contents:\n {kafka[key]}\n {text}", file=sys.stderr)
        sys.exit(1)
    kafka[key] = text
replay = {}
with open(replay_changes, encoding="utf-8") as f:
    for line in f:
        if line.strip():
            obj = json.loads(line)
            replay[(obj["customer_id"], obj["seq"])] = canonical(line)
if kafka != replay:
    only_k = sorted(set(kafka) - set(replay))[:5]
    only_r = sorted(set(replay) - set(kafka))[:5]
    diff = [k for k in replay if k in kafka and kafka[k] != replay[k]][:3]
    print(f"segment changes differ: kafka {len(kafka)} replay {len(replay)}; only kafka {only_k}; "
          f"only replay {only_r}; different {[(kafka[k], replay[k]) for k in diff]}", file=sys.stderr)
    sys.exit(1)
print(f"segment changes match after de-duplication ({len(replay)} changes)", file=sys.stderr)
PY
}

# Starts segstream on this test's topics (kafka_run_args, ENGINE_FLAGS and the
# extra flags given), appending its output to kafka.log, lets it run DELAY_MS
# milliseconds, checks it is still running, and kills it with SIGKILL.
run_then_kill() {  # run_then_kill DELAY_MS [segstream run flags...]
  local delay_ms=$1
  shift
  # shellcheck disable=SC2046
  "${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" "$@" \
    >>"${WORK}/kafka.log" 2>&1 &
  local pid=$!
  ENGINE_PIDS+=("${pid}")
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -0 "${pid}" 2>/dev/null || { tail -30 "${WORK}/kafka.log" >&2; fail "segstream exited before it was killed"; }
  kill -KILL "${pid}"
  wait "${pid}" 2>/dev/null || true
}

# The first N data lines of the UCI file (plus its header) as plain CSV.
uci_cut() {  # uci_cut N OUT
  { zcat -f "${SEGSTREAM_DATA}" | head -n "$(($1 + 1))"; } >"$2" || true
}
