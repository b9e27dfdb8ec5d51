#!/usr/bin/env bash
# --changelog against the real broker (issue 12's changelog): a state lost
# with its disk is restored from the compacted changelog topic.
#
# Instance a runs --exactly-once --changelog over the first half of the input
# on a 4-partition topic: one crash between a transaction's commit and its
# state commit, two SIGKILLs, then a run until idle. Instance b starts on an
# EMPTY --state in the same group: it must restore a's state exactly
# (segctl customers, stats and the report equal a's), publish nothing for
# input a had done, then process the second half (killed once and restarted
# on its own disk, which restores nothing). Instance c restores again from
# the topic after b and must equal b. At the end:
# - b's RFM equals a CSV replay of the whole input (RFM exact; the model is
#   not compared, four partitions interleave differently from the file);
# - read_committed, the changes topic has each (customer_id, seq) once and
#   each customer's seqs are 1..n (seq continued across the move);
# - the compacted segments topic equals b's segctl customers.
# Refusals: a state that logs to a changelog run without --changelog (Kafka
# or a file replay), a state not logged from its start run with it, and a
# state whose changelog topic was deleted, all stop with a reason.
source "$(dirname "$0")/e2e_common.sh"
require_kafka_mode
LINES="${E2E_LINES:-60000}"
RANDOM="${E2E_SEED:-20261203}"
HALF=$((LINES / 2))
EOS=(--exactly-once --changelog)

uci_cut "${LINES}" "${WORK}/input.csv"
head -n $((HALF + 1)) "${WORK}/input.csv" >"${WORK}/first.csv"
{ head -n 1 "${WORK}/input.csv"; tail -n +$((HALF + 2)) "${WORK}/input.csv"; } >"${WORK}/second.csv"

# run_state STATE LOG [flags...]: one run on this test's topics.
run_state() {
  local state="$1" logfile="$2"
  shift 2
  # shellcheck disable=SC2046
  "${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${state}" "${ENGINE_FLAGS[@]}" "${EOS[@]}" "$@" >>"${logfile}" 2>&1
}
# kill_after STATE LOG DELAY_MS: starts a run and kills it with SIGKILL.
kill_after() { run_state_then_kill "$1" "$2" "$3" "${EOS[@]}"; }
# same_state A B: segctl customers, stats (but the instance id and how far
# each copy holds the changelog) and the report's data of two states are
# equal.
same_state() {
  local a="$1" b="$2" what="$3"
  customers "${a}" >"${WORK}/same.a.csv"
  customers "${b}" >"${WORK}/same.b.csv"
  [[ $(wc -l <"${WORK}/same.a.csv") -gt 1 ]] || fail "${what}: no customers"
  expect_same_file "${WORK}/same.a.csv" "${WORK}/same.b.csv" "${what}: segctl customers differ"
  "${SEGCTL_BIN}" stats --state "${a}" | grep -v '^instance_id\|^sink changelog/' >"${WORK}/same.a.stats"
  "${SEGCTL_BIN}" stats --state "${b}" | grep -v '^instance_id\|^sink changelog/' >"${WORK}/same.b.stats"
  diff "${WORK}/same.a.stats" "${WORK}/same.b.stats" >&2 || fail "${what}: segctl stats differ"
  "${SEGCTL_BIN}" report --state "${a}" --out "${WORK}/same.a.html" --json "${WORK}/same.a.json" >/dev/null
  "${SEGCTL_BIN}" report --state "${b}" --out "${WORK}/same.b.html" --json "${WORK}/same.b.json" >/dev/null
  cmp -s "${WORK}/same.a.json" "${WORK}/same.b.json" || fail "${what}: segctl report --json differs"
  log "${what}: customers ($(($(wc -l <"${WORK}/same.a.csv") - 1))), stats and report equal"
}

log "producing the first ${HALF} lines to ${T_IN} (4 partitions) at 8k/s in the background"
"${SEGCTL_BIN}" produce --input "${WORK}/first.csv" --topic "${T_IN}" --brokers "${B}" --partitions 4 --rate 8000 \
  >"${WORK}/produce1.log" 2>&1 &
PRODUCER=$!

# The crash after the FIRST transaction commit: the state then holds no
# position at all, while the group's offsets (this instance's own) and the
# changelog hold the batch. The restart must restore the batch's state from
# the changelog (before f253ecf, a restart that re-applied locally started
# those partitions at the group's offsets and lost 22 of 754 customers).
log "a: a crash right after its 1st transaction commit, two SIGKILLs, then until idle"
rc=0
# (--until-idle: a run that never reaches the crash point ends instead of hanging.)
SEGSTREAM_TEST_CRASH_AFTER_FLUSHES=1 run_state "${WORK}/state.a" "${WORK}/a.log" --batch-size 2000 --until-idle 20 \
  || rc=$?
