#!/usr/bin/env bash
# Acceptance (1): the UCI file -> segctl produce (1 partition) -> segstream on
# Kafka gives the same customers as the CSV replay; the compacted
# customer-segments topic holds each customer's current segment; the
# segment-changes topic, de-duplicated by (customer_id, seq), equals the
# replay's segment-changes.jsonl.
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode

log "producing ${SEGSTREAM_DATA} to ${T_IN}"
"${SEGCTL_BIN}" produce --input "${SEGSTREAM_DATA}" --topic "${T_IN}" --brokers "${B}" --partitions 1 >&2

log "segstream on Kafka"
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.kafka" "${ENGINE_FLAGS[@]}" --until-idle 5 \
  >"${WORK}/kafka.log" 2>&1 || { tail -30 "${WORK}/kafka.log" >&2; fail "segstream on Kafka failed"; }

log "CSV replay"
csv_replay "${SEGSTREAM_DATA}" "${WORK}/state.replay" "${WORK}/out.replay"
compare_with_replay "${WORK}/state.kafka" "${WORK}/state.replay" "${WORK}/out.replay"
E2E_OK=1
log "PASS"
