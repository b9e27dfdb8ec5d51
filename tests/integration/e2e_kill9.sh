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
log "producing ${LINES} lines to ${T_IN} at 25k/s in the background"
"${SEGCTL_BIN}" produce --input "${WORK}/input.csv" --topic "${T_IN}" --brokers "${B}" --partitions 1 --rate 25000 \
  >"${WORK}/produce.log" 2>&1 &
PRODUCER=$!

for i in $(seq 1 "${KILLS}"); do
  # shellcheck disable=SC2046
  "${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" \
    >>"${WORK}/kafka.log" 2>&1 &
  pid=$!
  ENGINE_PIDS+=("${pid}")
  delay_ms=$((500 + RANDOM % 2500))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -0 "${pid}" 2>/dev/null || { tail -30 "${WORK}/kafka.log" >&2; fail "segstream exited before kill ${i}"; }
  kill -KILL "${pid}"
  wait "${pid}" 2>/dev/null || true
  log "kill -9 #${i} after ${delay_ms} ms"
done
wait "${PRODUCER}" || { cat "${WORK}/produce.log" >&2; fail "segctl produce failed"; }

log "final run until idle"
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" --until-idle 5 \
  >>"${WORK}/kafka.log" 2>&1 || { tail -30 "${WORK}/kafka.log" >&2; fail "final segstream run failed"; }

csv_replay "${WORK}/input.csv" "${WORK}/state.replay" "${WORK}/out.replay"
compare_with_replay "${WORK}/state.kafka" "${WORK}/state.replay" "${WORK}/out.replay"
E2E_OK=1
log "PASS"
