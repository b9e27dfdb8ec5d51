# kill9_replay: SIGKILL at seeded random points during a full replay (small
# micro-batches so commits are frequent), restarting each time. State is
# exactly-once (positions share the WriteBatch) and the file sinks are
# truncated to their committed offsets on restart, so the final `segctl
# customers` and the out/ files must be byte-identical to an uninterrupted run.
import os
import random
import signal
import subprocess
import time

import segtest
from segtest import check

KILLS = 20
FLAGS = ("--batch-size", "4096", "--k", "4")


def main():
    ctx, _ = segtest.parse_args()
    full = ctx.full_file()

    s_ref, o_ref = ctx.fresh("ref/state"), ctx.fresh("ref/out")
    t0 = time.monotonic()
    ctx.run(full, s_ref, o_ref, *FLAGS)
    uninterrupted = time.monotonic() - t0
    print(f"uninterrupted replay: {uninterrupted:.1f} s")

    rng = random.Random(20260101)
    state, out = ctx.fresh("killed/state"), ctx.fresh("killed/out")
    cmd = [ctx.segstream, "run", "--input", full, "--state", state, "--out", out, "--http", "none", "--quiet", *FLAGS]
    killed = 0
    finished_early = 0
    for i in range(KILLS):
        # Spread the kills over the run: each restart gets a random share of
        # about 1/KILLS of the uninterrupted time (plus startup).
        delay = rng.uniform(0.05, 2.0 * uninterrupted / KILLS) + 0.1
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            p.wait(timeout=delay)
            finished_early += 1
            check(p.returncode == 0, f"restart {i} exited {p.returncode}: {p.stderr.read().decode(errors='replace')}")
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            killed += 1
        p.stderr.close()
        lines = os.path.getsize(os.path.join(out, "segment-changes.jsonl")) if os.path.exists(
            os.path.join(out, "segment-changes.jsonl")) else 0
        print(f"run {i}: after {delay:.2f} s {'killed' if p.returncode == -signal.SIGKILL else 'finished'}, "
              f"segment-changes.jsonl {lines} bytes")
    check(killed >= KILLS // 2, f"only {killed} of {KILLS} runs were killed; the kill points are badly sized")
    ctx.run(full, state, out, *FLAGS)
    segtest.same_bytes(ctx.customers(s_ref), ctx.customers(state), "after kill -9: segctl customers")
    segtest.same_outputs(o_ref, out, "after kill -9")
    print(f"{killed} kills, {finished_early} runs finished on their own: identical state and outputs")


if __name__ == "__main__":
    segtest.main(main)
