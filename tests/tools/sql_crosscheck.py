# sql_crosscheck: replays the full UCI file with segstream and recomputes
# every customer's RFM independently: Python's csv module loads the Latin-1
# CSV into sqlite3 and ONE SQL query applies the cleaning rules, SELECT
# DISTINCT for exact duplicates and GROUP BY customer. segctl customers must
# agree: same customer set, frequency exact, monetary to the cent, recency to
# the minute. Then the same data as the ISO-dated file, as JSONL events, and
# through stdin must give byte-identical `segctl customers` output.
import gzip
import os
import sqlite3
import subprocess

import segtest
from segtest import check

RFM_SQL = segtest.ACCEPTED_LINES_CTE + """SELECT customer_id,
       (SELECT max(ts) FROM accepted) - max(CASE WHEN NOT is_return THEN ts END) AS recency_s,
       count(DISTINCT CASE WHEN NOT is_return THEN invoice END) AS frequency,
       sum(CASE WHEN is_return THEN -abs(quantity) * price_milli ELSE quantity * price_milli END) AS monetary_milli
FROM accepted GROUP BY customer_id
"""


def main():
    ctx, _ = segtest.parse_args()
    uci = ctx.full_file("online_retail.csv.gz")
    iso = ctx.full_file("online_retail_iso.csv.gz")

    state, out = ctx.fresh("csv/state"), ctx.fresh("csv/out")
    ctx.run(uci, state, out)
    reference = ctx.customers(state)
    engine = segtest.parse_customers_csv(reference)

    # Independent computation; also writes the JSONL form of the same lines.
    jsonl_path = os.path.join(ctx.work, "online_retail.jsonl.gz")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE raw (invoice TEXT, stock_code TEXT, description TEXT, quantity INTEGER, "
               "price_milli INTEGER, ts INTEGER, customer_id TEXT, country TEXT)")
    n = 0
    with gzip.open(jsonl_path, "wt", encoding="utf-8", compresslevel=1) as jf:
        rows = []
        for raw, dec in segtest.iter_uci(uci):
            rows.append(dec)
            jf.write(segtest.event_json(raw, dec) + "\n")
            n += 1
        db.executemany("INSERT INTO raw VALUES (?,?,?,?,?,?,?,?)", rows)
    check(n == 541909, f"read {n} lines, expected 541909")
    sql = {r[0]: r[1:] for r in db.execute(RFM_SQL)}
    print(f"sql: {len(sql)} customers; engine: {len(engine)} customers")

    check(set(sql) == set(engine),
          f"customer sets differ: only sql {sorted(set(sql) - set(engine))[:10]}, "
          f"only engine {sorted(set(engine) - set(sql))[:10]}")
    bad = []
    for cid, (recency_s, frequency, monetary_milli) in sql.items():
        e = engine[cid]
        if int(e["frequency"]) != frequency:
            bad.append(f"{cid}: frequency {e['frequency']} vs sql {frequency}")
        # Monetary printed to the cent: within half a cent of the exact milli sum.
        if abs(round(float(e["monetary"]) * 1000) - monetary_milli) > 5:
            bad.append(f"{cid}: monetary {e['monetary']} vs sql {monetary_milli / 1000:.3f}")
        if frequency == 0:
            if e["recency_days"] != "":
                bad.append(f"{cid}: recency {e['recency_days']} for a customer without purchases")
        elif e["recency_days"] == "" or abs(float(e["recency_days"]) - recency_s / 86400) > 1 / 1440:
            bad.append(f"{cid}: recency {e['recency_days']} vs sql {recency_s / 86400:.6f}")
    check(not bad, f"{len(bad)} customers differ from SQL, e.g.\n  " + "\n  ".join(bad[:20]))
    print("sql cross-check: all customers agree")

    # Same lines, other encodings: byte-identical customers output.
    for name, path in (("iso", iso), ("jsonl", jsonl_path)):
        s, o = ctx.fresh(f"{name}/state"), ctx.fresh(f"{name}/out")
        ctx.run(path, s, o)
        segtest.same_bytes(reference, ctx.customers(s), f"{name} replay vs csv replay: segctl customers")
        print(f"{name}: identical customers output")

    s, o = ctx.fresh("stdin/state"), ctx.fresh("stdin/out")
    zcat = subprocess.Popen(["zcat", uci], stdout=subprocess.PIPE)
    ctx.run("-", s, o, stdin=zcat.stdout)
    zcat.stdout.close()
    check(zcat.wait() == 0, "zcat failed")
    segtest.same_bytes(reference, ctx.customers(s), "stdin replay vs file replay: segctl customers")
    print("stdin: identical customers output")
    os.remove(jsonl_path)


if __name__ == "__main__":
    segtest.main(main)
