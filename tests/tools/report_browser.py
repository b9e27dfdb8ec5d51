# report_browser: the analyst's report and the live page, checked in a real
# headless browser (Debian's chromium) and against independent computations.
#
# 1. Replays the full UCI file, runs `segctl report`, and opens the HTML in
#    chromium: the glue must render every chart with data (data-ok="1" on
#    each canvas in the DOM dump), with no page error and no console message.
#    Screenshots are kept as artifacts (<work>/report.png, report-small.png).
# 2. The report's own data (the JSON inlined in the HTML): every segment of
#    the final model (last line of models.jsonl) is named, the UK is the top
#    country, and the monthly revenue and orders equal a sqlite3 computation
#    from the raw CSV (Python's csv module, the cleaning rules in SQL).
# 3. Every customer's r/f/m score from `segctl customers` equals the
#    definition (1 + floor(5 * #{strictly smaller} / N); R with strictly
#    larger recency) computed in Python on the sqlite3 RFM values.
# 4. The live page: `segstream run --max-rate` replays the file with the HTTP
#    server on; once a model exists, GET / and GET /analytics are timed and
#    the page is opened in chromium while the replay runs (screenshot
#    <work>/live.png), with the same checks as 1.
import bisect
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import segtest
from segtest import check

MONTHLY_SQL = segtest.ACCEPTED_LINES_CTE + """SELECT strftime('%Y-%m', ts, 'unixepoch') AS month,
       sum(CASE WHEN is_return THEN -abs(quantity) * price_milli ELSE quantity * price_milli END) AS revenue_milli,
       count(DISTINCT CASE WHEN NOT is_return THEN customer_id || '/' || invoice END) AS orders
FROM accepted GROUP BY month ORDER BY month
"""

RFM_SQL = segtest.ACCEPTED_LINES_CTE + """SELECT customer_id,
       max(CASE WHEN NOT is_return THEN ts END) AS last_purchase,
       count(DISTINCT CASE WHEN NOT is_return THEN invoice END) AS frequency,
       sum(CASE WHEN is_return THEN -abs(quantity) * price_milli ELSE quantity * price_milli END) AS monetary_milli
FROM accepted GROUP BY customer_id HAVING frequency > 0
"""


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    print("SKIP: chromium not installed (tools/setup.sh installs it)")
    sys.exit(segtest.SKIP)


def browse(ctx, url, name, width=1400, height=5200):
    """Screenshots and a DOM dump of `url`; returns (dom, console lines).
    <name>.png is the full page; <name>-small.png the same at 0.6 scale (the
    README's docs/img/report.png is one of these)."""
    chromium = chromium_binary()
    profile = ctx.fresh(f"chromium-{name}")
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
              f"--user-data-dir={profile}", f"--window-size={width},{height}", "--virtual-time-budget=6000"]
    png = os.path.join(ctx.work, f"{name}.png")
    p = subprocess.run(common + [f"--screenshot={png}", url], capture_output=True, timeout=180)
    check(p.returncode == 0 and os.path.getsize(png) > 10000, f"chromium screenshot of {url} failed: "
          f"{p.stderr.decode(errors='replace')[-2000:]}")
    small = os.path.join(ctx.work, f"{name}-small.png")
    subprocess.run(common + ["--force-device-scale-factor=0.6", f"--screenshot={small}", url], capture_output=True,
                   timeout=180)
    p = subprocess.run(common + ["--enable-logging=stderr", "--v=0", "--dump-dom", url], capture_output=True,
                       timeout=180)
    check(p.returncode == 0, f"chromium --dump-dom {url} exited {p.returncode}")
    console = [line for line in p.stderr.decode(errors="replace").splitlines() if "CONSOLE" in line]
    print(f"{name}: screenshot {png}")
    return p.stdout.decode(errors="replace"), console


def check_rendered(dom, console, what):
    body = re.search(r"<body([^>]*)>", dom)
    check(body, f"{what}: no <body> in the DOM dump")
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1)))
    check(int(attrs.get("rendered", "0")) >= 1, f"{what}: the glue never rendered ({attrs})")
    check(attrs.get("errors") == "0", f"{what}: page errors: {attrs}")
    check(not console, f"{what}: console messages:\n  " + "\n  ".join(console[:10]))
    canvases = re.findall(r'<canvas id="([^"]+)"([^>]*)>', dom)
    check(len(canvases) >= 15, f"{what}: only {len(canvases)} charts")
    empty = [cid for cid, rest in canvases if 'data-ok="1"' not in rest]
    check(not empty, f"{what}: charts without data: {empty}")
    check(attrs.get("charts") == attrs.get("charts-ok") == str(len(canvases)), f"{what}: {attrs}")
    print(f"{what}: {len(canvases)} charts rendered with data, no console messages")


def inline_document(html):
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    check(m, "no inline report data in the HTML")
    return json.loads(m.group(1).replace("<\\/", "</"))


def load_raw(uci):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE raw (invoice TEXT, stock_code TEXT, description TEXT, quantity INTEGER, "
               "price_milli INTEGER, ts INTEGER, customer_id TEXT, country TEXT)")
    db.executemany("INSERT INTO raw VALUES (?,?,?,?,?,?,?,?)", (dec for _, dec in segtest.iter_uci(uci)))
    return db


def score(sorted_values, v):
    """1 + floor(5 * #{values strictly smaller than v} / N)."""
    return 1 + (5 * bisect.bisect_left(sorted_values, v)) // len(sorted_values)