[[ ${rc} -eq 137 ]] || { tail -30 "${WORK}/a.log" >&2; fail "a's crash run exited ${rc}, not at the crash point (137)"; }
for i in 1 2; do
  kill_after "${WORK}/state.a" "${WORK}/a.log" $((1000 + RANDOM % 1500))
  log "a: kill -9 #${i}"
done
wait "${PRODUCER}" || { cat "${WORK}/produce1.log" >&2; fail "segctl produce failed"; }
run_state "${WORK}/state.a" "${WORK}/a.log" --until-idle 5 || { tail -30 "${WORK}/a.log" >&2; fail "a's last run failed"; }
# With a changelog the state is not re-applied locally: it is restored from
# the changelog, which holds what the transaction committed.
grep -q "changelog_tail_restored" "${WORK}/a.log" || fail "a did not restore the tail its state lacked"
"${SEGSTREAM_BIN}" run --input "${WORK}/first.csv" --state "${WORK}/state.first" --out "${WORK}/out.first" \
  "${ENGINE_FLAGS[@]}" >"${WORK}/first.log" 2>&1 || fail "file replay of the first half failed"
customers "${WORK}/state.first" | cut -d, -f1-4 >"${WORK}/rfm.first.csv"
customers "${WORK}/state.a" | cut -d, -f1-4 >"${WORK}/rfm.a.csv"
expect_same_file "${WORK}/rfm.a.csv" "${WORK}/rfm.first.csv" "a's RFM differs from the replay of the first half"
log "a's RFM equals the replay of the first half ($(($(wc -l <"${WORK}/rfm.first.csv") - 1)) customers)"

log "refused: a's state without --changelog"
rc=0
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.a" "${ENGINE_FLAGS[@]}" --exactly-once --until-idle 1 \
  >"${WORK}/refused1.log" 2>&1 || rc=$?
[[ ${rc} -ne 0 ]] && grep -q "this state logs to changelog topic" "${WORK}/refused1.log" \
  || { cat "${WORK}/refused1.log" >&2; fail "a state that logs to a changelog ran without --changelog (exit ${rc})"; }
rc=0
"${SEGSTREAM_BIN}" run --input "${WORK}/second.csv" --state "${WORK}/state.a" --out "${WORK}/out.refused" \
  "${ENGINE_FLAGS[@]}" >"${WORK}/refused1f.log" 2>&1 || rc=$?
[[ ${rc} -ne 0 ]] && grep -q "this state logs to changelog topic" "${WORK}/refused1f.log" \
  || { cat "${WORK}/refused1f.log" >&2; fail "a file replay ran on a state that logs to a changelog (exit ${rc})"; }

log "b: an empty state in the same group restores a's"
run_state "${WORK}/state.b" "${WORK}/b.log" --until-idle 5 || { tail -30 "${WORK}/b.log" >&2; fail "b failed"; }
grep -q "changelog_restored" "${WORK}/b.log" || { tail -30 "${WORK}/b.log" >&2; fail "b did not restore"; }
log "b: $(grep -o 'restored [0-9]* records.*' "${WORK}/b.log" | head -1)"
grep -q "segstream: 0 records" "${WORK}/b.log" || { tail "${WORK}/b.log" >&2; fail "b processed records a had done"; }
same_state "${WORK}/state.a" "${WORK}/state.b" "b restored = a"

log "producing the second half; b processes it (one SIGKILL, restarted on its own disk)"
"${SEGCTL_BIN}" produce --input "${WORK}/second.csv" --topic "${T_IN}" --brokers "${B}" --partitions 4 --rate 8000 \
  >"${WORK}/produce2.log" 2>&1 &
PRODUCER=$!
kill_after "${WORK}/state.b" "${WORK}/b.log" $((1500 + RANDOM % 1500))
wait "${PRODUCER}" || { cat "${WORK}/produce2.log" >&2; fail "segctl produce failed"; }
run_state "${WORK}/state.b" "${WORK}/b.log" --until-idle 5 || { tail -30 "${WORK}/b.log" >&2; fail "b's last run failed"; }
[[ $(grep -c "changelog_restored" "${WORK}/b.log") == 1 ]] || fail "b restored again on its own disk"

