#!/usr/bin/env bash
# HTTP query load during a paced replay (not in ctest):
#   1. starts `segstream run --input UCI --max-rate RATE --http 127.0.0.1:PORT`;
#   2. measures the replay's throughput (accepted+skipped+... events/s from
#      /metrics) for WINDOW s without HTTP load, WINDOW s under
#      `wrk GET /customers/{id}` (real ids, random), and WINDOW s after;
#   3. prints requests/s and latency percentiles, and the replay throughput
#      with and without load (same run).
# Goal on 2 cores: >= 20k req/s, p99 < 5 ms, replay throughput down < 25 %.
# Usage: bench/http/run_http_bench.sh [SEGSTREAM_BIN] [INPUT]
#   env: RATE (default 15000 records/s), WINDOW (10 s), CONNS (4), THREADS (2)
set -euo pipefail
BIN=${1:-build/segstream}
INPUT=${2:-/work/shared/data/online_retail.csv.gz}
RATE=${RATE:-15000}
WINDOW=${WINDOW:-10}
CONNS=${CONNS:-4}
THREADS=${THREADS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

TMP=$(mktemp -d)
SEG_PID=""
cleanup() {
  [[ -n $SEG_PID ]] && kill "$SEG_PID" 2>/dev/null && wait "$SEG_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Real customer ids, as the engine keys them (the integer part of CustomerID).
python3 - "$INPUT" "$TMP/ids.txt" <<'PY'
import csv, gzip, io, sys
src, dst = sys.argv[1], sys.argv[2]
opener = gzip.open if src.endswith(".gz") else open
ids = set()
with opener(src, "rt", encoding="latin-1", newline="") as f:
    for row in csv.DictReader(f):
        cid = (row.get("CustomerID") or row.get("Customer ID") or "").strip()
        if cid:
            ids.add(cid.split(".")[0])
with open(dst, "w") as out:
    out.write("\n".join(sorted(ids)) + "\n")
print(f"{len(ids)} customer ids")
PY

"$BIN" run --input "$INPUT" --state "$TMP/state" --out "$TMP/out" --http "127.0.0.1:$PORT" \
  --max-rate "$RATE" --progress never > "$TMP/segstream.log" 2>&1 &
SEG_PID=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.05; done

events() {  # all input events processed so far
  curl -sf "http://127.0.0.1:$PORT/metrics" |
    awk '/^segstream_events_total\{/ {s += $NF} END {printf "%.0f\n", s}'
}
window_rate() {  # events/s over $1 seconds of whatever runs meanwhile
  local a b t0 t1
  a=$(events); t0=$(date +%s.%N)
  sleep "$1"
  b=$(events); t1=$(date +%s.%N)
  python3 -c "print(f'{($b - $a) / ($t1 - $t0):.0f}')"
}

sleep 2   # let the first model fit happen before measuring
BASE1=$(window_rate "$WINDOW")
A=$(events); T0=$(date +%s.%N)
IDS_FILE="$TMP/ids.txt" wrk -t"$THREADS" -c"$CONNS" -d"${WINDOW}s" --latency -s "$HERE/customers.lua" \
  "http://127.0.0.1:$PORT" > "$TMP/wrk.txt"
B=$(events); T1=$(date +%s.%N)
LOADED=$(python3 -c "print(f'{($B - $A) / ($T1 - $T0):.0f}')")
BASE2=$(window_rate "$WINDOW")
kill -0 "$SEG_PID" 2>/dev/null || echo "WARNING: the replay ended during the measurement; lower RATE or WINDOW"

grep -E "Latency|Req/Sec|requests in|Non-2xx|Socket errors|^ +(50|90|99)%" "$TMP/wrk.txt" || true
grep RESULT "$TMP/wrk.txt"
python3 - "$BASE1" "$LOADED" "$BASE2" "$TMP/wrk.txt" "$RATE" <<'PY'
import re, sys
b1, loaded, b2 = (float(x) for x in sys.argv[1:4])
res = dict(kv.split("=") for kv in re.search(r"RESULT (.*)", open(sys.argv[4]).read()).group(1).split())
base = (b1 + b2) / 2
drop = 100 * (1 - loaded / base) if base else float("nan")
rps, p99 = float(res["rps"]), float(res["p99_ms"])
print(f"replay events/s (max-rate {sys.argv[5]}): before {b1:.0f}, under HTTP load {loaded:.0f}, after {b2:.0f} "
      f"-> down {drop:.1f} % vs. the mean of before/after (negative = faster)")
print(f"HTTP: {rps:.0f} req/s, p99 {p99:.2f} ms, errors {res['errors']}, "
      f"404 (customer not replayed yet) or other non-2xx: {res['non2xx']}")
ok = rps >= 20000 and p99 < 5 and drop < 25
print(("GOAL MET" if ok else "GOAL NOT MET") + ": >= 20000 req/s, p99 < 5 ms, replay down < 25 %")
PY
