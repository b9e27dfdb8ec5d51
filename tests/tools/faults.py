# faults: the faults found by trying segstream as its users do, each checked
# end to end through the real binaries (issue "faults as kinds"):
#   money    - ten lines of 100,000,000 x 9,999,999.99 never wrap monetary;
#   future   - a line dated 2099 is a dead letter and never moves the watermark;
#   profiles - two distinct customer profiles never give more than 2 segments
#              (k=auto and --k 4), and the model says why;
#   pipe     - a live pipe into --input - is applied and queryable within
#              about a second, and /healthz answers before the first record;
#   diskfull - a full state or out filesystem exits 1 naming the path (not
#              SIGABRT), and a rerun after freeing space gives the same state
#              as a clean run.
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import segtest
from segtest import check

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def write(path, lines):
    with open(path, "w") as f:
        f.write(HEADER)
        f.writelines(l + "\n" for l in lines)


def stats(ctx, state):
    p = subprocess.run([ctx.segctl, "stats", "--state", state], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"segctl stats: {p.stderr}")
    return dict(l.split(": ", 1) for l in p.stdout.splitlines() if ": " in l)


def customers(ctx, state):
    rows = [json.loads(l) for l in ctx.customers(state, "jsonl").decode().splitlines() if l.strip()]
    return {r["customer_id"]: r for r in rows}


