# Shared helpers for the process-level tests in tests/tools: argument
# parsing (binary paths come from CMake), data lookup with skip-if-missing
# (exit 77), running segstream/segctl, and an independent reader of the UCI
# CSV (Python's csv module, Latin-1) that the cross-checks build on.
import argparse
import csv
import datetime
import decimal
import gzip
import io
import json
import os
import shutil
import subprocess
import sys

SKIP = 77

# The cleaning rules of DESIGN.md as SQL over a table `raw` of the file's
# lines (invoice, stock_code, description, quantity, price_milli, ts,
# customer_id, country): exact duplicates once, then the accepted lines with
# an is_return flag. The independent side of the sqlite3 cross-checks.
ACCEPTED_LINES_CTE = """WITH lines AS (
  SELECT DISTINCT invoice, stock_code, description, quantity, price_milli, ts, customer_id, country FROM raw
), accepted AS (
  SELECT *, (substr(invoice, 1, 1) = 'C' OR quantity < 0) AS is_return FROM lines
  WHERE customer_id <> ''
    AND substr(invoice, 1, 1) <> 'A'
    AND upper(stock_code) NOT IN ('POST', 'DOT', 'M', 'BANK CHARGES', 'AMAZONFEE', 'CRUK', 'D', 'PADS', 'B', 'S', 'C2')
    AND lower(substr(stock_code, 1, 5)) <> 'gift_'
    AND quantity <> 0
    AND price_milli > 0
)
"""


class Ctx:
    """Paths of one test run."""

    def __init__(self, args):
        self.segstream = args.segstream
        self.segctl = args.segctl
        self.data_dir = os.environ.get("SEGSTREAM_DATA_DIR") or args.data_dir
        self.sample = args.sample
        self.work = args.work

    def full_file(self, name="online_retail.csv.gz"):
        """Path of a shared data file; skips the test (77) when it is absent."""
        path = os.path.join(self.data_dir, name)
        if not os.path.exists(path):
            print(f"SKIP: {path} not found (set SEGSTREAM_DATA_DIR)")
            sys.exit(SKIP)
        return path

    def fresh(self, sub):
        """An empty directory under the work dir."""
        path = os.path.join(self.work, sub)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def run(self, input_path, state, out, *extra, expect=0, stdin=None, timeout=600):
        cmd = [self.segstream, "run", "--input", input_path, "--state", state, "--out", out,
               "--http", "none", "--quiet", *extra]
        p = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=timeout)
        if expect is not None and p.returncode != expect:
            raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}, expected {expect}\n"
                                 f"stderr: {p.stderr.decode(errors='replace')[-3000:]}")
        return p

    def customers(self, state, fmt="csv"):
        p = subprocess.run([self.segctl, "customers", "--state", state, "--format", fmt],
                           capture_output=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError(f"segctl customers exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        return p.stdout


def parse_args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--segstream", required=True)
    ap.add_argument("--segctl", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--sample", required=True)
    ap.add_argument("--work", required=True)
    if extra:
        extra(ap)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    return Ctx(args), args


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def same_bytes(a, b, what):
    """Asserts a == b (bytes), showing the first differing line."""
    if a == b:
        return
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            raise AssertionError(f"{what}: differ at line {i + 1}:\n  {x[:300]!r}\n  {y[:300]!r}")
    raise AssertionError(f"{what}: differ in length ({len(la)} vs {len(lb)} lines)")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def same_outputs(out_a, out_b, what, files=("segment-changes.jsonl", "models.jsonl", "dead-letters.jsonl")):
    for name in files:
        same_bytes(read(os.path.join(out_a, name)), read(os.path.join(out_b, name)), f"{what}: {name}")


def parse_customers_csv(text):
    """segctl customers CSV -> {id: dict(recency, frequency, monetary, segment_id, segment_name)}."""
    rows = {}
    reader = csv.DictReader(io.StringIO(text.decode("utf-8")))
    check(reader.fieldnames[:6] == ["customer_id", "recency_days", "frequency", "monetary", "segment_id",
                                    "segment_name"], f"unexpected customers header {reader.fieldnames}")
    for r in reader:
        rows[r["customer_id"]] = r
    return rows


# --- independent decoding of the UCI file ---------------------------------

FIELDS = ("invoice", "stock_code", "description", "quantity", "price_milli", "ts", "customer_id", "country")


def price_milli(text):
    d = decimal.Decimal(text) * 1000
    check(d == d.to_integral_value(), f"price {text} is not exact to 1/1000")
    return int(d)


def parse_time(text):
    """'12/1/2010 8:26' or '2010-12-01 08:26:00' (UTC) -> epoch seconds."""
    fmt = "%Y-%m-%d %H:%M:%S" if "-" in text else "%m/%d/%Y %H:%M"
    t = datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp())


def norm_customer(text):
    text = text.strip()
    if not text:
        return ""
    if text.endswith(".0"):
        text = text[:-2]
    return str(int(text))


def iter_uci(path):
    """Yields (raw_fields, decoded tuple in FIELDS order) for every data line."""
    enc = "latin-1" if "iso" not in os.path.basename(path) else "utf-8"
    with gzip.open(path, "rt", encoding=enc, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        check(header[0] == "InvoiceNo", f"unexpected header {header}")
        for raw in reader:
            inv, stock, desc, qty, date, price, cust, country = raw
            yield raw, (inv, stock, desc, int(qty), price_milli(price), parse_time(date),
                        norm_customer(cust), country)


def iso_z(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_json(raw, dec):
    """DESIGN.md event JSON for one decoded UCI line; the price keeps its decimal text."""
    inv, stock, desc, qty, _, ts, cust, country = dec
    price_text = raw[5]
    head = json.dumps({"invoice": inv, "stock_code": stock, "description": desc, "quantity": qty},
                      ensure_ascii=False)[:-1]
    tail = json.dumps({"invoice_ts": iso_z(ts), "customer_id": cust, "country": country}, ensure_ascii=False)[1:]
    return f'{head}, "unit_price": {price_text}, {tail}'


def model_versions(out_dir):
    with open(os.path.join(out_dir, "models.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(fn):
    """Runs fn(), mapping AssertionError to exit 1 with a message."""
    try:
        fn()
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
    print("PASS")
