# hostile_input: a few hundred malformed lines of every kind spliced into the
# real file at seeded random places (and a hundred real lines switched to
# CRLF endings). The replay must not crash, must exit 0, must dead-letter
# exactly the malformed lines (one dead letter each, at its line number, with
# the expected reason class), and every customer's RFM must equal the clean
# run's: a bad line never damages its neighbours.
import gzip
import json
import os
import random

import segtest
from segtest import check


def mutations(rng):
    """(kind, expected reason class, fn(fields) -> line bytes) for every malformed kind."""
    def setf(i, v):
        def fn(f):
            g = list(f)
            g[i] = v(g[i]) if callable(v) else v
            return b",".join(g)
        return fn

    def garbage(_):
        body = bytes(rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rng.randint(5, 300)))
        return b"\x00" + body

    return [
        ("unterminated quote", "unterminated_quote", setf(2, lambda d: b'"' + d)),
        ("too few fields", "field_count", lambda f: b",".join(f[:7])),
        ("too many fields", "field_count", lambda f: b",".join(f + [b"extra"])),
        ("quantity not a number", "bad_number", setf(3, b"12x")),
        ("empty quantity", "bad_number", setf(3, b"")),
        ("price not a number", "bad_number", setf(5, b"abc")),
        ("NaN price", "bad_number", setf(5, b"NaN")),
        ("inf quantity", "bad_number", setf(3, b"inf")),
        ("-Infinity price", "bad_number", setf(5, b"-Infinity")),
        ("invalid UTF-8 in quantity", "bad_number", setf(3, b"6\xff\xfe")),
        ("impossible day", "bad_date", setf(4, b"2/30/2011 8:26")),
        ("month 13", "bad_date", setf(4, b"13/1/2011 10:00")),
        ("hour 25", "bad_date", setf(4, b"1/4/2011 25:00")),
        ("date garbage", "bad_date", setf(4, b"yesterday")),
        ("absurd quantity", "absurd_value", setf(3, b"1000000000")),
        ("fractional quantity", "absurd_value", setf(3, b"2.5")),
        ("absurd price", "absurd_value", setf(5, b"99999999")),
        ("fractional customer id", "bad_id", setf(6, lambda c: c + b".5")),
        ("negative customer id", "bad_id", setf(6, b"-3")),
        ("customer id text", "bad_id", setf(6, b"abc")),
        ("empty invoice", "missing_field", setf(0, b"")),
        ("200 KB field", "oversize_line", setf(2, b"X" * 200000)),
        ("NULs in a field", "binary_data", setf(2, lambda d: d + b"\x00\x00")),
        ("C1 controls (invalid UTF-8)", "binary_data", setf(2, b"\x81\x9f BAD")),
        ("CR inside a line", "binary_data", setf(2, b"A\rB")),
        ("binary garbage", "binary_data", garbage),
    ]


def main():
    ctx, _ = segtest.parse_args()
    full = ctx.full_file()
    with gzip.open(full, "rb") as f:
        lines = f.read().split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    header, data = lines[0], lines[1:]

    rng = random.Random(4242)
    kinds = mutations(rng)
    # Simple real lines to mutate: no quotes, 8 fields, a customer id.
    simple = [ln for ln in data[:50000] if b'"' not in ln and ln.count(b",") == 7 and ln.split(b",")[6]]
    per_kind = 12
    bad = []
    for kind, cls, fn in kinds:
        n = 3 if kind == "200 KB field" else per_kind
        for _ in range(n):
            bad.append((kind, cls, fn(rng.choice(simple).split(b","))))
    rng.shuffle(bad)
    where = sorted(rng.sample(range(len(data) + 1), len(bad)))
    crlf = set(rng.sample(range(len(data)), 100))

    out_lines = [header]
    expected = {}  # 1-based line number -> (kind, class)
    j = 0
    for i, ln in enumerate(data):
        while j < len(where) and where[j] == i:
            out_lines.append(bad[j][2])
            expected[len(out_lines)] = bad[j][:2]
            j += 1
        out_lines.append(ln + b"\r" if i in crlf else ln)
    while j < len(bad):
        out_lines.append(bad[j][2])
        expected[len(out_lines)] = bad[j][:2]
        j += 1
    hostile = os.path.join(ctx.work, "hostile.csv")
    with open(hostile, "wb") as f:
        f.write(b"\n".join(out_lines) + b"\n")
    print(f"{len(bad)} malformed lines of {len(kinds)} kinds, 100 CRLF lines, in {len(out_lines)} lines")

    s_clean, o_clean = ctx.fresh("clean/state"), ctx.fresh("clean/out")
    ctx.run(full, s_clean, o_clean)
    s, o = ctx.fresh("hostile/state"), ctx.fresh("hostile/out")
    ctx.run(hostile, s, o)

    with open(os.path.join(o, "dead-letters.jsonl"), encoding="utf-8") as f:
        letters = [json.loads(x) for x in f if x.strip()]
    got = {d["line"]: d for d in letters}
    check(len(got) == len(letters), "two dead letters for one line")
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    problems = [f"line {n} ({expected[n][0]}) not dead-lettered" for n in missing[:10]]
    problems += [f"line {n} dead-lettered but not malformed: {got[n]['reason']} {got[n]['raw'][:120]!r}"
                 for n in extra[:10]]
    for n in sorted(set(expected) & set(got)):
        kind, cls = expected[n]
        reason = got[n]["reason"]
        if reason.split(":")[0] != cls:
            problems.append(f"line {n} ({kind}): reason {reason!r}, expected class {cls}")
        if len(got[n]["raw"].encode()) > 4096:
            problems.append(f"line {n} ({kind}): raw longer than 4 KiB")
    check(len(letters) == len(expected) and not problems,
          f"{len(letters)} dead letters for {len(expected)} malformed lines; {len(problems)} problems:\n  "
          + "\n  ".join(problems[:30]))
    print(f"dead letters: {len(letters)}, one per malformed line, classes as expected")

    clean = segtest.parse_customers_csv(ctx.customers(s_clean))
    dirty_bytes = ctx.customers(s)
    dirty = segtest.parse_customers_csv(dirty_bytes)
    check(set(clean) == set(dirty), f"customer sets differ: {sorted(set(clean) ^ set(dirty))[:10]}")
    rfm = ("recency_days", "frequency", "monetary")
    diff = [c for c in clean if any(clean[c][k] != dirty[c][k] for k in rfm)]
    check(not diff, f"RFM differs for {len(diff)} customers, e.g. "
          + "; ".join(f"{c}: {[clean[c][k] for k in rfm]} vs {[dirty[c][k] for k in rfm]}" for c in diff[:5]))
    print(f"RFM identical for all {len(clean)} customers; segments also identical: "
          f"{dirty_bytes == ctx.customers(s_clean)}")
    os.remove(hostile)


if __name__ == "__main__":
    segtest.main(main)
