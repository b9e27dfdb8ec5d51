# byod_cdnow: issue 13 acceptance 1. The CDNOW transactions file as shipped
# in the `lifetimes` PyPI package (lifetimes/datasets/CDNOW_master.txt,
# fetched by tools/setup.sh, never committed): whitespace-delimited,
# YYYYMMDD dates, a line total (dollar_value), ids padded with zeros, no
# invoice column, CRLF lines. It is replayed with only --columns (delimiter
# and time format are sniffed and must be reported), and every customer's
# RFM from `segctl customers` must equal an independent computation here:
# distinct lines (identical lines count once), each its own invoice;
# zero-total lines skipped; frequency = distinct purchase lines, monetary =
# their total, recency = watermark - last purchase, in days.
import os
import sys
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import segtest
from segtest import check

COLUMNS = "customer_id=customer_id,invoice_ts=date,quantity=number_of_cds,amount=dollar_value"


def cdnow_path():
    env = os.environ.get("SEGSTREAM_CDNOW")
    if env:
        return env
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "segstream", "lifetimes", "CDNOW_master.txt")


def independent(path):
    seen = set()
    freq, money, last = defaultdict(int), defaultdict(Decimal), {}
    watermark = None
    with open(path, encoding="ascii") as f:
        header = f.readline().split()
        check(header == ["customer_id", "date", "number_of_cds", "dollar_value"], f"unexpected header {header}")
        for line in f:
            fields = line.split()
            if not fields:
                continue
            key = tuple(fields)
            if key in seen:
                continue
            seen.add(key)
            cust, date, qty, amount = str(int(fields[0])), fields[1], int(fields[2]), Decimal(fields[3])
            ts = int(datetime.strptime(date, "%Y%m%d").replace(tzinfo=timezone.utc).timestamp())
            if qty == 0 or amount <= 0:
                continue
            freq[cust] += 1
            money[cust] += amount
            last[cust] = max(last.get(cust, ts), ts)
            watermark = ts if watermark is None else max(watermark, ts)
    return {c: ((watermark - last[c]) / 86400.0, freq[c], money[c]) for c in freq}, len(seen)


def main():
    ctx, _ = segtest.parse_args()
    path = cdnow_path()
    if not os.path.exists(path):
        print(f"SKIP: {path} not found (run tools/setup.sh)")
        sys.exit(segtest.SKIP)
    state, out = ctx.fresh("state"), ctx.fresh("out")
    p = ctx.run(path, state, out, "--columns", COLUMNS, "--no-model")
    err = p.stderr.decode()
    check("--delimiter 'whitespace'" in err and "--time-format '%Y%m%d'" in err,
          f"the sniffed layout was not reported: {err[:500]}")
    want, distinct = independent(path)
    got = {}
    for line in ctx.customers(state).decode().splitlines()[1:]:
        cid, rec, freq, money = line.split(",")[:4]
        got[cid] = (float(rec), int(freq), Decimal(money))
    check(len(want) > 20000, f"independent computation found only {len(want)} customers")
    check(set(got) == set(want), f"customer sets differ: {len(got)} vs {len(want)}; "
          f"e.g. {sorted(set(got) ^ set(want))[:5]}")
    bad = [(c, got[c], want[c]) for c in want
           if got[c][1] != want[c][1] or got[c][2] != want[c][2] or abs(got[c][0] - want[c][0]) > 1e-6]
    check(not bad, f"{len(bad)} customers differ, e.g. {bad[:3]}")
    total = sum(w[2] for w in want.values())
    print(f"byod_cdnow: {len(want)} customers, {distinct} distinct lines, monetary {total} match")

    # The same file with the layout given explicitly, and a wrong mapping.
    state2 = ctx.fresh("state2")
    ctx.run(path, state2, ctx.fresh("out2"), "--columns", COLUMNS, "--delimiter", "whitespace",
            "--time-format", "%Y%m%d", "--no-model")
    segtest.same_bytes(ctx.customers(state), ctx.customers(state2), "sniffed vs explicit layout")
    # The same layout from segstream.toml's [input] table.
    toml = os.path.join(ctx.work, "byod.toml")
    with open(toml, "w") as f:
        f.write('[input]\ndelimiter = "whitespace"\ntime_format = "%Y%m%d"\n[input.columns]\n'
                'customer_id = "customer_id"\ninvoice_ts = "date"\nquantity = "number_of_cds"\n'
                'amount = "dollar_value"\n')
    state4 = ctx.fresh("state4")
    ctx.run(path, state4, ctx.fresh("out4"), "--config", toml, "--no-model")
    segtest.same_bytes(ctx.customers(state), ctx.customers(state4), "flags vs segstream.toml [input]")
    p = ctx.run(path, ctx.fresh("state3"), ctx.fresh("out3"), "--columns",
                "customer_id=customer,invoice_ts=date,amount=dollar_value", "--delimiter", "whitespace", expect=2)
    check(b"customer" in p.stderr and b"no such column" in p.stderr, f"wrong mapping: {p.stderr[:400]}")


if __name__ == "__main__":
    main()
