#!/usr/bin/env bash
# Acceptance (3): the broker is stopped for 20 s while segstream consumes and
# the producer is still sending; segstream must pause (not exit), resume when
# the broker is back (same data, same cluster id) and end identical to the
# CSV replay.
# With E2E_OUTAGE_CHANGELOG=1 the same runs with --exactly-once --changelog:
# transactions wait through the outage, a read_committed consumer sees every
# change once, and an empty state restored from the changelog afterwards
# equals the live one. (One partition, so that the model, and with it every
# segment id and change, equals the replay's; e2e_changelog.sh covers 4.)
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode
: "${KAFKA_LOCAL:?}"
LINES="${E2E_LINES:-100000}"
OUTAGE_S="${E2E_OUTAGE_SECONDS:-20}"
PARTITIONS=1
MODE_FLAGS=()
if [[ "${E2E_OUTAGE_CHANGELOG:-0}" == 1 ]]; then
  MODE_FLAGS=(--exactly-once --changelog)
  STRICT_ONCE=1
fi

restart_broker() { "${KAFKA_LOCAL}" start --keep-data >/dev/null || true; }

uci_cut "${LINES}" "${WORK}/input.csv"
log "producing ${LINES} lines to ${T_IN} at 5k/s in the background"
"${SEGCTL_BIN}" produce --input "${WORK}/input.csv" --topic "${T_IN}" --brokers "${B}" --partitions "${PARTITIONS}" --rate 5000 \
  >"${WORK}/produce.log" 2>&1 &
PRODUCER=$!

# Idle long enough to sit through the outage and the clients' reconnect backoff.
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" "${MODE_FLAGS[@]}" --until-idle 60 \
  >"${WORK}/kafka.log" 2>&1 &
ENGINE=$!
ENGINE_PIDS+=("${ENGINE}")
sleep 5

log "stopping the broker for ${OUTAGE_S} s"
trap 'restart_broker; cleanup' EXIT   # never leave the shared fixture broker down
"${KAFKA_LOCAL}" stop --keep-data
sleep "${OUTAGE_S}"
kill -0 "${ENGINE}" 2>/dev/null || { tail -30 "${WORK}/kafka.log" >&2; fail "segstream exited during the outage"; }
log "restarting the broker"
"${KAFKA_LOCAL}" start --keep-data >/dev/null || fail "broker restart failed"
trap cleanup EXIT

wait "${PRODUCER}" || { cat "${WORK}/produce.log" >&2; fail "segctl produce failed"; }
log "producer done; waiting for segstream to go idle"
wait "${ENGINE}" || { tail -30 "${WORK}/kafka.log" >&2; fail "segstream failed after the outage"; }

csv_replay "${WORK}/input.csv" "${WORK}/state.replay" "${WORK}/out.replay"
compare_with_replay "${WORK}/state.kafka" "${WORK}/state.replay" "${WORK}/out.replay"
if [[ "${E2E_OUTAGE_CHANGELOG:-0}" == 1 ]]; then
  log "an empty state restores the live one from the changelog"
  # shellcheck disable=SC2046
  "${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.restored" "${ENGINE_FLAGS[@]}" "${MODE_FLAGS[@]}" \
    --until-idle 1 >"${WORK}/restored.log" 2>&1 || { tail -30 "${WORK}/restored.log" >&2; fail "the restore run failed"; }
  grep -q "segstream: 0 records" "${WORK}/restored.log" || { tail "${WORK}/restored.log" >&2; fail "the restore run processed records"; }
  customers "${WORK}/state.restored" >"${WORK}/customers.restored.csv"
  expect_same_file "${WORK}/customers.kafka.csv" "${WORK}/customers.restored.csv" "the restored state differs from the live one"
  log "restored state equals the live one ($(grep -o 'restored [0-9]* records' "${WORK}/restored.log" | head -1))"
fi
E2E_OK=1
log "PASS"
