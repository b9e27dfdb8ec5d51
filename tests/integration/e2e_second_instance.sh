#!/usr/bin/env bash
# Issue 12's first measurement, now refused: a second instance joins the
# consumer group of a running one with its own, empty state. Before, it took
# partitions at the group's committed offsets and published RFM without the
# customers' history. Now it refuses them: it stops with exit code 3 and
# names the partition and the instance that processed it, publishes
# nothing, and the first instance takes the partitions back and ends with
# every customer's RFM equal to the CSV replay's (the model is not compared:
# four partitions interleave differently from the file).
#
# Then two instances start together on a fresh group, where nothing is
# committed yet to tell them apart. Before, each took two partitions and
# trained and published its own model. Now an instance's first assignment must
# be the whole topic: every instance that publishes held all four partitions
# and ends with the replay's RFM; every other one exits 3 having processed
# nothing.
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode

log "producing ${SEGSTREAM_DATA} to ${T_IN} (4 partitions)"
"${SEGCTL_BIN}" produce --input "${SEGSTREAM_DATA}" --topic "${T_IN}" --brokers "${B}" --partitions 4 >&2

# args_for MEMBER [GROUP_SUFFIX]: this test's run flags for one instance, with
# its own static member id (so instances do not fence each other's
# membership), in the group ${GROUP}${GROUP_SUFFIX}.
args_for() {
  kafka_run_args | sed "s/--group ${GROUP} /--group ${GROUP}${2:-} /; s/group.instance.id=${GROUP}-0/group.instance.id=${GROUP}${2:-}-$1/"
}
# The number of input partitions state $1 holds (segctl stats).
state_partitions() { "${SEGCTL_BIN}" stats --state "$1" | grep -c '^partition '; }
# Fails unless the RFM columns of state $1 equal the CSV replay's
# (rfm.replay.csv); $2 names the instance in files and messages.
expect_replay_rfm() {
  customers "$1" | cut -d, -f1-4 >"${WORK}/rfm.$2.csv"
  expect_same_file "${WORK}/rfm.$2.csv" "${WORK}/rfm.replay.csv" "$2's RFM differs from the CSV replay"
}

log "instance a"
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(args_for 0) --state "${WORK}/state.a" "${ENGINE_FLAGS[@]}" --until-idle 20 \
  >"${WORK}/a.log" 2>&1 &
A_PID=$!
ENGINE_PIDS+=("${A_PID}")
# Wait until a has committed some progress (its state holds positions).
for _ in $(seq 1 100); do
  "${SEGCTL_BIN}" stats --state "${WORK}/state.a" 2>/dev/null | grep -q "kafka:${T_IN}" && break
  sleep 0.2
done

log "instance b joins the group with an empty state"
set +e
# shellcheck disable=SC2046
timeout 120 "${SEGSTREAM_BIN}" run $(args_for 1) --state "${WORK}/state.b" "${ENGINE_FLAGS[@]}" --until-idle 60 \
  >"${WORK}/b.log" 2>&1
B_RC=$?
set -e
[[ ${B_RC} == 3 ]] || { tail -20 "${WORK}/b.log" >&2; fail "instance b exited with ${B_RC}, want 3 (refused)"; }
grep -q "processed it up to offset" "${WORK}/b.log" || { tail -20 "${WORK}/b.log" >&2; fail "b's error does not say why"; }
log "b refused: $(grep -o 'partition [0-9]* of [^:]*: segstream instance [0-9a-f]*' "${WORK}/b.log" | head -1)"
B_CUSTOMERS=$(customers "${WORK}/state.b" | tail -n +2 | wc -l)
[[ ${B_CUSTOMERS} == 0 ]] || fail "b holds ${B_CUSTOMERS} customers; it must not have processed anything"

wait "${A_PID}" || { tail -30 "${WORK}/a.log" >&2; fail "instance a failed"; }
# b named a: the instance id in a's state, which a's commits carried.
A_ID=$("${SEGCTL_BIN}" stats --state "${WORK}/state.a" | sed -n 's/^instance_id: //p')
[[ ${#A_ID} == 32 ]] || fail "a's state has no instance id (segctl stats)"
grep -q "segstream instance ${A_ID} " "${WORK}/b.log" || fail "b's error does not name a (${A_ID})"
A_PARTITIONS=$(state_partitions "${WORK}/state.a")
[[ ${A_PARTITIONS} == 4 ]] || fail "a's state holds ${A_PARTITIONS} partitions, want 4"

log "CSV replay"
csv_replay "${SEGSTREAM_DATA}" "${WORK}/state.replay" "${WORK}/out.replay"
customers "${WORK}/state.replay" | cut -d, -f1-4 >"${WORK}/rfm.replay.csv"
[[ $(wc -l <"${WORK}/rfm.replay.csv") -gt 1 ]] || fail "the replay produced no customers"
expect_replay_rfm "${WORK}/state.a" a
log "a's RFM equals the replay's ($(($(wc -l <"${WORK}/rfm.replay.csv") - 1)) customers)"

log "two instances start together on a fresh group"
PIDS=()
for i in 0 1; do
  # shellcheck disable=SC2046
  timeout 180 "${SEGSTREAM_BIN}" run $(args_for "${i}" -together) --state "${WORK}/state.t${i}" "${ENGINE_FLAGS[@]}" \
    --until-idle 20 >"${WORK}/t${i}.log" 2>&1 &
  PIDS+=($!)
done
ENGINE_PIDS+=("${PIDS[@]}")
PUBLISHED=0
for i in 0 1; do
  set +e
  wait "${PIDS[i]}"
  RC=$?
  set -e
  N=$(customers "${WORK}/state.t${i}" | tail -n +2 | wc -l)
  if [[ ${RC} == 3 ]]; then
    grep -q "has another member\|processed it up to offset" "${WORK}/t${i}.log" \
      || { tail -20 "${WORK}/t${i}.log" >&2; fail "instance t${i} exited 3 without saying why"; }
    [[ ${N} == 0 ]] || fail "instance t${i} was refused but holds ${N} customers"
    log "t${i} refused: $(grep -o 'consumer group [^ ]* has another member[^.]*\|processed it up to offset [0-9]*' "${WORK}/t${i}.log" | head -1)"
  elif [[ ${RC} == 0 ]]; then
    P=$(state_partitions "${WORK}/state.t${i}")
    [[ ${P} == 4 ]] || fail "instance t${i} published from ${P} of the 4 partitions while another member held the rest"
    expect_replay_rfm "${WORK}/state.t${i}" "t${i}"
    PUBLISHED=$((PUBLISHED + 1))
    log "t${i} held the whole topic; its RFM equals the replay's"
  else
    tail -20 "${WORK}/t${i}.log" >&2
    fail "instance t${i} exited with ${RC}, want 0 or 3"
  fi
done
[[ ${PUBLISHED} -le 1 ]] || fail "both instances published"
E2E_OK=1
log "PASS"
