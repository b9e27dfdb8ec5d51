#!/usr/bin/env python3
"""How segstream's cost grows with the stream and the population.

Generates UCI-layout CSV streams with tools/loadgen (LINES lines over a small
and a large population, customers drawn uniformly and by Zipf activity; the
large-population streams start with one invoice per customer, so every
customer is seen early), replays each with `segstream run`, and prints one
row per stream next to the UCI replay measured in the same run:

  lines/s overall and per million lines (flat = cost does not grow with the
  stream), last quarter / first quarter, peak RSS, micro-batch latency
  p50/p99/max (from the run summary), model versions, `model` changes per
  version and per customer-month of event time, state size on disk (and per
  customer), WAL size, and the time `segctl stats` takes to reopen the state.

Usage: bench/scale/run_scale.py [--build build] [--lines 20000000]
           [--small 100000] [--large 10000000] [--cases uci,small-uniform,...]
           [--work DIR] [--keep]
Everything runs here and writes under --work (default a temp dir; the
20M-line streams take about 1.3 GB each as CSV). Long: run by hand, not in CI.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def generate(loadgen, path, lines, customers, uniform, cover):
    if os.path.exists(path):
        return
    cmd = [loadgen, "--customers", str(customers), "--events", str(lines), "--format", "csv", "--seed", "11",
           "--max-lines", "3" if cover else "10", "--events-per-day", str(max(1500, lines // 365)),
           "--output", path]
    if uniform:
        cmd.append("--uniform")
    if cover:
        cmd.append("--cover")
    subprocess.run(cmd, check=True)


def run_segstream(seg, src, work, extra):
    """Runs one replay; returns the measurements."""
    state, out = os.path.join(work, "state"), os.path.join(work, "out")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cmd = ["/usr/bin/time", "-f", "PEAK_RSS_KB=%M", seg, "run", "--input", src, "--state", state, "--out", out,
           "--http", "none", "--progress", "always", *extra]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    crossings = []  # (lines, seconds) each time the progress line passes another million
    buf = b""
    next_mark = 1_000_000
    stderr_tail = []
    while True:
        chunk = p.stderr.read1(4096) if hasattr(p.stderr, "read1") else p.stderr.read(4096)
        if not chunk:
            break
        buf += chunk
        parts = re.split(rb"[\r\n]", buf)
        buf = parts.pop()
        now = time.monotonic() - start
        for part in parts:
            text = part.decode(errors="replace")
            m = re.match(r"\s*(\d+) lines", text)
            if m:
                n = int(m.group(1))
                while n >= next_mark:
                    crossings.append((next_mark, now))
                    next_mark += 1_000_000
            elif text.strip():
                stderr_tail.append(text)
    stdout = p.stdout.read().decode(errors="replace")
    rc = p.wait()
    wall = time.monotonic() - start
    if rc != 0:
        raise SystemExit(f"segstream failed ({rc}) on {src}:\n" + "\n".join(stderr_tail[-20:]))
    r = {"wall": wall}
    rss = [l for l in stderr_tail if l.startswith("PEAK_RSS_KB=")]
    r["rss_mb"] = int(rss[-1].split("=")[1]) / 1024 if rss else float("nan")
    m = re.search(r"segstream: ([\d,]+) records in", stdout)
    r["lines"] = int(m.group(1).replace(",", "")) if m else 0
    m = re.search(r"latency p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms", stdout)
    r["p50"], r["p99"], r["max"] = (float(m.group(i)) for i in (1, 2, 3)) if m else (float("nan"),) * 3
    m = re.search(r"customers:\s+([\d,]+)", stdout)
    r["customers"] = int(m.group(1).replace(",", "")) if m else 0
    # per-million rates
    rates, prev = [], (0, 0.0)
    for lines_at, t in crossings:
        dt = t - prev[1]
        rates.append((lines_at - prev[0]) / dt if dt > 0 else float("nan"))
        prev = (lines_at, t)
    r["per_million"] = rates
    q = max(1, len(rates) // 4)
    r["last_over_first"] = (sum(rates[-q:]) / q) / (sum(rates[:q]) / q) if len(rates) >= 4 else float("nan")
    # model history
    versions, times = 0, []
    models_path = os.path.join(out, "models.jsonl")
    if os.path.exists(models_path):
        with open(models_path) as f:
            for line in f:
                versions += 1
                times.append(json.loads(line)["event_time"])
    r["versions"] = versions
    changes_path = os.path.join(out, "segment-changes.jsonl")
    model_changes = 0
    if os.path.exists(changes_path):
        model_changes = int(subprocess.run(["grep", "-c", '"reason":"model"', changes_path],
                                           capture_output=True, text=True).stdout.strip() or 0)
    r["model_changes"] = model_changes
    # state on disk
    total = wal = 0
    for name in os.listdir(state):
        size = os.path.getsize(os.path.join(state, name))
        total += size
        if name.endswith(".log"):
            wal += size
    r["state_mb"], r["wal_mb"] = total / 2**20, wal / 2**20
    t0 = time.monotonic()
    subprocess.run([os.path.join(os.path.dirname(seg), "segctl"), "stats", "--state", state],
                   check=True, capture_output=True)
    r["reopen_s"] = time.monotonic() - t0
    months = 0.0
    if len(times) >= 2:
        from datetime import datetime
        a = datetime.fromisoformat(times[0].replace("Z", "+00:00"))
        b = datetime.fromisoformat(times[-1].replace("Z", "+00:00"))
        months = (b - a).total_seconds() / (30.44 * 86400)
    r["changes_per_customer_month"] = model_changes / (r["customers"] * months) if months > 0 and r["customers"] else float("nan")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--lines", type=int, default=20_000_000)
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--large", type=int, default=10_000_000)
    ap.add_argument("--cases", default="uci,small-uniform,small-zipf,large-uniform,large-zipf")
    ap.add_argument("--uci", default=os.path.join(ROOT, "..", "shared", "data", "online_retail.csv.gz"))
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true", help="keep the generated streams and states")
    ap.add_argument("--extra", default="", help="extra segstream run flags, e.g. '--no-model'")
    args = ap.parse_args()
    seg = os.path.join(args.build, "segstream")
    loadgen = os.path.join(args.build, "tools", "loadgen", "loadgen")
    work = args.work or tempfile.mkdtemp(prefix="segstream-scale-")
    os.makedirs(work, exist_ok=True)
    rows = []
    try:
        for case in args.cases.split(","):
            if case == "uci":
                src, label = args.uci, "UCI Online Retail"
            else:
                size, dist = case.split("-")
                customers = args.small if size == "small" else args.large
                src = os.path.join(work, f"{case}-{args.lines}.csv")
                generate(loadgen, src, args.lines, customers, dist == "uniform", size == "large")
                label = f"{args.lines / 1e6:g}M lines, {customers:,} customers, {dist}"
            print(f"running {label} ...", file=sys.stderr)
            r = run_segstream(seg, src, os.path.join(work, "run-" + case), args.extra.split())
            r["case"], r["label"] = case, label
            rows.append(r)
            print(json.dumps(r), file=sys.stderr)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    uci = next((r for r in rows if r["case"] == "uci"), None)
    print("| stream | lines/s | x UCI | last/first quarter | peak RSS MB | batch p50/p99/max ms | versions | "
          "model changes/version | per customer-month | state MB (B/customer) | WAL MB | reopen s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rate = r["lines"] / r["wall"] if r["wall"] else float("nan")
        ratio = rate / (uci["lines"] / uci["wall"]) if uci else float("nan")
        per_version = r["model_changes"] / r["versions"] if r["versions"] else 0
        per_cust = r["state_mb"] * 2**20 / r["customers"] if r["customers"] else float("nan")
        print(f"| {r['label']} | {rate:,.0f} | {ratio:.2f} | {r['last_over_first']:.2f} | {r['rss_mb']:.0f} | "
              f"{r['p50']:.0f}/{r['p99']:.0f}/{r['max']:.0f} | {r['versions']} | {per_version:,.0f} | "
              f"{r['changes_per_customer_month']:.3f} | {r['state_mb']:.0f} ({per_cust:.0f}) | {r['wal_mb']:.0f} | "
              f"{r['reopen_s']:.2f} |")
    for r in rows:
        if r["per_million"]:
            print(f"{r['case']}: lines/s per million: " + " ".join(f"{x:,.0f}" for x in r["per_million"]))


if __name__ == "__main__":
    main()
