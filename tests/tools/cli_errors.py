# cli_errors: user mistakes get the documented exit codes and a message that
# says what to do: bad header -> 2 naming the expected columns, missing file
# -> 2, a state held by a running segstream -> 3, bad --k -> 2, segctl on a
# missing state -> 2, and --help documents the exit codes.
import os
import subprocess
import time

import segtest
from segtest import check


def run(cmd, timeout=120):
    p = subprocess.run(cmd, capture_output=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def main():
    ctx, _ = segtest.parse_args()
    base = [ctx.segstream, "run", "--http", "none", "--quiet"]

    bad = os.path.join(ctx.work, "bad_header.csv")
    with open(bad, "w") as f:
        f.write("foo,bar,baz\n1,2,3\n")
    code, msg = run(base + ["--input", bad, "--state", ctx.fresh("s1"), "--out", ctx.fresh("o1")])
    check(code == 2, f"unknown header: exit {code}, expected 2: {msg}")
    check("InvoiceNo" in msg and "CustomerID" in msg, f"unknown header: message does not name the columns: {msg}")

    code, msg = run(base + ["--input", os.path.join(ctx.work, "no-such-file.csv"), "--state", ctx.fresh("s2"),
                            "--out", ctx.fresh("o2")])
    check(code == 2, f"missing file: exit {code}, expected 2: {msg}")
    check("no-such-file.csv" in msg, f"missing file: message does not name the file: {msg}")

    for k in ("0", "abc", "-3", "51"):
        code, msg = run(base + ["--input", ctx.sample, "--state", ctx.fresh("s3"), "--out", ctx.fresh("o3"),
                                "--k", k])
        check(code == 2, f"--k {k}: exit {code}, expected 2: {msg}")
        check("--k" in msg, f"--k {k}: message does not name the flag: {msg}")

    # Values that once read as something else: "2x..10" as 2..10.
    for flag, value in (("--k-range", "2x..10"), ("--k-range", "2..1o"), ("--max-future", "tomorrow"),
                        ("--max-future", "-1d")):
        code, msg = run(base + ["--input", ctx.sample, "--state", ctx.fresh("s5"), "--out", ctx.fresh("o5"),
                                flag, value])
        check(code == 2, f"{flag} {value}: exit {code}, expected 2: {msg}")
        check(flag in msg, f"{flag} {value}: message does not name the flag: {msg}")

    # A TOML value of the wrong type is an error naming the key, never the default.
    conf = os.path.join(ctx.work, "wrong_type.toml")
    with open(conf, "w") as f:
        f.write('until_idle = "5"\n')
    code, msg = run(base + ["--config", conf, "--input", ctx.sample, "--state", ctx.fresh("s6"),
                            "--out", ctx.fresh("o6")])
    check(code == 2 and "until_idle" in msg, f"until_idle = \"5\": exit {code}: {msg}")

    code, msg = run(base + ["--input", ctx.sample, "--state", ctx.fresh("s4"), "--out", ctx.fresh("o4"),
                            "--exactly-once"])
    check(code == 2, f"--exactly-once on a file replay: exit {code}, expected 2: {msg}")
    check("--exactly-once" in msg and "--brokers" in msg, f"--exactly-once on a file: message unclear: {msg}")

    # --changelog (issue 12): Kafka only, with --exactly-once, on a topic of its own.
    for extra, needle in ((["--input", ctx.sample, "--changelog"], "--brokers"),
                          (["--brokers", "127.0.0.1:1", "--changelog"], "--exactly-once"),
                          (["--brokers", "127.0.0.1:1", "--exactly-once", "--changelog", "--changelog-topic",
                            "segstream.segment-changes"], "topic of its own"),
                          (["--brokers", "127.0.0.1:1", "--changelog-topic", "x"], "--changelog")):
        code, msg = run(base + extra + ["--state", ctx.fresh("s9"), "--out", ctx.fresh("o9")], timeout=60)
        check(code == 2 and needle in msg, f"{extra}: exit {code}, expected 2 naming {needle}: {msg}")

    # Avro input options (issue 13): Kafka only, an http(s) URL, a readable user:password file.
    for extra, needle in ((["--input", ctx.sample, "--schema-registry", "http://127.0.0.1:1"], "--brokers"),
                          (["--brokers", "127.0.0.1:1", "--schema-registry", "127.0.0.1:8081"], "http://"),
                          (["--brokers", "127.0.0.1:1", "--schema-registry-auth-file", ctx.sample], "--schema-registry"),
                          (["--brokers", "127.0.0.1:1", "--avro-outputs"], "--schema-registry"),
                          (["--brokers", "127.0.0.1:1", "--schema-registry", "http://127.0.0.1:1",
                            "--schema-registry-auth-file", os.path.join(ctx.work, "no-auth")], "no-auth")):
        code, msg = run(base + extra + ["--state", ctx.fresh("s7"), "--out", ctx.fresh("o7")], timeout=60)
        check(code == 2 and needle in msg, f"{extra}: exit {code}, expected 2 naming {needle}: {msg}")
    conf = os.path.join(ctx.work, "registry.toml")
    with open(conf, "w") as f:
        f.write('schema_registry = "ftp://registry"\n')
    code, msg = run(base + ["--config", conf, "--brokers", "127.0.0.1:1", "--state", ctx.fresh("s8")])
    check(code == 2 and "--schema-registry" in msg, f"schema_registry in TOML: exit {code}: {msg}")

    code, msg = run([ctx.segctl, "customers", "--state", "/nonexistent/segstream-state"])
    check(code == 2, f"segctl customers on a missing state: exit {code}, expected 2: {msg}")

    code, msg = run([ctx.segstream, "run", "--help"])
    check(code == 0 and "Exit codes" in msg and "3 state directory in use" in msg,
          f"run --help does not document exit codes: {msg[-500:]}")
    code, msg = run([ctx.segctl, "--help"])
    check(code == 0 and "Exit codes" in msg, f"segctl --help does not document exit codes: {msg[-500:]}")

    # A second engine on a state held by a running one.
    state, out = ctx.fresh("held/state"), ctx.fresh("held/out")
    first = subprocess.Popen(base + ["--input", ctx.sample, "--state", state, "--out", out, "--max-rate", "2000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Wait until the first one holds the state (RocksDB creates LOCK).
        for _ in range(200):
            if os.path.exists(os.path.join(state, "LOCK")) or first.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(0.5)
        check(first.poll() is None, "the paced engine exited early")
        code, msg = run(base + ["--input", ctx.sample, "--state", state, "--out", ctx.fresh("held/out2")])
        check(code == 3, f"state in use: exit {code}, expected 3: {msg}")
        check("use" in msg.lower() or "lock" in msg.lower(), f"state in use: unclear message: {msg}")
        print(f"state in use -> 3: {msg.strip()[:200]}")
        # segctl reads beside a live engine.
        code, msg = run([ctx.segctl, "stats", "--state", state])
        check(code == 0, f"segctl stats beside a running engine: exit {code}: {msg}")
    finally:
        first.terminate()
        code = first.wait(timeout=60)
    check(code == 0, f"SIGTERM should finish the batch and exit 0, got {code}")


if __name__ == "__main__":
    segtest.main(main)
