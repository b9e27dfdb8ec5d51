#!/usr/bin/env bash
# Acceptance (2): segstream is killed with SIGKILL at 5 random points while
# the input is still arriving, and restarted each time; the final state equals
# the CSV replay's and the de-duplicated changes equal the replay's.
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode
LINES="${E2E_LINES:-100000}"
KILLS="${E2E_KILLS:-5}"
RANDOM="${E2E_SEED:-20111209}"   # reproducible kill points

uci_cut "${LINES}" "${WORK}/input.csv"
log "producing ${LINES} lines to ${T_IN} at 8k/s in the background (the kills fall while it runs)"
"${SEGCTL_BIN}" produce --input "${WORK}/input.csv" --topic "${T_IN}" --brokers "${B}" --partitions 1 --rate 8000 \
  >"${WORK}/produce.log" 2>&1 &
PRODUCER=$!

MID_STREAM=0
for i in $(seq 1 "${KILLS}"); do
  delay_ms=$((1000 + RANDOM % 2000))
  run_then_kill "${delay_ms}"
  position=$("${SEGCTL_BIN}" stats --state "${WORK}/state.kafka" 2>/dev/null | sed -n 's/^position .* offset \([0-9]*\).*/\1/p' || true)
  log "kill -9 #${i} after ${delay_ms} ms at input offset ${position:-none}"
  if [[ -n "${position}" && "${position}" -gt 0 && "${position}" -lt "${LINES}" ]]; then
    MID_STREAM=$((MID_STREAM + 1))
  fi
done
# The point is to crash while input is being processed, not before or after.
[[ ${MID_STREAM} -ge 2 ]] || fail "only ${MID_STREAM} kills fell mid-stream"

wait "${PRODUCER}" || { cat "${WORK}/produce.log" >&2; fail "segctl produce failed"; }

log "final run until idle"
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" --until-idle 5 \
  >>"${WORK}/kafka.log" 2>&1 || { tail -30 "${WORK}/kafka.log" >&2; fail "final segstream run failed"; }

csv_replay "${WORK}/input.csv" "${WORK}/state.replay" "${WORK}/out.replay"
compare_with_replay "${WORK}/state.kafka" "${WORK}/state.replay" "${WORK}/out.replay"
E2E_OK=1
log "PASS"
