#!/usr/bin/env bash
# segstream --exactly-once against the real broker: SIGKILL at random points
# while the input arrives, plus one crash forced into the window between a
# batch's Kafka transaction commit and its state commit. read_committed
# consumers must then see every segment change exactly once (no
# de-duplication), and the state must equal the CSV replay's.
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode
LINES="${E2E_LINES:-60000}"
KILLS="${E2E_KILLS:-4}"
RANDOM="${E2E_SEED:-20111210}"   # reproducible kill points
EOS=(--exactly-once --transactional-id "${GROUP}-txn")

uci_cut "${LINES}" "${WORK}/input.csv"
log "producing ${LINES} lines to ${T_IN} at 8k/s in the background"
"${SEGCTL_BIN}" produce --input "${WORK}/input.csv" --topic "${T_IN}" --brokers "${B}" --partitions 1 --rate 8000 \
  >"${WORK}/produce.log" 2>&1 &
PRODUCER=$!

# The crash that matters most: the transaction (outputs + offsets) is
# committed, the state is not. Small batches, so it falls mid-stream while
# the producer is still running; the restarts below must re-apply without
# re-publishing.
log "run with a crash right after its 3rd transaction commit"
rc=0
# shellcheck disable=SC2046
SEGSTREAM_TEST_CRASH_AFTER_FLUSHES=3 timeout 120 "${SEGSTREAM_BIN}" run $(kafka_run_args) \
  --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" "${EOS[@]}" --batch-size 2000 >"${WORK}/crash.log" 2>&1 || rc=$?
[[ ${rc} -eq 137 ]] || { tail -30 "${WORK}/crash.log" >&2; fail "the crash run exited ${rc}, not at the crash point (137)"; }
grep -q "test crash point" "${WORK}/crash.log" || fail "the crash run did not report its crash point"

for i in $(seq 1 "${KILLS}"); do
  delay_ms=$((1000 + RANDOM % 1500))
  run_then_kill "${delay_ms}" "${EOS[@]}"
  log "kill -9 #${i} after ${delay_ms} ms"
done

wait "${PRODUCER}" || { cat "${WORK}/produce.log" >&2; fail "segctl produce failed"; }

log "final run until idle"
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" "${EOS[@]}" --until-idle 5 \
  >"${WORK}/final.log" 2>&1 || { tail -30 "${WORK}/final.log" >&2; fail "final segstream run failed"; }
# The first run after the crash point re-applied the batch it had published.
grep -q "re-applying those records" "${WORK}/kafka.log" \
  || fail "the run after the crash point did not re-apply the batch it found published"
log "$(grep -m1 "re-applying those records" "${WORK}/kafka.log")"

uncommitted=$(kcat -b "${B}" -C -t "${T_CHANGES}" -o beginning -e -q -X isolation.level=read_uncommitted | wc -l)
committed=$(kcat -b "${B}" -C -t "${T_CHANGES}" -o beginning -e -q -X isolation.level=read_committed | wc -l)
log "changes topic: ${committed} committed records, ${uncommitted} including aborted transactions"

csv_replay "${WORK}/input.csv" "${WORK}/state.replay" "${WORK}/out.replay"
STRICT_ONCE=1 compare_with_replay "${WORK}/state.kafka" "${WORK}/state.replay" "${WORK}/out.replay"
[[ ${committed} -eq $(wc -l <"${WORK}/out.replay/segment-changes.jsonl") ]] \
  || fail "read_committed sees ${committed} changes, the replay wrote $(wc -l <"${WORK}/out.replay/segment-changes.jsonl")"
E2E_OK=1
log "PASS"
