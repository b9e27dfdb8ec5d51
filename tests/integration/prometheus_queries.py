#!/usr/bin/env python3
"""PromQL of the Grafana dashboard and the alert rules, shared by the
prometheus_*.sh checks.

  prometheus_queries.py list SRC              -> one JSON object per query (panel, expr, source)
  prometheus_queries.py rules SRC             -> a rules file with every dashboard query as a
                                                 recording rule, for an offline `promtool check rules`
  prometheus_queries.py structure SRC         -> structural checks of the dashboard (exit 1 on failure)
  prometheus_queries.py poll SRC URL PID SECS -> query a live Prometheus until every panel has
                                                 returned data, or PID exits, or SECS pass
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

import yaml

# Panels whose metrics only exist with Kafka input (the integration test
# replays a file): their queries must parse but may return nothing.
KAFKA_ONLY_PANELS = {"Consumer lag by partition"}


def substitute(expr):
    """Grafana variables -> values a plain Prometheus understands."""
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "1h")
    expr = expr.replace('"$instance"', '".+"').replace("$instance", ".+")
    return expr


def dashboard(src):
    with open(f"{src}/deploy/grafana/segstream.json") as f:
        return json.load(f)


def panels(dash):
    out = []
    for p in dash["panels"]:
        if p.get("type") == "row":
            out.extend(p.get("panels", []))
        else:
            out.append(p)
    return out


def queries(src):
    result = []
    for p in panels(dashboard(src)):
        for t in p.get("targets", []):
            result.append({"panel": p["title"], "expr": substitute(t.get("expr", "")), "source": "dashboard"})
    with open(f"{src}/deploy/prometheus/alerts.yml") as f:
        rules = yaml.safe_load(f)
    for g in rules["groups"]:
        for r in g["rules"]:
            result.append({"panel": "alert " + r.get("alert", r.get("record", "?")), "expr": r["expr"],
                           "source": "alerts"})
    return result


def structure(src):
    dash = dashboard(src)
    errors = []
    names = [v["name"] for v in dash.get("templating", {}).get("list", [])]
    if "DS_PROMETHEUS" not in names:
        errors.append("no DS_PROMETHEUS datasource variable")
    ds_var = next((v for v in dash["templating"]["list"] if v["name"] == "DS_PROMETHEUS"), {})
    if ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        errors.append("DS_PROMETHEUS must be a datasource variable of type prometheus")
    if not dash.get("uid") or not dash.get("title"):
        errors.append("dashboard needs uid and title")
    ids = set()
    all_panels = panels(dash)
    if len(all_panels) < 10:
        errors.append(f"only {len(all_panels)} panels")
    for p in dash["panels"]:
        pid = p.get("id")
        if pid in ids:
            errors.append(f"duplicate panel id {pid}")
        ids.add(pid)
        g = p.get("gridPos", {})
        if not all(k in g for k in ("x", "y", "w", "h")) or g["x"] + g["w"] > 24:
            errors.append(f"panel {p.get('title')}: bad gridPos {g}")
    for p in all_panels:
        title = p.get("title", "?")
        targets = p.get("targets", [])
        if not targets:
            errors.append(f"panel {title}: no targets")
        if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            errors.append(f"panel {title}: datasource is not ${{DS_PROMETHEUS}}")
        for t in targets:
            expr = t.get("expr", "")
            if not expr.strip():
                errors.append(f"panel {title}: target {t.get('refId')} has no PromQL")
            if "segstream_" not in expr:
                errors.append(f"panel {title}: query does not use a segstream metric: {expr}")
            if t.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                errors.append(f"panel {title}: target datasource is not ${{DS_PROMETHEUS}}")
    # Every metric used by the dashboard and the alerts is documented.
    with open(f"{src}/docs/metrics.md") as f:
        doc = f.read()
    for q in queries(src):
        for m in set(re.findall(r"segstream_[a-z0-9_]+", q["expr"])):
            base = re.sub(r"_(bucket|sum|count)$", "", m)
            if f"`{base}" not in doc:
                errors.append(f"{q['panel']}: metric {base} is not documented in docs/metrics.md")
    for e in errors:
        print("FAIL:", e)
    print(f"{len(all_panels)} panels, {len(queries(src))} queries, {len(errors)} problems")
    return 1 if errors else 0


def rules_file(src):
    rules = [{"record": f"dashboard:query_{i}", "expr": q["expr"]}
             for i, q in enumerate(queries(src)) if q["source"] == "dashboard"]
    print(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    return 0


def query(url, expr):
    data = urllib.parse.urlencode({"query": expr}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{url}/api/v1/query", data=data), timeout=10) as r:
        return json.load(r)


def alive(pid):
    import os
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (exited, not yet reaped by the shell) counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def poll(src, url, pid, seconds):
    qs = queries(src)
    seen = {}      # panel -> got data at least once
    for q in qs:
        if q["source"] == "dashboard":
            seen.setdefault(q["panel"], False)
    deadline = time.time() + seconds
    rounds = 0
    while True:
        rounds += 1
        for q in qs:
            try:
                res = query(url, q["expr"])
            except urllib.error.HTTPError as e:  # 400 = PromQL does not parse
                print(f"FAIL: {q['panel']}: HTTP {e.code}: {e.read().decode()[:300]}\n  {q['expr']}")
                return 1
            if res.get("status") != "success":
                print(f"FAIL: {q['panel']}: {res}\n  {q['expr']}")
                return 1
            # NaN (e.g. histogram_quantile over no observations) is not data.
            values = [r["value"][1] for r in res["data"]["result"]]
            if q["source"] == "dashboard" and any(v.lower() != "nan" for v in values):
                if not seen[q["panel"]]:
                    print(f"  data: {q['panel']}: {len(values)} series, e.g. {values[0]}  <- {q['expr'][:90]}")
                seen[q["panel"]] = True
        missing = [p for p, ok in seen.items() if not ok and p not in KAFKA_ONLY_PANELS]
        if not missing:
            print(f"all {len(seen)} panels returned data after {rounds} rounds "
                  f"({len(qs)} queries parse; Kafka-only, may be empty: {sorted(KAFKA_ONLY_PANELS)})")
            return 0
        if not alive(pid) or time.time() > deadline:
            print(f"FAIL: panels without data after {rounds} rounds "
                  f"({'segstream exited' if not alive(pid) else 'timeout'}): {missing}")
            return 1
        time.sleep(2)


def main(argv):
    cmd, src = argv[1], argv[2]
    if cmd == "list":
        for q in queries(src):
            print(json.dumps(q))
        return 0
    if cmd == "rules":
        return rules_file(src)
    if cmd == "structure":
        return structure(src)
    if cmd == "poll":
        return poll(src, argv[3], int(argv[4]), float(argv[5]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
