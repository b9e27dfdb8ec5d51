#!/usr/bin/env bash
# Structure of deploy/grafana/segstream.json (panels, targets, datasource
# variable, documented metrics) and an offline PromQL parse of every panel
# query: they become recording rules that `promtool check rules` parses.
# Usage: prometheus_check_dashboard.sh SRC_DIR
set -euo pipefail
SRC=${1:?usage: $0 SRC_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 "$HERE/prometheus_queries.py" structure "$SRC"
python3 "$HERE/prometheus_queries.py" rules "$SRC" > "$TMP/dashboard_rules.yml"
promtool check rules "$TMP/dashboard_rules.yml"
