# drift: a generated stream whose cluster structure changes mid-stream (a
# group of low spenders starts buying weekly at high prices on 2011-07-01).
# For every model version the test recomputes all customers' features from the
# stream itself at the version's event time and checks:
#  - the model follows: every version published more than LAG_EVENTS accepted
#    lines after the change has inertia within 5 % of a batch k-means on those
#    features (and so do the versions before the change);
#  - segment ids are stable: the ids surviving from one version to the next
#    are a minimum-total-movement matching of the centres;
#  - names follow the standings: "champions" is the highest-monetary centre,
#    lost/hibernating centres are less recent than every good one;
#  - the low spenders join the high spenders' segments after the change.
import bisect
import calendar
import collections
import itertools
import json
import math
import os
import random

import segtest
from segtest import check
from model_quality import batch_kmeans, assign

START = calendar.timegm((2011, 1, 1, 8, 0, 0))
CHANGE = calendar.timegm((2011, 7, 1, 0, 0, 0))
END = calendar.timegm((2011, 12, 31, 18, 0, 0))
LAG_EVENTS = 3000  # one publish cadence (--publish-every 3000)
GOOD = {"champions", "loyal", "potential_loyalist", "new_customers"}


def base_name(name):
    head, _, tail = name.rpartition("_")
    return head if tail.isdigit() else name


def generate(rng):
    """Events sorted by time: (ts, customer, invoice, amount_milli, json line)."""
    groups, events = {}, []
    invoice = 700000
    cid = 30000
    for group, count in (("A", 200), ("B", 200), ("C", 200)):
        for _ in range(count):
            cid += 1
            groups[str(cid)] = group
            ts = START + rng.randint(0, 14 * 86400)
            while ts < END:
                after = ts >= CHANGE
                if group == "A" or (group == "C" and after):
                    qty, price, gap = rng.randint(10, 30), rng.uniform(5, 15), rng.randint(5, 9)
                elif group == "B":
                    qty, price, gap = rng.randint(3, 8), rng.uniform(2, 6), rng.randint(25, 40)
                else:
                    qty, price, gap = rng.randint(1, 2), rng.uniform(0.5, 1.5), rng.randint(15, 30)
                invoice += 1
                price = round(price, 2)
                e = {"invoice": str(invoice), "stock_code": str(rng.randint(20000, 23000)), "description": "ITEM",
                     "quantity": qty, "unit_price": price, "invoice_ts": segtest.iso_z(ts),
                     "customer_id": str(cid), "country": "United Kingdom"}
                events.append((ts, str(cid), str(invoice), qty * round(price * 1000), json.dumps(e)))
                ts += gap * 86400 + rng.randint(-3600, 3600)
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return groups, events


def features_at(events, upto):
    """Per customer log features over events[:upto] at its watermark."""
    last, freq, mon = {}, collections.Counter(), collections.Counter()
    for ts, cid, _, amount, _ in events[:upto]:
        last[cid] = max(last.get(cid, 0), ts)
        freq[cid] += 1
        mon[cid] += amount
    wm = events[upto - 1][0]
    ids = sorted(last)
    logs = [(math.log1p((wm - last[c]) / 86400), math.log1p(freq[c]), math.log1p(max(mon[c], 0) / 1000)) for c in ids]
    n = len(logs)
    mean = [sum(x[d] for x in logs) / n for d in range(3)]
    std = [math.sqrt(sum((x[d] - mean[d]) ** 2 for x in logs) / n) or 1.0 for d in range(3)]
    return ids, logs, mean, std


def to_log(version, centroid):
    s = version["scaler"]
    return [centroid[d] * s["std"][d] + s["mean"][d] for d in range(3)]


