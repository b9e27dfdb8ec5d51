# structured_logs: issue 13 logs. With --log-format json every stderr line
# of a failing run is one JSON object with ts, level, code and msg; the
# codes are stable (docs/logs.md); --log-level filters; text lines carry the
# same code; the summary and progress stay out of the log.
import json
import os
import subprocess

import segtest
from segtest import check


def run(ctx, *args):
    p = subprocess.run([ctx.segstream, "run", "--http", "none", "--quiet", *args], capture_output=True, timeout=120)
    return p.returncode, p.stderr.decode(errors="replace")


def json_lines(err):
    out = []
    for line in err.splitlines():
        d = json.loads(line)  # every line must be JSON
        check(set(d) == {"ts", "level", "code", "msg"}, f"unexpected keys in {line}")
        check(d["ts"].endswith("Z") and "T" in d["ts"], f"ts not ISO-8601 UTC: {line}")
        out.append(d)
    return out


def main():
    ctx, _ = segtest.parse_args()
    missing = os.path.join(ctx.work, "no-such-file.csv")
    code, err = run(ctx, "--input", missing, "--state", ctx.fresh("s1"), "--out", ctx.fresh("o1"),
                    "--log-format", "json")
    lines = json_lines(err)
    check(code == 2 and len(lines) == 1, f"missing input: exit {code}, {err}")
    check(lines[0]["level"] == "error" and lines[0]["code"] == "input_open_failed" and "no-such-file.csv" in
          lines[0]["msg"], f"missing input: {lines[0]}")

    code, err = run(ctx, "--input", missing, "--state", ctx.fresh("s2"), "--out", ctx.fresh("o2"))
    check(code == 2 and " error input_open_failed: " in err, f"text format: {err}")

    # A mapped layout: the sniffed choice is an info line with its code.
    path = os.path.join(ctx.work, "shop.csv")
    with open(path, "w") as f:
        f.write("Kunde;Datum;Summe\n1;13.01.2011;2,5\n2;14.01.2011;3\n")
    args = ["--input", path, "--columns", "customer_id=Kunde,invoice_ts=Datum,amount=Summe", "--decimal-comma",
            "--no-model", "--log-format", "json"]
    code, err = run(ctx, *args, "--state", ctx.fresh("s3"), "--out", ctx.fresh("o3"))
    lines = json_lines(err)
    check(code == 0 and [d["code"] for d in lines] == ["input_layout_detected"], f"layout note: {code} {err}")
    check("--delimiter ';'" in lines[0]["msg"] and "%d.%m.%Y" in lines[0]["msg"], f"layout note: {lines[0]}")
    code, err = run(ctx, *args, "--log-level", "warn", "--state", ctx.fresh("s4"), "--out", ctx.fresh("o4"))
    check(code == 0 and err == "", f"--log-level warn must hide info lines: {err}")

    code, err = run(ctx, "--input", path, "--log-format", "xml")
    check(code == 2 and "config_invalid" in err, f"bad --log-format: {code} {err}")
    print("structured_logs: ok")


if __name__ == "__main__":
    main()
