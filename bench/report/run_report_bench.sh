#!/usr/bin/env bash
# The analyst's report, timed (issue 14's performance bar: under a second each):
#   report   `segctl report` on the state of a full replay of FILE (RUNS runs
#            after one warm-up; median and max wall time)
#   page     while `segstream run --max-rate RATE` replays FILE with the HTTP
#            server on: what the live page fetches when it loads (GET /, then
#            /analytics, /model and /segments), timed with curl RUNS times,
#            2 s apart, after the first model version exists
#   browser  the report page in headless chromium, RUNS times: the page's own
#            measure from navigation start until its glue has drawn every
#            chart (data-first-render-ms, performance.now()); and the whole
#            chromium process (start and exit included) next to about:blank.
#            The static report is used because its data is inline, so the
#            render happens before the DOM dump in real time; the live page
#            runs the same glue on the same document after its fetches (timed
#            above), and chromium's --virtual-time-budget, needed to wait for
#            those, would make performance.now() virtual.
#
# Usage: bench/report/run_report_bench.sh [BUILD_DIR=build] [FILE=../shared/data/online_retail.csv.gz] [RUNS=10] [RATE=8000]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
FILE=${2:-../shared/data/online_retail.csv.gz}
RUNS=${3:-10}
RATE=${4:-8000}
SEG=$BUILD/segstream
CTL=$BUILD/segctl
[ -x "$SEG" ] && [ -x "$CTL" ] || { echo "build $SEG and $CTL first" >&2; exit 2; }
[ -r "$FILE" ] || { echo "no such file: $FILE" >&2; exit 2; }
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

"$SEG" run --input "$FILE" --state "$TMP/state" --out "$TMP/out" --http none -q
: > "$TMP/report"
for i in $(seq 0 "$RUNS"); do
  t0=$(now)
  "$CTL" report --state "$TMP/state" --out "$TMP/report.html" 2> /dev/null
  t1=$(now)
  [ "$i" -eq 0 ] || echo "$t1 - $t0" | bc -l >> "$TMP/report"   # run 0 is the warm-up
done
printf 'report   segctl report, full UCI state: median %.3f s, max %.3f s (%d runs, %d bytes)\n' \
  "$(median < "$TMP/report")" "$(sort -n "$TMP/report" | tail -1)" "$RUNS" "$(stat -c %s "$TMP/report.html")"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SEG" run --input "$FILE" --state "$TMP/live" --out "$TMP/live-out" -q --http "127.0.0.1:$PORT" --max-rate "$RATE" &
PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/model"; do
  kill -0 "$PID" 2>/dev/null || { echo "segstream ended before a model" >&2; exit 1; }
  sleep 0.2
done
: > "$TMP/page"
for i in $(seq 1 "$RUNS"); do
  t=0
  for path in / /analytics /model /segments; do
    s=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT$path")
    t=$(echo "$t + $s" | bc -l)
  done
  echo "$t" >> "$TMP/page"
  sleep 2
done
kill -0 "$PID" 2>/dev/null || { echo "the replay ended during the measurement: lower RATE" >&2; exit 1; }
printf 'page     GET / + /analytics + /model + /segments during a replay at %s records/s: median %.3f s, max %.3f s (%d loads)\n' \
  "$RATE" "$(median < "$TMP/page")" "$(sort -n "$TMP/page" | tail -1)" "$RUNS"

if command -v chromium > /dev/null; then
  run_chromium() {
    local t0 t1
    t0=$(now)
    chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/chromium" --window-size=1400,5200 \
      --dump-dom "$1" > "$TMP/dom" 2> /dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc -l
  }
  blank=$(run_chromium about:blank)
  : > "$TMP/render"
  : > "$TMP/process"
  for i in $(seq 1 "$RUNS"); do
    run_chromium "file://$TMP/report.html" >> "$TMP/process"
    ms=$(grep -o 'data-first-render-ms="[0-9]*"' "$TMP/dom" | grep -o '[0-9]*') ||
      { echo "the page did not render in chromium" >&2; exit 1; }
    echo "$ms / 1000" | bc -l >> "$TMP/render"
  done
  printf 'browser  navigation start to every chart drawn (in the page): median %.3f s, max %.3f s (%d loads)\n' \
    "$(median < "$TMP/render")" "$(sort -n "$TMP/render" | tail -1)" "$RUNS"
  printf 'browser  whole headless chromium process: median %.3f s (about:blank: %.3f s)\n' \
    "$(median < "$TMP/process")" "$blank"
fi
kill "$PID"
wait "$PID" || true
PID=
