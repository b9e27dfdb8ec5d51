#!/usr/bin/env bash
# Real Prometheus against a paced `segstream run --http`: the dashboard's and
# the alert rules' PromQL must all parse on the server, and every dashboard
# panel must return data at least once while the replay runs.
# Usage: prometheus_dashboard.sh SEGSTREAM_BIN SRC_DIR [INPUT]
# INPUT defaults to the UCI Online Retail file; malformed lines are injected
# so the dead-letter panel has data. Exit 77 = skipped (binary lacks flags).
set -euo pipefail
BIN=${1:?usage: $0 SEGSTREAM_BIN SRC_DIR [INPUT]}
SRC=${2:?usage: $0 SEGSTREAM_BIN SRC_DIR [INPUT]}
INPUT=${3:-/work/shared/data/online_retail.csv.gz}
RATE=${SEGSTREAM_TEST_RATE:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)

# The help text captured first: `| grep -q` closes the pipe at the first
# match, and under pipefail the writer's SIGPIPE would read as "no such flag".
HELP=$("$BIN" run --help 2>&1) || true
if ! grep -q -- --max-rate <<<"$HELP" || ! grep -q -- --http <<<"$HELP"; then
  echo "SKIP: $BIN run has no --http/--max-rate"; exit 77
fi
if [[ ! -r $INPUT ]]; then echo "SKIP: no input $INPUT"; exit 77; fi

TMP=$(mktemp -d)
SEG_PID=""; PROM_PID=""
cleanup() {
  [[ -n $SEG_PID ]] && kill "$SEG_PID" 2>/dev/null && wait "$SEG_PID" 2>/dev/null || true
  [[ -n $PROM_PID ]] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SEG_PORT=$(free_port)
PROM_PORT=$(free_port)

# The input with a few malformed rows (wrong number, impossible date, too few
# fields) near the start and in the middle, so dead letters occur while
# Prometheus is scraping.
python3 - "$INPUT" "$TMP/input.csv" <<'PY'
import gzip, sys
src, dst = sys.argv[1], sys.argv[2]
opener = gzip.open if src.endswith(".gz") else open
bad = ['536999,85123A,BROKEN ROW,not_a_number,12/1/2010 8:26,2.55,17850,United Kingdom',
       '536999,85123A,BROKEN ROW,6,13/45/2010 8:26,2.55,17850,United Kingdom',
       '536999,85123A,TOO FEW FIELDS']
with opener(src, "rt", encoding="latin-1", newline="") as f, open(dst, "w", encoding="latin-1", newline="") as out:
    for i, line in enumerate(f):
        out.write(line)
        if i in (20000, 60000, 120000, 200000, 300000):
            for b in bad:
                out.write(b + "\r\n")
PY

cat > "$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - alerts.yml
scrape_configs:
  - job_name: segstream
    static_configs:
      - targets: ['127.0.0.1:$SEG_PORT']
YML
cp "$SRC/deploy/prometheus/alerts.yml" "$TMP/alerts.yml"
promtool check config "$TMP/prometheus.yml" >/dev/null

prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn > "$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && break
  kill -0 "$PROM_PID" 2>/dev/null || { echo "prometheus died"; cat "$TMP/prometheus.log"; exit 1; }
  sleep 0.05
done

"$BIN" run --input "$TMP/input.csv" --state "$TMP/state" --out "$TMP/out" \
  --http "127.0.0.1:$SEG_PORT" --max-rate "$RATE" --progress never > "$TMP/segstream.log" 2>&1 &
SEG_PID=$!

# The first scrape reaches the query API ~6 s after Prometheus starts.
for _ in $(seq 1 300); do
  UP=$(curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=sum(up{job="segstream"})' |
       python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  [[ $UP == 1 ]] && break
  kill -0 "$SEG_PID" 2>/dev/null || { echo "segstream exited before the first scrape"; tail -20 "$TMP/segstream.log"; exit 1; }
  sleep 0.1
done
[[ $UP == 1 ]] || { echo "segstream never scraped"; tail -20 "$TMP/prometheus.log"; exit 1; }
echo "segstream scraped (port $SEG_PORT), Prometheus on $PROM_PORT"

set +e
python3 "$HERE/prometheus_queries.py" poll "$SRC" "http://127.0.0.1:$PROM_PORT" "$SEG_PID" 150
RC=$?
set -e
if [[ $RC != 0 ]]; then
  echo "--- segstream log"; tail -20 "$TMP/segstream.log"
  echo "--- last scrape (head)"; curl -s "http://127.0.0.1:$SEG_PORT/metrics" | grep -v '^#' | head -60 || true
fi
exit $RC
