# recency_segments: a generated JSONL stream where regular customers buy every
# week all year, occasional ones every couple of months, and a group of
# (formerly regular, valuable) customers stops buying on 2011-06-01. With no
# event of their own, the stoppers must move to a worse segment (one whose
# centre has a larger recency, named at_risk / cant_lose_them / hibernating /
# lost / ...) through changes with reason `recency`, while the regulars stay
# in good segments. Names are read from models.jsonl.
import calendar
import collections
import datetime
import json
import os
import random

import segtest
from segtest import check

START = calendar.timegm((2011, 1, 1, 8, 0, 0))
STOP = calendar.timegm((2011, 6, 1, 0, 0, 0))
END = calendar.timegm((2011, 12, 31, 18, 0, 0))
BAD = {"at_risk", "cant_lose_them", "hibernating", "lost", "needs_attention"}


def base_name(name):
    # Duplicate names get a suffix ("at_risk_2").
    head, _, tail = name.rpartition("_")
    return head if tail.isdigit() else name


def generate(path, rng):
    groups = {}
    events = []
    invoice = 600000

    def buy(cid, ts, rich):
        nonlocal invoice
        invoice += 1
        for _ in range(rng.randint(1, 3)):
            events.append((ts, {"invoice": str(invoice), "stock_code": str(rng.randint(20000, 23000)),
                                "description": "ITEM", "quantity": rng.randint(5, 20) if rich else rng.randint(1, 3),
                                "unit_price": round(rng.uniform(3, 15) if rich else rng.uniform(0.5, 3), 2),
                                "invoice_ts": segtest.iso_z(ts), "customer_id": str(cid),
                                "country": "United Kingdom"}))

    cid = 20000
    for group, count, gap, until, rich in (("regular", 250, (5, 9), END, True), ("stopper", 100, (5, 9), STOP, True),
                                           ("occasional", 250, (40, 80), END, False)):
        for _ in range(count):
            cid += 1
            groups[str(cid)] = group
            ts = START + rng.randint(0, 10 * 86400)
            while ts < until:
                buy(cid, ts, rich)
                ts += rng.randint(gap[0] * 86400, gap[1] * 86400)
    events.sort(key=lambda e: (e[0], e[1]["customer_id"], e[1]["invoice"]))
    with open(path, "w", encoding="utf-8") as f:
        for _, e in events:
            f.write(json.dumps(e) + "\n")
    return groups, len(events)


def main():
    ctx, _ = segtest.parse_args()
    rng = random.Random(77)
    path = os.path.join(ctx.work, "recency.jsonl")
    groups, n = generate(path, rng)
    state, out = ctx.fresh("state"), ctx.fresh("out")
    ctx.run(path, state, out, "--k", "4", "--min-customers", "200", "--publish-every", "5000")
    versions = segtest.model_versions(out)
    final = versions[-1]
    names = {s["segment_id"]: s["name"] for s in final["segments"]}
    recency_of = {s["segment_id"]: s["rfm"]["recency_days"] for s in final["segments"]}
    print(f"{n} events, {len(versions)} model versions; final segments: "
          + ", ".join(f"{s['segment_id']}={s['name']} (R {s['rfm']['recency_days']:.0f} d, F {s['rfm']['frequency']:.1f})"
                      for s in final["segments"]))

    changes = collections.defaultdict(list)
    with open(os.path.join(out, "segment-changes.jsonl"), encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            changes[c["customer_id"]].append(c)
    customers = segtest.parse_customers_csv(ctx.customers(state))
    stop_iso = segtest.iso_z(STOP)

    moved, problems = 0, []
    for cid, group in groups.items():
        if group != "stopper":
            continue
        cs = changes[cid]
        before = [c for c in cs if c["event_time"] <= stop_iso]
        after = [c for c in cs if c["event_time"] > stop_iso]
        bad_reasons = [c for c in after if c["reason"] in ("purchase", "return")]
        if bad_reasons:
            problems.append(f"{cid}: change with reason {bad_reasons[0]['reason']} after it stopped buying")
        final_id = int(customers[cid]["segment_id"])
        was = before[-1]["segment_id"] if before else None
        recency_moves = [c for c in after if c["reason"] == "recency"]
        if (recency_moves and base_name(names[final_id]) in BAD and was is not None
                and recency_of[final_id] > recency_of.get(was, float("inf")) - 1e-9 and was != final_id):
            moved += 1
        elif len(problems) < 10:
            problems.append(f"{cid}: segment at stop {was} -> final {final_id} {names[final_id]}, "
                            f"{len(recency_moves)} recency changes after the stop")
    stoppers = sum(1 for g in groups.values() if g == "stopper")
    print(f"stoppers moved to a worse segment by recency: {moved}/{stoppers}")
    check(moved >= 0.9 * stoppers, f"only {moved}/{stoppers} stoppers moved to a worse segment by recency; e.g.\n  "
          + "\n  ".join(problems[:10]))
    check(not any("after it stopped" in p for p in problems), "\n".join(p for p in problems if "after it stopped" in p))

    regular_good = sum(1 for cid, g in groups.items()
                       if g == "regular" and base_name(customers[cid]["segment_name"]) not in BAD)
    print(f"regulars in a good segment at the end: {regular_good}/250")
    check(regular_good >= 0.9 * 250, f"only {regular_good}/250 regular customers end in a good segment")
    os.remove(path)


if __name__ == "__main__":
    segtest.main(main)
