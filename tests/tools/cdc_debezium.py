# cdc_debezium: issue 13 acceptance 2. The UCI sample rewritten as Debezium
# change events (other field names mapped by --columns, decimals as strings,
# epoch-microsecond times, half with the schema/payload wrapper, snapshot
# reads, creates, tombstones) with updates (quantity, price, time or customer
# changed) and deletes of earlier rows, replayed with --input-format
# debezium, must give the RFM of the plain CSV replay of the source rows with
# the same updates and deletes applied, and of an independent sqlite3
# computation over those rows. Rows that are exact duplicates of another are
# never updated or deleted (a duplicate was one line to the engine).
import csv
import decimal
import json
import os
import random
import sqlite3
from collections import Counter

import segtest
from segtest import check

COLUMNS = ("invoice=inv_no,stock_code=sku,description=item_desc,quantity=qty,unit_price=price,"
           "invoice_ts=after.created_at,customer_id=cust_ref,country=ctry")

RFM_SQL = segtest.ACCEPTED_LINES_CTE + """SELECT customer_id,
       (SELECT max(ts) FROM accepted) - max(CASE WHEN NOT is_return THEN ts END) AS recency_s,
       count(DISTINCT CASE WHEN NOT is_return THEN invoice END) AS frequency,
       sum(CASE WHEN is_return THEN -abs(quantity) * price_milli ELSE quantity * price_milli END) AS monetary_milli
FROM accepted GROUP BY customer_id
"""


def image(row):
    """A row (invoice, stock, desc, qty, price_text, ts, customer, country) as the source table's columns."""
    inv, stock, desc, qty, price_text, ts, cust, country = row
    return {"inv_no": inv, "sku": stock, "item_desc": desc, "qty": qty, "price": price_text,
            "created_at": ts * 1_000_000, "cust_ref": cust, "ctry": country}


def envelope(op, before, after, wrapped, seq):
    payload = {"before": image(before) if before else None, "after": image(after) if after else None,
               "source": {"connector": "postgresql", "table": "invoice_lines", "lsn": seq},
               "op": op, "ts_ms": 1700000000000 + seq}
    if wrapped:
        return json.dumps({"schema": {"type": "struct", "name": "shop.public.invoice_lines.Envelope"},
                           "payload": payload}, ensure_ascii=False)
    return json.dumps(payload, ensure_ascii=False)


def decoded(row):
    inv, stock, desc, qty, price_text, ts, cust, country = row
    return (inv, stock, desc, qty, segtest.price_milli(price_text), ts, segtest.norm_customer(cust), country)


def generate(ctx):
    """The change events (one JSON text per line; "" and "null" are tombstones) and the source table's
    final rows; writes them to cdc.jsonl and plain.csv (a UCI CSV of the final rows) in the work dir."""
    rng = random.Random(13)
    rows = []  # the source table: (invoice, stock, desc, qty, price text, ts, customer, country)
    for raw, dec in segtest.iter_uci(ctx.sample):
        rows.append((dec[0], dec[1], dec[2], dec[3], raw[5], dec[5], raw[6].strip(), dec[7]))
    multiplicity = Counter(decoded(r) for r in rows)
    taken = set(multiplicity)  # decoded lines present at some point (an update never recreates one)
    current = [None] * len(rows)
    lines, updates, deletes, seq = [], 0, 0, 0
    customers = sorted({r[6] for r in rows if r[6]})

    def mutable(j):
        return current[j] is not None and multiplicity[decoded(rows[j])] == 1

    for i, row in enumerate(rows):
        seq += 1
        lines.append(envelope("r" if i < 2000 else "c", None, row, seq % 2 == 0, seq))
        current[i] = row
        if i >= 150 and i % 37 == 0:  # an update of an earlier row
            j = i - rng.randrange(1, 150)
            if mutable(j):
                old = current[j]
                inv, stock, desc, qty, price_text, ts, cust, country = old
                kind = updates % 4
                if kind == 0:
                    qty = qty + 1 if qty > 0 else qty - 1
                elif kind == 1:
                    price_text = str(decimal.Decimal(price_text) + decimal.Decimal("0.10"))
                elif kind == 2:
                    ts -= 86400 * rng.randrange(1, 4)  # may move a customer's first purchase
                else:
                    cust = rng.choice(customers)  # the line moves to another customer
                new = (inv, stock, desc, qty, price_text, ts, cust, country)
                if decoded(new) not in taken:
                    taken.add(decoded(new))
                    multiplicity[decoded(new)] = 1
                    seq += 1
                    lines.append(envelope("u", old, new, seq % 2 == 0, seq))
                    current[j] = new
                    rows[j] = new
                    updates += 1
        if i >= 150 and i % 53 == 0:  # a delete of an earlier row, then its tombstone
            j = i - rng.randrange(1, 150)
            if mutable(j):
                seq += 1
                lines.append(envelope("d", current[j], None, seq % 2 == 0, seq))
                lines.append("null" if seq % 2 else "")
                current[j] = None
                deletes += 1
    # Every line of one invoice deleted: its customer loses that purchase.
    last_invoice = rows[-1][0]
    for j in range(len(rows)):
        if rows[j][0] == last_invoice and mutable(j):
            seq += 1
            lines.append(envelope("d", current[j], None, False, seq))
            current[j] = None
            deletes += 1
    # A delete of a row never inserted: a dead letter that changes nothing.
    ghost = ("999999", "GHOST", "NEVER INSERTED", 1, "1.00", rows[0][5], rows[0][6] or "17850", "United Kingdom")
    lines.append(envelope("d", ghost, None, True, seq + 1))
    check(updates >= 100 and deletes >= 100, f"only {updates} updates and {deletes} deletes")

    cdc_path = os.path.join(ctx.work, "cdc.jsonl")
    with open(cdc_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    plain_path = os.path.join(ctx.work, "plain.csv")
    final = [r for r in current if r is not None]
    with open(plain_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
                    "Country"])
        for inv, stock, desc, qty, price_text, ts, cust, country in final:
            date = segtest.iso_z(ts).replace("T", " ").rstrip("Z")
            w.writerow([inv, stock, desc, qty, date, price_text, cust, country])
    print(f"cdc_debezium: {len(rows)} rows, {updates} updates, {deletes} deletes, {len(final)} rows left")
    return lines, final, cdc_path, plain_path


