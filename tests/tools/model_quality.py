# model_quality: the streaming model at the end of a full replay (last line of
# models.jsonl) against a batch k-means written here (Lloyd, k-means++ init,
# best of 10) on features the test computes itself from `segctl customers`:
# z-scores (population std, ddof 0) of log1p(recency_days), log1p(frequency),
# log1p(max(monetary, 0)) over customers with purchases. The model's inertia
# on those features must be within 2 % of the batch one; its scaler must
# match the test's statistics; silhouettes (same seeded sample) are printed.
import math
import random

import segtest
from segtest import check

TOLERANCE = 0.02


def features(customers):
    xs = []
    for r in customers.values():
        if int(r["frequency"]) > 0:
            xs.append((math.log1p(float(r["recency_days"])), math.log1p(int(r["frequency"])),
                       math.log1p(max(float(r["monetary"]), 0.0))))
    n = len(xs)
    mean = [sum(x[d] for x in xs) / n for d in range(3)]
    std = [math.sqrt(sum((x[d] - mean[d]) ** 2 for x in xs) / n) for d in range(3)]
    return [tuple((x[d] - mean[d]) / std[d] for d in range(3)) for x in xs], mean, std


def d2(a, b):
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2


def assign(points, centers):
    labels, inertia = [], 0.0
    for p in points:
        best, bi = min((d2(p, c), i) for i, c in enumerate(centers))
        labels.append(bi)
        inertia += best
    return labels, inertia


def kmeans_pp(points, k, rng):
    centers = [rng.choice(points)]
    dist = [d2(p, centers[0]) for p in points]
    while len(centers) < k:
        r = rng.random() * sum(dist)
        acc = 0.0
        for i, w in enumerate(dist):
            acc += w
            if acc >= r:
                break
        centers.append(points[i])
        dist = [min(w, d2(p, points[i])) for w, p in zip(dist, points)]
    return centers


def lloyd(points, centers, iters=100):
    inertia = math.inf
    for _ in range(iters):
        labels, new_inertia = assign(points, centers)
        sums = [[0.0, 0.0, 0.0, 0] for _ in centers]
        for p, l in zip(points, labels):
            s = sums[l]
            s[0] += p[0]
            s[1] += p[1]
            s[2] += p[2]
            s[3] += 1
        centers = [tuple(s[d] / s[3] for d in range(3)) if s[3] else c for s, c in zip(sums, centers)]
        if inertia - new_inertia <= 1e-9 * max(1.0, new_inertia):
            inertia = new_inertia
            break
        inertia = new_inertia
    return centers, assign(points, centers)[1]


def batch_kmeans(points, k, seed=7, inits=10):
    rng = random.Random(seed)
    return min((lloyd(points, kmeans_pp(points, k, rng)) for _ in range(inits)), key=lambda r: r[1])


def silhouette(points, centers, sample):
    labels, _ = assign(points, centers)
    total = 0.0
    for i in sample:
        by = {}
        for j in sample:
            if j != i:
                by.setdefault(labels[j], []).append(math.sqrt(d2(points[i], points[j])))
        own = by.get(labels[i])
        if not own:
            continue
        a = sum(own) / len(own)
        b = min(sum(v) / len(v) for l, v in by.items() if l != labels[i])
        total += (b - a) / max(a, b)
    return total / len(sample)


def check_run(ctx, full, name, extra):
    s, o = ctx.fresh(f"{name}/state"), ctx.fresh(f"{name}/out")
    ctx.run(full, s, o, *extra)
    model = segtest.model_versions(o)[-1]
    points, mean, std = features(segtest.parse_customers_csv(ctx.customers(s)))
    check(model["customers"] == len(points), f"model has {model['customers']} customers, test {len(points)}")
    for d in range(3):
        check(abs(model["scaler"]["mean"][d] - mean[d]) < 1e-4 and abs(model["scaler"]["std"][d] - std[d]) < 1e-4,
              f"scaler {model['scaler']} vs test mean {mean} std {std}")
    centers = [tuple(seg["centroid"]) for seg in model["segments"]]
    k = len(centers)
    check(k == model["k"] and (name != "k4" or k == 4), f"{name}: model k {model['k']}, {k} centroids")
    _, streaming = assign(points, centers)
    batch_centers, batch = batch_kmeans(points, k)
    sample = random.Random(1).sample(range(len(points)), min(1000, len(points)))
    sil_s, sil_b = silhouette(points, centers, sample), silhouette(points, batch_centers, sample)
    ratio = streaming / batch
    print(f"{name}: k={k} customers={len(points)} streaming inertia {streaming:.1f}, batch (best of 10) "
          f"{batch:.1f}, ratio {ratio:.4f}; silhouette (1000-point sample) streaming {sil_s:.3f}, batch {sil_b:.3f}, "
          f"model's own {model.get('silhouette')}")
    check(ratio <= 1 + TOLERANCE, f"{name}: streaming inertia {streaming:.1f} is {100 * (ratio - 1):.1f} % above "
                                  f"batch {batch:.1f} (limit {100 * TOLERANCE:.0f} %)")
    check(abs(model["inertia"] - streaming) <= 1e-3 * streaming + 0.1,
          f"{name}: models.jsonl inertia {model['inertia']} vs recomputed {streaming:.1f}")


def main():
    ctx, _ = segtest.parse_args()
    full = ctx.full_file()
    check_run(ctx, full, "k4", ["--k", "4"])
    check_run(ctx, full, "auto", [])


if __name__ == "__main__":
    segtest.main(main)