log "c: another empty state restores b's; its HTTP server reports the restore"
C_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
C_FLAGS=()  # ENGINE_FLAGS with --http on that port instead of none
for ((i = 0; i < ${#ENGINE_FLAGS[@]}; i++)); do
  [[ ${ENGINE_FLAGS[i]} == --http ]] && { i=$((i + 1)); continue; }
  C_FLAGS+=("${ENGINE_FLAGS[i]}")
done
(ENGINE_FLAGS=("${C_FLAGS[@]}" --http "127.0.0.1:${C_PORT}") && run_state "${WORK}/state.c" "${WORK}/c.log" --until-idle 3) &
C_PID=$!
ready=0
for _ in $(seq 1 300); do
  curl -s -m 1 "http://127.0.0.1:${C_PORT}/readyz" | grep -q '"ready"' && { ready=1; break; }
  sleep 0.05
done
[[ ${ready} == 1 ]] || { tail -30 "${WORK}/c.log" >&2; fail "c never became ready"; }
curl -s -m 5 "http://127.0.0.1:${C_PORT}/metrics" >"${WORK}/c.metrics"
wait "${C_PID}" || { tail -30 "${WORK}/c.log" >&2; fail "c failed"; }
restored=$(grep -o 'restored [0-9]* records' "${WORK}/c.log" | head -1 | cut -d' ' -f2)
[[ -n "${restored}" && "${restored}" -gt 0 ]] || fail "c did not log its restore"
grep -qx "segstream_changelog_restore_records_total ${restored}" "${WORK}/c.metrics" \
  || { grep changelog "${WORK}/c.metrics" >&2; fail "c's metrics do not count the ${restored} records it restored"; }
grep -qx "segstream_changelog_restoring 0" "${WORK}/c.metrics" || fail "c's metrics say it is still restoring"
same_state "${WORK}/state.b" "${WORK}/state.c" "c restored = b"

log "refused: a state not logged from its start"
rc=0
# shellcheck disable=SC2046
"${SEGSTREAM_BIN}" run $(kafka_run_args) --state "${WORK}/state.first" "${ENGINE_FLAGS[@]}" "${EOS[@]}" --until-idle 1 \
  >"${WORK}/refused2.log" 2>&1 || rc=$?
[[ ${rc} -ne 0 ]] && grep -q "was not logged to changelog topic" "${WORK}/refused2.log" \
  || { cat "${WORK}/refused2.log" >&2; fail "a state not logged from its start was accepted (exit ${rc})"; }

log "CSV replay of the whole input"
csv_replay "${WORK}/input.csv" "${WORK}/state.replay" "${WORK}/out.replay"
customers "${WORK}/state.replay" | cut -d, -f1-4 >"${WORK}/rfm.replay.csv"
customers "${WORK}/state.b" | cut -d, -f1-4 >"${WORK}/rfm.b.csv"
expect_same_file "${WORK}/rfm.b.csv" "${WORK}/rfm.replay.csv" "b's RFM differs from the CSV replay"
log "b's RFM equals the replay's ($(($(wc -l <"${WORK}/rfm.replay.csv") - 1)) customers)"

dump_topic "${T_CHANGES}" >"${WORK}/changes.topic"
python3 "${E2E_DIR}/topic_checks.py" seqs "${WORK}/changes.topic" || fail "the changes topic's seqs (see above)"
customers "${WORK}/state.b" >"${WORK}/customers.b.csv"
expect_segments_topic "${WORK}/customers.b.csv"
log "refused: a state whose changelog topic was deleted (and re-created empty at start)"
KAFKA_LIBS="${SEGSTREAM_KAFKA_HOME:-${HOME}/.cache/segstream/kafka}/libs"
java -cp "${KAFKA_LIBS}/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "${B}" --delete \
  --topic "${GROUP}-state-changelog" >"${WORK}/delete.log" 2>&1 || { cat "${WORK}/delete.log" >&2; fail "TopicCommand --delete"; }
rc=0
for _ in $(seq 1 20); do  # the deletion completes in the background
  rc=0
  run_state "${WORK}/state.c" "${WORK}/refused3.log" --until-idle 1 || rc=$?
  grep -q "was deleted or re-created" "${WORK}/refused3.log" && break
  sleep 1
done
[[ ${rc} -ne 0 ]] && grep -q "was deleted or re-created" "${WORK}/refused3.log" \
  || { tail -20 "${WORK}/refused3.log" >&2; fail "a state ran on a changelog topic that lost its records (exit ${rc})"; }
E2E_OK=1
log "PASS"