FIELDS = ("recency_days", "frequency", "monetary")


def check_equal_rfm(cdc, plain, what):
    """The RFM of every customer of the plain replay equals the CDC run's; customers only the CDC run
    knows (all their lines deleted) are empty."""
    bad = [(c, [cdc[c][k] for k in FIELDS], [plain[c][k] for k in FIELDS]) for c in plain
           if c not in cdc or any(cdc[c][k] != plain[c][k] for k in FIELDS)]
    check(not bad, f"{len(bad)} customers differ between {what} and the plain replay, e.g. {bad[:5]}")
    extra = [c for c in cdc if c not in plain]
    check(all(cdc[c]["frequency"] == "0" and cdc[c]["monetary"] in ("0", "0.00") for c in extra),
          f"customers left only by {what} must be empty: {[(c, cdc[c]) for c in extra[:5]]}")
    return extra


def check_sqlite(cdc, plain, final):
    """Independent: sqlite3 over the final rows gives the plain replay's customers and the CDC run's RFM."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE raw (invoice TEXT, stock_code TEXT, description TEXT, quantity INTEGER, "
               "price_milli INTEGER, ts INTEGER, customer_id TEXT, country TEXT)")
    db.executemany("INSERT INTO raw VALUES (?,?,?,?,?,?,?,?)", [decoded(r) for r in final])
    sql = {r[0]: r[1:] for r in db.execute(RFM_SQL)}
    check(set(sql) == set(plain), f"customer sets differ from sql: {sorted(set(sql) ^ set(plain))[:10]}")
    wrong = []
    for cid, (recency_s, frequency, monetary_milli) in sql.items():
        e = cdc[cid]
        if int(e["frequency"]) != frequency or abs(round(float(e["monetary"]) * 1000) - monetary_milli) > 5:
            wrong.append((cid, e, (recency_s, frequency, monetary_milli)))
        elif frequency > 0 and abs(float(e["recency_days"]) - recency_s / 86400) > 1 / 1440:
            wrong.append((cid, e["recency_days"], recency_s))
    check(not wrong, f"{len(wrong)} customers differ from sql, e.g. {wrong[:3]}")
    return len(sql)


def main():
    ctx, _ = segtest.parse_args()
    lines, final, cdc_path, plain_path = generate(ctx)

    # The CDC replay and the plain replay of the final rows.
    state, out = ctx.fresh("cdc/state"), ctx.fresh("cdc/out")
    ctx.run(cdc_path, state, out, "--input-format", "debezium", "--columns", COLUMNS, "--time-format", "epoch_us")
    with open(os.path.join(out, "dead-letters.jsonl"), encoding="utf-8") as f:
        dead = [json.loads(x) for x in f if x.strip()]
    check(len(dead) == 1 and "retraction_unknown_line" in json.dumps(dead[0]),
          f"expected one retraction_unknown_line dead letter, got {dead[:3]}")
    cdc = segtest.parse_customers_csv(ctx.customers(state))
    plain_state = ctx.fresh("plain/state")
    ctx.run(plain_path, plain_state, ctx.fresh("plain/out"))
    plain = segtest.parse_customers_csv(ctx.customers(plain_state))

    extra = check_equal_rfm(cdc, plain, "the CDC replay")
    print(f"cdc vs plain: {len(plain)} customers agree ({len(extra)} emptied by deletes)")
    print(f"cdc vs sqlite3: {check_sqlite(cdc, plain, final)} customers agree")

    # Cut in two (the first 60% of the change events, then all of them, which
    # resumes at the stored position): the same state as one run.
    head_path = os.path.join(ctx.work, "cdc_head.jsonl")
    with open(head_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:len(lines) * 3 // 5]) + "\n")
    halves, halves_out = ctx.fresh("halves/state"), ctx.fresh("halves/out")
    cdc_flags = ("--input-format", "debezium", "--columns", COLUMNS, "--time-format", "epoch_us", "--batch-size", "7")
    ctx.run(head_path, halves, halves_out, *cdc_flags)
    ctx.run(cdc_path, halves, halves_out, *cdc_flags)
    two = segtest.parse_customers_csv(ctx.customers(halves))
    diff = [c for c in cdc if c not in two or any(cdc[c][k] != two[c][k] for k in FIELDS)]
    check(not diff and len(two) == len(cdc), f"two-part CDC replay: RFM differs for {len(diff)} customers, {diff[:5]}")
    print("two-part CDC replay (batches of 7): RFM identical")

    # Without --columns/--time-format the envelope format is refused.
    p = ctx.run(cdc_path, ctx.fresh("bad/state"), ctx.fresh("bad/out"), "--input-format", "debezium", expect=2)
    check(b"--input-format debezium needs --columns" in p.stderr, f"unexpected error: {p.stderr[:300]}")


if __name__ == "__main__":
    segtest.main(main)
