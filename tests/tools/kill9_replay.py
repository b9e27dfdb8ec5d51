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
CHANGES = "segment-changes.jsonl"


def changes_size(out):
    path = os.path.join(out, CHANGES)
    return os.path.getsize(path) if os.path.exists(path) else 0


def kill_past(p, out, target, extra_delay, deadline):
    """SIGKILLs p once out's changes file is at least target bytes and has
    grown since p started, after extra_delay seconds more. Returns "killed",
    or "finished" if p exited first. Fails if neither happens by deadline."""
    start_size = changes_size(out)
    while p.poll() is None:
        size = changes_size(out)
        if size >= target and size > start_size:
            time.sleep(extra_delay)
            if p.poll() is not None:
                break
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            return "killed"
        check(time.monotonic() < deadline, f"segstream made no progress to {target} bytes of {CHANGES}")
        time.sleep(0.002)
    return "finished"


def main():
    ctx, _ = segtest.parse_args()
    full = ctx.full_file()

    s_ref, o_ref = ctx.fresh("ref/state"), ctx.fresh("ref/out")
    t0 = time.monotonic()
    ctx.run(full, s_ref, o_ref, *FLAGS)
    uninterrupted = time.monotonic() - t0
    print(f"uninterrupted replay: {uninterrupted:.1f} s")

    # Kill points are placed by progress, not by time, so they land inside
    # the run on any machine: each restart is killed once the changes file
    # has grown past its target (a seeded random share of the uninterrupted
    # run's file) and has grown since this restart began, plus a random few
    # milliseconds so kills fall inside writes, commits and flushes alike.
    final_size = os.path.getsize(os.path.join(o_ref, CHANGES))
    check(final_size > 0, "the uninterrupted run wrote no segment changes")
    rng = random.Random(20260101)
    targets = sorted(int(rng.uniform(0.02, 0.97) * final_size) for _ in range(KILLS))
    state, out = ctx.fresh("killed/state"), ctx.fresh("killed/out")
    cmd = [ctx.segstream, "run", "--input", full, "--state", state, "--out", out, "--http", "none", "--quiet", *FLAGS]
    killed = 0
    finished_early = 0
    for i, target in enumerate(targets):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        outcome = kill_past(p, out, target, rng.uniform(0.0, 0.02),
                            deadline=time.monotonic() + max(120.0, 20 * uninterrupted))
        if outcome == "killed":
            killed += 1
        else:
            finished_early += 1
            check(p.returncode == 0, f"restart {i} exited {p.returncode}: {p.stderr.read().decode(errors='replace')}")
        p.stderr.close()
        print(f"run {i}: target {target} bytes, {outcome}, {CHANGES} {changes_size(out)} bytes")
    check(killed >= KILLS // 2, f"only {killed} of {KILLS} runs were killed; the kill points are badly sized")
    ctx.run(full, state, out, *FLAGS)
    segtest.same_bytes(ctx.customers(s_ref), ctx.customers(state), "after kill -9: segctl customers")
    segtest.same_outputs(o_ref, out, "after kill -9")
    print(f"{killed} kills, {finished_early} runs finished on their own: identical state and outputs")


if __name__ == "__main__":
    segtest.main(main)