def dead_letters(out):
    with open(os.path.join(out, "dead-letters.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def models(out):
    with open(os.path.join(out, "models.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def part_money(ctx):
    w = ctx.fresh("money")
    lines = [f"91100{i},30001A,TEST RIBBON,100000000,8/1/2011 10:00,9999999.99,91101,United Kingdom" for i in range(10)]
    lines += [f"C91200{i},30001A,TEST RIBBON,-100000000,8/1/2011 10:00,9999999.99,91102,United Kingdom" for i in range(10)]
    lines += ["91300,30001A,TEST RIBBON,2,8/1/2011 10:00,1.25,91103,United Kingdom"]
    write(os.path.join(w, "in.csv"), lines)
    ctx.run(os.path.join(w, "in.csv"), os.path.join(w, "st"), os.path.join(w, "out"), "--no-model")
    c = customers(ctx, os.path.join(w, "st"))
    check(float(c["91101"]["monetary"]) > 0, f"purchases-only monetary must be positive: {c['91101']}")
    check(float(c["91102"]["monetary"]) < 0, f"returns-only monetary must be negative: {c['91102']}")
    check(float(c["91103"]["monetary"]) == 2.5, f"neighbour damaged: {c['91103']}")
    dl = dead_letters(os.path.join(w, "out"))
    check(len(dl) == 12 and all(d["reason"].startswith("money_overflow") for d in dl),
          f"expected 12 money_overflow dead letters, got {[d['reason'] for d in dl]}")
    print("money: ok", c["91101"]["monetary"], c["91102"]["monetary"])


def part_future(ctx):
    w = ctx.fresh("future")
    write(os.path.join(w, "in.csv"), [
        "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom",
        "536366,22633,HAND WARMER,6,12/9/2099 8:28,1.85,17851,United Kingdom",
        "536367,84879,ASSORTED BIRD,32,12/2/2010 8:34,1.69,13047,United Kingdom",
    ])
    ctx.run(os.path.join(w, "in.csv"), os.path.join(w, "st"), os.path.join(w, "out"), "--no-model")
    s = stats(ctx, os.path.join(w, "st"))
    check(s.get("watermark") == "2010-12-02T08:34:00Z", f"watermark moved: {s}")
    dl = dead_letters(os.path.join(w, "out"))
    check(len(dl) == 1 and dl[0]["reason"].startswith("future_event_time") and dl[0]["line"] == 3,
          f"expected one future_event_time dead letter at line 3: {dl}")
    check("17851" not in customers(ctx, os.path.join(w, "st")), "the future line created a customer")
    # The guard is what does it: off, the line is accepted and moves the watermark.
    ctx.run(os.path.join(w, "in.csv"), os.path.join(w, "st2"), os.path.join(w, "out2"), "--no-model",
            "--max-future", "off")
    check(stats(ctx, os.path.join(w, "st2")).get("watermark", "").startswith("2099"), "--max-future off ignored")
    print("future: ok")


def part_profiles(ctx):
    w = ctx.fresh("profiles")
    lines = []
    for c in range(600):
        # Two profiles: one-off small buyers and identical repeat buyers.
        if c % 2 == 0:
            lines.append(f"5{c:05d},85123A,ITEM,1,12/1/2010 9:00,2.00,{20000 + c},United Kingdom")
        else:
            for inv in range(3):
                lines.append(f"6{c:05d}{inv},85123A,ITEM,10,12/1/2010 9:00,5.00,{20000 + c},United Kingdom")
    write(os.path.join(w, "in.csv"), lines)
    for name, extra, requested in (("auto", [], "auto"), ("k4", ["--k", "4"], 4)):
        out = os.path.join(w, "out-" + name)
        ctx.run(os.path.join(w, "in.csv"), os.path.join(w, "st-" + name), out, *extra)
        ms = models(out)
        check(ms, f"{name}: no model")
        for m in ms:
            cents = [tuple(s["centroid"]) for s in m["segments"]]
            check(m["k"] <= 2, f"{name}: version {m['model_version']} has k={m['k']} over 2 profiles")
            check(len(set(cents)) == len(cents), f"{name}: duplicate centres {cents}")
            check(all(s["customers"] > 0 for s in m["segments"]), f"{name}: empty segment {m['segments']}")
            check(m["k_requested"] == requested, f"{name}: k_requested {m['k_requested']}")
        if name == "k4":
            check("k_note" in ms[-1] and "distinct" in ms[-1]["k_note"], f"k4: no note on the cap: {ms[-1]}")
        else:
            table = ms[-1]["k_selection"]["table"]
            check(max(r["k"] for r in table) <= 2, f"auto: k table beyond the distinct profiles: {table}")
    # The population grows two new profiles: k=auto must follow it (4 distinct
    # profiles: silhouette 1 at k=4) with a lineage, not keep the bootstrap's k
    # or renumber silently; and the summary prints the final version's table.
    grow = list(lines)
    for c in range(600, 1200):
        if c % 2 == 0:
            grow.append(f"7{c:05d},85123A,ITEM,3,12/5/2010 9:00,7.00,{20000 + c},United Kingdom")
        else:
            for inv in range(5):
                grow.append(f"8{c:05d}{inv},85123A,ITEM,20,12/5/2010 9:00,2.00,{20000 + c},United Kingdom")
    write(os.path.join(w, "grow.csv"), grow)
    out = os.path.join(w, "out-grow")
    cmd = [ctx.segstream, "run", "--input", os.path.join(w, "grow.csv"), "--state", os.path.join(w, "st-grow"),
           "--out", out, "--http", "none", "--progress", "never"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"grow: exit {p.returncode}: {p.stderr[-2000:]}")
    ms = models(out)
    check(ms[0]["k"] == 2 and ms[-1]["k"] == 4, f"grow: k went {[m['k'] for m in ms]}, expected 2 ... 4")
    moves = [m for m in ms if m["trigger"] == "k_change"]
    check(moves, "grow: no k_change version")
    for m in moves:
        prev = next(x for x in ms if x["model_version"] == m["previous_version"])
        prev_ids = {s["segment_id"] for s in prev["segments"]}
        ids = {s["segment_id"] for s in m["segments"]}
        lin = {l["segment_id"]: l["from"] for l in m["lineage"]}
        check(set(lin) == ids, f"grow: lineage {lin} does not cover segments {ids}")
        for sid, src in lin.items():
            check(abs(sum(f["share"] for f in src) - 1) < 1e-3 and {f["segment_id"] for f in src} <= prev_ids,
                  f"grow: lineage of {sid} is not a split of version {prev['model_version']}: {src}")
        check("k_note" in m, f"grow: the move has no note: {m}")
    last = ms[-1]
    check(f"k selection at version {last['model_version']} on" in p.stdout,
          f"grow: the summary does not print the final version's k table:\n{p.stdout}")
    check("(k = auto: the largest silhouette among k >= 3" in p.stdout,
          f"grow: the summary does not state the k rule next to its table:\n{p.stdout}")
    final_ids = sorted(s["segment_id"] for s in last["segments"])
    gap_note = "the missing ones belong to segments retired by earlier versions" in p.stdout
    check(gap_note == (final_ids != list(range(len(final_ids)))),
          f"grow: ids {final_ids}: the summary's note on missing ids is {'there' if gap_note else 'absent'}")
    print("profiles: ok")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, timeout=1.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def poll(url, want_status, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = get(url)
        if status == want_status:
            return time.monotonic(), body
        time.sleep(0.05)
    return None, ""


def part_pipe(ctx):
    w = ctx.fresh("pipe")
    port = free_port()
    cmd = [ctx.segstream, "run", "--input", "-", "--state", os.path.join(w, "st"), "--out", os.path.join(w, "out"),
           "--http", f"127.0.0.1:{port}", "--quiet", "--no-model"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Nothing written yet, not even the header: the server must answer.
        t, _ = poll(f"http://127.0.0.1:{port}/healthz", 200, 10)
        check(t is not None, "/healthz did not answer before the first record")
        p.stdin.write(HEADER.encode())
        p.stdin.write(b"536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n")
        p.stdin.flush()
        sent = time.monotonic()
        t, body = poll(f"http://127.0.0.1:{port}/customers/17850", 200, 10)
        check(t is not None, "the first record was not applied within 10 s of arriving")
        check(t - sent < 2.0, f"the first record took {t - sent:.2f} s to become queryable (expected about 1 s)")
        check(json.loads(body)["monetary"] == 15.3, f"wrong customer: {body}")
        p.stdin.write(b"536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,17851,United Kingdom\n")
        p.stdin.flush()
        sent = time.monotonic()
        t, _ = poll(f"http://127.0.0.1:{port}/customers/17851", 200, 10)
        check(t is not None and t - sent < 2.0, "a later record was not queryable within 2 s")
        print(f"pipe: ok, second record queryable after {t - sent:.2f} s")
        p.stdin.close()
        check(p.wait(timeout=60) == 0, f"segstream exited {p.returncode}: {p.stderr.read().decode()}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def part_diskfull(ctx):
    if os.geteuid() != 0:
        print("SKIP diskfull: mounting a small tmpfs needs root")
        return False
    src = ctx.sample  # real UCI lines (25k)
    w = ctx.fresh("diskfull")
    ref = os.path.join(w, "ref")
    ctx.run(src, os.path.join(ref, "st"), os.path.join(ref, "out"))
    want = customers(ctx, os.path.join(ref, "st"))
    mnt = os.path.join(w, "mnt")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        print("SKIP diskfull: cannot mount a tmpfs here:", r.stderr.strip())
        return False
    try:
        for where in ("state", "out"):
            state = os.path.join(mnt, "st") if where == "state" else os.path.join(w, "st-" + where)
            out = os.path.join(mnt, "out") if where == "out" else os.path.join(w, "out-" + where)
            p = ctx.run(src, state, out, expect=None)
            err = p.stderr.decode(errors="replace")
            check(p.returncode == 1, f"{where} on a full disk: exit {p.returncode} (want 1): {err[-2000:]}")
            check(mnt in err and "No space left" in err, f"{where}: message does not name the path: {err[-2000:]}")
            # Free the space: move what was written to a roomy place, rerun, compare.
            final_state = os.path.join(w, "final-" + where)
            final_out = os.path.join(w, "finalout-" + where)
            subprocess.run(["cp", "-a", state, final_state], check=True)
            if os.path.exists(out):
                subprocess.run(["cp", "-a", out, final_out], check=True)
            subprocess.run(f"rm -rf {mnt}/*", shell=True, check=True)
            ctx.run(src, final_state, final_out)
            got = customers(ctx, final_state)
            check(got == want, f"{where}: state after the rerun differs from a clean run")
            print(f"diskfull {where}: exit 1, named the path, rerun equals a clean run")
        # Standard output is a sink too: segctl customers into a full file.
        subprocess.run(["dd", "if=/dev/zero", f"of={mnt}/filler", "bs=4k", "count=30"], capture_output=True)
        with open(os.path.join(mnt, "customers.csv"), "wb") as f:
            big = subprocess.run([ctx.segctl, "customers", "--state", os.path.join(ref, "st")], stdout=f,
                                 stderr=subprocess.PIPE, timeout=120)
        check(big.returncode == 1 and b"cannot write standard output" in big.stderr,
              f"segctl customers to a full disk: exit {big.returncode}: {big.stderr[-500:]}")
        print("diskfull stdout: segctl exits 1")
    finally:
        subprocess.run(["umount", mnt])
    return True


def main():
    ctx, args = segtest.parse_args(lambda ap: ap.add_argument("--part", default="all"))
    parts = {"money": part_money, "future": part_future, "profiles": part_profiles, "pipe": part_pipe,
             "diskfull": part_diskfull}
    for name, fn in parts.items():
        if args.part in ("all", name):
            fn(ctx)
    print("faults: all checks passed")


if __name__ == "__main__":
    main()
