# issue11_ids: issue 11 faults 1 and 5 end to end.
# 1. A CSV file with padded codes and its JSONL twin (same padding) give the
#    same state: the padded POST line is a non-product skip in both, so
#    customer 91101 has monetary 10.00 (not 28.00), and `segctl customers`
#    prints identical bytes for the two replays.
# 2. Input ids 91001.0 and 091002 are stored as 91001 and 91002, and every
#    lookup finds them in any accepted form: HTTP /customers/{id} on a live
#    run (stdin kept open) and `segctl customers --id`.
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import segtest
from segtest import check

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
ROWS = [
    ("9110001   ", "30001A    ", "TEST RIBBON", "10", "2011-08-01T10:00:00Z", "1.00", "91101", "United Kingdom"),
    ("9110001   ", "POST      ", "POSTAGE", "1", "2011-08-01T10:00:00Z", "18.00", "91101", "United Kingdom"),
    ("9110002", " 22139", "X", "2", "2011-08-02T10:00:00Z", "3.50", "91001.0", "France"),
    ("9110003", "22139 ", "X", "1", "2011-08-03T10:00:00Z", "4.00", "091002", "France"),
    ("9110004", "post", "postage", "1", "2011-08-03T11:00:00Z", "9.00", "091002", "France"),
]


def twin(row):
    inv, stock, desc, qty, ts, price, cust, country = row
    return json.dumps({"invoice": inv, "stock_code": stock, "description": desc, "quantity": int(qty),
                       "unit_price": float(price), "invoice_ts": ts, "customer_id": cust, "country": country})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    ctx, _ = segtest.parse_args()
    csv_path = os.path.join(ctx.work, "issue11.csv")
    jsonl_path = os.path.join(ctx.work, "issue11.jsonl")
    with open(csv_path, "w") as f:
        f.write(HEADER + "\n" + "".join(",".join(r) + "\n" for r in ROWS))
    with open(jsonl_path, "w") as f:
        f.write("".join(twin(r) + "\n" for r in ROWS))

    outs = {}
    for name, path in (("csv", csv_path), ("jsonl", jsonl_path)):
        state = ctx.fresh(f"{name}/state")
        ctx.run(path, state, ctx.fresh(f"{name}/out"), "--no-model")
        outs[name] = ctx.customers(state)
    segtest.same_bytes(outs["csv"], outs["jsonl"], "segctl customers, CSV vs its JSONL twin")
    rows = {l.split(",")[0]: l.split(",") for l in outs["csv"].decode().splitlines()[1:]}
    check(set(rows) == {"91101", "91001", "91002"}, f"customer ids not canonical: {sorted(rows)}")
    check(rows["91101"][3] == "10.00", f"91101 monetary {rows['91101'][3]}, expected 10.00 (POST skipped)")
    check(rows["91002"][3] == "4.00", f"91002 monetary {rows['91002'][3]}, expected 4.00 (post skipped)")

    # segctl customers --id, in every accepted form.
    state = os.path.join(ctx.work, "csv/state")
    for form, want in (("91001.0", "91001"), ("091002", "91002"), ("91002", "91002"), (" 91101 ", "91101")):
        p = subprocess.run([ctx.segctl, "customers", "--state", state, "--id", form], capture_output=True, timeout=60)
        lines = p.stdout.decode().splitlines()
        check(p.returncode == 0 and len(lines) == 2 and lines[1].startswith(want + ","),
              f"segctl customers --id {form!r}: exit {p.returncode}, {lines}")
    p = subprocess.run([ctx.segctl, "customers", "--state", state, "--id", "abc"], capture_output=True, timeout=60)
    check(p.returncode == 2, f"segctl customers --id abc: exit {p.returncode}, expected 2")
    p = subprocess.run([ctx.segctl, "customers", "--state", state, "--id", "42"], capture_output=True, timeout=60)
    check(p.returncode == 1, f"segctl customers --id 42 (unknown): exit {p.returncode}, expected 1")

    # HTTP on a live run: stdin stays open, so the server answers.
    port = free_port()
    proc = subprocess.Popen([ctx.segstream, "run", "--input", "-", "--state", ctx.fresh("live/state"), "--out",
                             ctx.fresh("live/out"), "--http", f"127.0.0.1:{port}", "--quiet", "--no-model"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # The file source reads the first 64 KiB of a stream before it starts
        # (its id hash), so send more than that.
        filler = [("8%06d" % i, "22139", "FILLER", "1", "2011-07-01T10:00:00Z", "1.00", str(500000 + i), "UK")
                  for i in range(1000)]
        proc.stdin.write(("".join(twin(r) + "\n" for r in ROWS + filler)).encode())
        proc.stdin.flush()
        deadline = time.time() + 60
        status = 0
        while time.time() < deadline:
            try:
                status, _ = get(port, "/customers/91002")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.1)
        check(status == 200, "the live run never answered /customers/91002")
        for form, want in (("91001.0", "91001"), ("091002", "91002"), ("91001", "91001"), ("00091101", "91101")):
            status, body = get(port, f"/customers/{form}")
            check(status == 200 and body.get("customer_id") == want,
                  f"GET /customers/{form}: {status} {body}, expected 200 for {want}")
        status, body = get(port, "/customers/91001.5")
        check(status == 404, f"GET /customers/91001.5: {status}, expected 404")
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    check(proc.returncode == 0, f"live run exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    print("issue11_ids: ok")


if __name__ == "__main__":
    main()
