#!/usr/bin/env bash
# Acceptance (4): poison messages (malformed JSON lines produced verbatim with
# segctl produce --raw) are dead-lettered with their partition and offset in
# the dead-letters topic, and everything else ends identical to the replay of
# the same file.
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode
: "${LOADGEN_BIN:?}"

"${LOADGEN_BIN}" --customers 2000 --events 30000 --seed 7 --bad-rate 0.01 --format jsonl --output "${WORK}/input.jsonl"
# And well-formed lines dated 2099 (every 997th): beyond --max-future, they
# are dead letters on Kafka as on the replay, and never move the watermark.
python3 - "${WORK}/input.jsonl" <<'PY'
import json, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    lines = f.readlines()
for i in range(500, len(lines), 997):
    try:
        obj = json.loads(lines[i])
    except ValueError:
        continue
    if isinstance(obj, dict) and isinstance(obj.get("quantity"), int) and isinstance(obj.get("invoice_ts"), str):
        obj["invoice_ts"] = "2099-12-09T08:28:00Z"
        lines[i] = json.dumps(obj) + "\n"
with open(path, "w", encoding="utf-8") as f:
    f.writelines(lines)
PY
# 1 partition, no blank lines: line i (0-based) is offset i.
"${SEGCTL_BIN}" produce --raw --input "${WORK}/input.jsonl" --topic "${T_IN}" --brokers "${B}" --partitions 1 >&2

# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" --until-idle 5 \
  >"${WORK}/kafka.log" 2>&1 || { tail -30 "${WORK}/kafka.log" >&2; fail "segstream on Kafka failed"; }

dump_topic "${T_DEAD}" >"${WORK}/dead.topic"
python3 - "${WORK}/input.jsonl" "${WORK}/dead.topic" "${T_IN}" <<'PY' || fail "dead letters are wrong"
import json, sys
inp, dead, topic = sys.argv[1:4]
bad = set()
with open(inp, encoding="utf-8") as f:
    for offset, line in enumerate(f):
        try:
            obj = json.loads(line)
            if (not isinstance(obj.get("quantity"), int) or obj.get("invoice_ts", "").startswith("2011-02-30")
                    or obj.get("invoice_ts", "").startswith("2099")):
                bad.add(offset)
        except ValueError:
            bad.add(offset)
got = set()
with open(dead, encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        obj = json.loads(line.rstrip("\n").partition("\t")[2])
        if obj.get("partition") != 0 or obj.get("source") != "kafka:" + topic:
            print(f"dead letter with wrong origin: {obj}", file=sys.stderr)
            sys.exit(1)
        got.add(obj["offset"])
if not bad or got != bad:
    print(f"expected dead letters at {len(bad)} offsets, got {len(got)}; "
          f"missing {sorted(bad - got)[:10]} unexpected {sorted(got - bad)[:10]}", file=sys.stderr)
    sys.exit(1)
print(f"{len(got)} dead letters at exactly the poison offsets", file=sys.stderr)
PY

csv_replay "${WORK}/input.jsonl" "${WORK}/state.replay" "${WORK}/out.replay"
compare_with_replay "${WORK}/state.kafka" "${WORK}/state.replay" "${WORK}/out.replay"
E2E_OK=1
log "PASS"