def main():
    ctx, _ = segtest.parse_args()
    groups, events = generate(random.Random(99))
    path = os.path.join(ctx.work, "drift.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for e in events:
            f.write(e[4] + "\n")
    state, out = ctx.fresh("state"), ctx.fresh("out")
    ctx.run(path, state, out, "--k", "4", "--min-customers", "300", "--publish-every", "3000")
    versions = segtest.model_versions(out)
    times = [e[0] for e in events]
    change_index = bisect.bisect_left(times, CHANGE)
    print(f"{len(events)} events ({change_index} before the change), {len(versions)} versions")

    problems = []
    lag_ok_from = None
    for v in versions:
        upto = bisect.bisect_right(times, calendar.timegm(
            tuple(int(x) for x in v["event_time"][:19].replace("T", "-").replace(":", "-").split("-")) + (0, 0, 0)))
        ids, logs, mean, std = features_at(events, upto)
        pts = [tuple((x[d] - mean[d]) / std[d] for d in range(3)) for x in logs]
        centers = [tuple((to_log(v, s["centroid"])[d] - mean[d]) / std[d] for d in range(3)) for s in v["segments"]]
        _, streaming = assign(pts, centers)
        _, batch = batch_kmeans(pts, len(centers), inits=5)
        ratio = streaming / batch
        since = upto - change_index
        print(f"  v{v['model_version']:>3} {v['event_time']} {v.get('trigger', ''):9} events since change {since:>7}: "
              f"inertia ratio {ratio:.3f}  " + " ".join(f"{s['segment_id']}:{s['name']}" for s in v["segments"]))
        if since < 0 or since > LAG_EVENTS:
            if ratio > 1.05:
                problems.append(f"version {v['model_version']} ({since} events after the change): inertia "
                                f"{ratio:.3f} x batch")
        # Names follow standings within the version.
        segs = v["segments"]
        top_m = max(segs, key=lambda s: s["rfm"]["monetary"])
        for s in segs:
            if base_name(s["name"]) == "champions" and s is not top_m:
                problems.append(f"version {v['model_version']}: champions {s['segment_id']} is not the top spender")
        good_r = [s["rfm"]["recency_days"] for s in segs if base_name(s["name"]) in GOOD]
        for s in segs:
            if base_name(s["name"]) in ("lost", "hibernating") and good_r and s["rfm"]["recency_days"] <= min(good_r):
                problems.append(f"version {v['model_version']}: {s['name']} is more recent than a good segment")

    # Stable ids: the engine gives each new centre the id of a previous one by
    # minimum total distance (in the new version's z-space). Check that the
    # published ids are such an optimal matching, i.e. no permutation of the
    # surviving ids moves the centres less in total.
    for prev, cur in zip(versions, versions[1:]):
        s_new = cur["scaler"]
        old = {s["segment_id"]: [(x - s_new["mean"][d]) / s_new["std"][d]
                                 for d, x in enumerate(to_log(prev, s["centroid"]))] for s in prev["segments"]}
        new = {s["segment_id"]: s["centroid"] for s in cur["segments"] if s["segment_id"] in old}
        ids = sorted(new)

        def cost(assignment):
            return sum(math.dist(new[i], old[j]) for i, j in zip(ids, assignment))
        actual = cost(ids)
        best = min(cost(p) for p in itertools.permutations(sorted(old), len(ids)))
        if actual > best + 1e-3:
            problems.append(f"v{prev['model_version']}->v{cur['model_version']}: ids {ids} move the centres "
                            f"{actual:.4f} in total, another matching only {best:.4f}")

    # Group C joins the high spenders' (group A's) segments after the change.
    before, end = {}, {}
    with open(os.path.join(out, "segment-changes.jsonl"), encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            if c["event_time"] < segtest.iso_z(CHANGE):
                before[c["customer_id"]] = c["segment_id"]
            end[c["customer_id"]] = c["segment_id"]

    def share_with_a(seg):
        counts = collections.Counter(seg.get(c) for c, g in groups.items() if g == "A")
        a_segments = {s for s, n in counts.items() if n >= 40}
        return sum(1 for c, g in groups.items() if g == "C" and seg.get(c) in a_segments), a_segments
    c_before, a_before = share_with_a(before)
    c_end, a_end = share_with_a(end)
    print(f"group C in group A's segments: {c_before}/200 before the change ({sorted(a_before)}), "
          f"{c_end}/200 at the end ({sorted(a_end)})")
    if c_before > 20 or c_end < 180:
        problems.append(f"group C did not join the high spenders: {c_before}/200 before, {c_end}/200 at the end")
    check(not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems[:30]))
    os.remove(path)


if __name__ == "__main__":
    segtest.main(main)
