#!/usr/bin/env bash
# End-to-end replay benchmark: the whole file from disk to durable RocksDB
# state (and final segments), next to baselines timed in the same run:
#   floor      zcat FILE | wc -l           (decompress + count lines)
#   state      segstream run --no-model     (decode, clean, RFM, durable commits)
#   model      segstream run                (+ streaming k-means, segments, outputs)
#   metrics    segstream run --http :0      (+ Prometheus metrics and HTTP server)
#   duckdb     DuckDB: load, clean, RFM only (baselines/duckdb_rfm.py; when $PYTHON imports duckdb)
#   notebook   pandas + scikit-learn notebook pipeline (baselines/pandas_notebook.py; when importable)
# PYTHON (default python3) may point at a venv with duckdb, pandas and scikit-learn.
# Each is run RUNS times (default 5) after one warm-up; the median wall time,
# records/s and peak RSS (GNU time) are printed, with ratios to the floor.
#
# Usage: bench/e2e/replay_bench.sh [BUILD_DIR=build] [FILE=../shared/data/online_retail.csv.gz] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
FILE=${2:-../shared/data/online_retail.csv.gz}
RUNS=${3:-5}
SEG=$BUILD/segstream
[ -x "$SEG" ] || { echo "build $SEG first" >&2; exit 2; }
[ -r "$FILE" ] || { echo "no such file: $FILE" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
LINES=$(zcat -f "$FILE" | wc -l)

# measure NAME CMD...: appends "wall rss" of each counted run to $TMP/t.NAME
measure() {
  local name=$1; shift
  : > "$TMP/t.$name"
  for i in $(seq 0 "$RUNS"); do
    rm -rf "$TMP/state" "$TMP/out"
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" > /dev/null 2> "$TMP/stderr" || { cat "$TMP/stderr"; exit 1; }
    [ "$i" -eq 0 ] || cat "$TMP/time" >> "$TMP/t.$name"   # run 0 is the warm-up
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

measure floor sh -c "zcat -f '$FILE' | wc -l"
measure state "$SEG" run --input "$FILE" --state "$TMP/state" --out "$TMP/out" --http none --no-model -q
measure model "$SEG" run --input "$FILE" --state "$TMP/state" --out "$TMP/out" --http none -q
measure metrics "$SEG" run --input "$FILE" --state "$TMP/state" --out "$TMP/out" --http 127.0.0.1:0 -q

PYTHON=${PYTHON:-python3}
cases="floor state model metrics"
if "$PYTHON" -c 'import duckdb' 2>/dev/null; then
  measure duckdb "$PYTHON" bench/e2e/baselines/duckdb_rfm.py "$FILE"
  cases="$cases duckdb"
fi
if "$PYTHON" -c 'import pandas, sklearn' 2>/dev/null; then
  measure notebook "$PYTHON" bench/e2e/baselines/pandas_notebook.py "$FILE"
  cases="$cases notebook"
fi

floor=$(cut -d' ' -f1 "$TMP/t.floor" | median)
printf "%s: %s lines, %d runs each (median), %s\n" "$FILE" "$LINES" "$RUNS" "$(nproc) cores"
printf "%-8s %9s %14s %10s %12s\n" case "wall s" "records/s" "peak MB" "x floor"
for name in $cases; do
  wall=$(cut -d' ' -f1 "$TMP/t.$name" | median)
  rss=$(cut -d' ' -f2 "$TMP/t.$name" | median)
  awk -v n="$name" -v w="$wall" -v r="$rss" -v l="$LINES" -v f="$floor" \
    'BEGIN { printf "%-8s %9.3f %14.0f %10.1f %12.2f\n", n, w, l / w, r / 1024, w / f }'
done
model=$(cut -d' ' -f1 "$TMP/t.model" | median); state=$(cut -d' ' -f1 "$TMP/t.state" | median)
metrics=$(cut -d' ' -f1 "$TMP/t.metrics" | median)
awk -v m="$model" -v s="$state" -v x="$metrics" \
  'BEGIN { printf "model/state %.2f   metrics-on/off %.3f\n", m / s, x / m }'
for base in duckdb notebook; do
  [ -s "$TMP/t.$base" ] || continue
  b=$(cut -d" " -f1 "$TMP/t.$base" | median)
  awk -v m="$model" -v b="$b" -v n="$base" 'BEGIN { printf "model/%s %.2f\n", n, m / b }'
done
# One more model run for the latency percentiles of its micro-batches.
rm -rf "$TMP/state" "$TMP/out"
"$SEG" run --input "$FILE" --state "$TMP/state" --out "$TMP/out" --http none | grep -E "batches:|records in"