def check_report(ctx, uci, state, out):
    html_path = os.path.join(ctx.work, "report.html")
    t0 = time.monotonic()
    p = subprocess.run([ctx.segctl, "report", "--state", state, "--out", html_path], capture_output=True,
                       timeout=300)
    seconds = time.monotonic() - t0
    check(p.returncode == 0, f"segctl report exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    print(f"segctl report: {seconds:.2f} s, {os.path.getsize(html_path)} bytes")
    with open(html_path, encoding="utf-8") as f:
        html = f.read()
    remote = re.findall(r"""<(?:script|link|img)[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'> ]*""", html)
    check(not remote, f"the report loads from the network: {remote[:3]}")
    doc = inline_document(html)

    final = segtest.model_versions(out)[-1]
    names = {s["name"] for s in final["segments"]}
    reported = {s["name"] for s in doc["model"]["segments"]}
    check(names == reported, f"report segments {sorted(reported)} != final model {sorted(names)}")
    check(doc["model"]["model_version"] == final["model_version"], "report is not of the final version")
    for name in names:
        check(f'"{name}"' in html, f"segment {name} not named in the report")
    top = doc["data"]["top_countries"]
    check(top[0]["country"] == "United Kingdom", f"top country is {top[0]}")
    print(f"report: final model segments {sorted(names)}; top country {top[0]['country']}")

    db = load_raw(uci)
    sql = [(m, r, o) for m, r, o in db.execute(MONTHLY_SQL)]
    got = [(m["month"], round(m["revenue"] * 1000), m["orders"]) for m in doc["data"]["monthly"]]
    check(len(sql) == len(got) and len(sql) >= 12, f"months: sql {len(sql)}, report {len(got)}")
    for (sm, sr, so), (gm, gr, go) in zip(sql, got):
        check(sm == gm and sr == gr and so == go,
              f"month {sm}: sql revenue {sr / 1000:.3f} orders {so}; report {gm} {gr / 1000:.3f} {go}")
    print(f"monthly revenue and orders equal sqlite3 for all {len(sql)} months")

    rfm = {c: (lp, f, m) for c, lp, f, m in db.execute(RFM_SQL)}
    lps = sorted(v[0] for v in rfm.values())
    fs = sorted(v[1] for v in rfm.values())
    ms = sorted(v[2] for v in rfm.values())
    n = len(rfm)
    customers = segtest.parse_customers_csv(ctx.customers(state))
    bad = []
    for cid, (lp, f, m) in rfm.items():
        # R: strictly larger recency == strictly earlier last purchase.
        want = (score(lps, lp), score(fs, f), score(ms, m))
        row = customers.get(cid)
        got_scores = (int(row["r_score"]), int(row["f_score"]), int(row["m_score"])) if row and row["r_score"] else None
        if got_scores != want or row["rfm_score"] != "".join(map(str, want)):
            bad.append(f"{cid}: segctl {got_scores} {row and row['rfm_score']}, definition {want}")
    without = [c for c, r in customers.items() if c not in rfm and r["r_score"]]
    check(not without, f"customers without purchases have scores: {without[:5]}")
    check(not bad, f"{len(bad)} of {n} customers' RFM scores differ, e.g.\n  " + "\n  ".join(bad[:10]))
    print(f"RFM scores of all {n} customers with purchases equal the definition")

    dom, console = browse(ctx, "file://" + html_path, "report")
    check_rendered(dom, console, "report")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    t0 = time.monotonic()
    with urllib.request.urlopen(url, timeout=30) as r:
        body = r.read()
        return r.status, dict(r.headers), body, time.monotonic() - t0


def check_live(ctx, uci, rate):
    state, out = ctx.fresh("live/state"), ctx.fresh("live/out")
    port = free_port()
    cmd = [ctx.segstream, "run", "--input", uci, "--state", state, "--out", out, "--quiet",
           "--http", f"127.0.0.1:{port}", "--max-rate", str(rate)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        model = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _, body, _ = get(base + "/model")
                if status == 200:
                    model = json.loads(body)
                    break
            except Exception:
                pass
            time.sleep(0.5)
        check(model is not None, f"no model over HTTP while replaying (exit {proc.poll()})")
        status, headers, page, page_s = get(base + "/")
        check(status == 200 and headers.get("Content-Type", "").startswith("text/html"), f"GET / {status} {headers}")
        check("Content-Security-Policy" in headers, "GET / has no Content-Security-Policy")
        status, _, body, analytics_s = get(base + "/analytics")
        check(status == 200, f"GET /analytics {status}")
        doc = json.loads(body)
        check(doc["model"]["model_version"] >= 1, "live document has no model")
        print(f"live: GET / {page_s * 1000:.0f} ms ({len(page)} bytes), GET /analytics {analytics_s * 1000:.0f} ms, "
              f"model version {model['model_version']}")
        check(page_s < 3 and analytics_s < 3, "the live page is too slow (bench/report measures it)")
        dom, console = browse(ctx, base + "/", "live")
        check(proc.poll() is None, "the replay ended before the page was checked: lower --rate")
        check_rendered(dom, console, "live page during the replay")
        check("live, refreshing" in dom, "the live page did not load from the engine")
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
    check(proc.returncode == 0, f"segstream exited {proc.returncode}: {proc.stderr.read().decode(errors='replace')}")


def main():
    ctx, args = segtest.parse_args(lambda ap: ap.add_argument("--rate", type=int, default=8000))
    chromium_binary()
    uci = ctx.full_file("online_retail.csv.gz")
    state, out = ctx.fresh("replay/state"), ctx.fresh("replay/out")
    ctx.run(uci, state, out)
    check_report(ctx, uci, state, out)
    check_live(ctx, uci, args.rate)


if __name__ == "__main__":
    segtest.main(main)
