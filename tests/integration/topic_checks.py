#!/usr/bin/env python3
"""Checks of the Kafka end-to-end tests on topic dumps ("key<TAB>value" lines,
e2e_common.sh dump_topic). Each exits 1 and says why when the check fails.

  topic_checks.py segments SEGMENTS_DUMP CUSTOMERS_CSV
      the compacted segments topic's latest record per customer equals the
      segment columns of `segctl customers`
  topic_checks.py changes CHANGES_DUMP REPLAY_JSONL STRICT
      the segment changes, de-duplicated by (customer_id, seq), equal the CSV
      replay's file; STRICT=1 (exactly-once runs) fails on any duplicate
  topic_checks.py seqs CHANGES_DUMP
      each customer's seqs are 1..n, each once (read_committed, exactly-once)
"""
import csv
import json
import sys


def kv_lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                key, _, value = line.partition("\t")
                yield key, value


def differences(got, want, most=5):
    """Up to `most` keys only in `got`, only in `want`, and in both with
    different values (each key with its two values)."""
    return (sorted(set(got) - set(want))[:most], sorted(set(want) - set(got))[:most],
            [(k, got[k], want[k]) for k in want if k in got and got[k] != want[k]][:most])


def segments(segments_topic, customers_csv):
    # Latest value per key on the compacted topic = the segment columns of segctl customers.
    latest = {}
    for key, value in kv_lines(segments_topic):
        latest[key] = json.loads(value)
    want = {}
    with open(customers_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["segment_id"] not in ("", "-1"):
                want[row["customer_id"]] = (int(row["segment_id"]), row["segment_name"])
    got = {k: (int(v["segment_id"]), v["segment_name"]) for k, v in latest.items()}
    if got != want:
        extra, missing, wrong = differences(got, want)
        print(f"customer-segments topic != segctl customers: {len(got)} vs {len(want)} customers; "
              f"missing {missing} extra {extra} wrong {wrong}", file=sys.stderr)
        return 1
    print(f"customer-segments topic matches segctl customers ({len(got)} customers)", file=sys.stderr)
    return 0


def changes(changes_topic, replay_changes, strict):
    strict_once = strict == "1"
    # Segment changes de-duplicated by (customer_id, seq) = the replay's file.
    def canonical(value):
        return json.dumps(json.loads(value), sort_keys=True)
    kafka = {}
    for _, value in kv_lines(changes_topic):
        obj = json.loads(value)
        key = (obj["customer_id"], obj["seq"])
        text = canonical(value)
        if strict_once and key in kafka:
            print(f"change {key} was published twice (exactly-once run)", file=sys.stderr)
            return 1
        if key in kafka and kafka[key] != text:
            print(f"change {key} was published twice with different contents:\n {kafka[key]}\n {text}", file=sys.stderr)
            return 1
        kafka[key] = text
    replay = {}
    with open(replay_changes, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                replay[(obj["customer_id"], obj["seq"])] = canonical(line)
    if kafka != replay:
        only_k, only_r, diff = differences(kafka, replay)
        print(f"segment changes differ: kafka {len(kafka)} replay {len(replay)}; only kafka {only_k}; "
              f"only replay {only_r}; different {diff[:3]}", file=sys.stderr)
        return 1
    print(f"segment changes match after de-duplication ({len(replay)} changes)", file=sys.stderr)
    return 0


def seqs(changes_topic):
    by_customer = {}
    for _, value in kv_lines(changes_topic):
        obj = json.loads(value)
        by_customer.setdefault(obj["customer_id"], []).append(obj["seq"])
    for cid, s in by_customer.items():
        if sorted(s) != list(range(1, len(s) + 1)):
            print(f"customer {cid}: seqs {sorted(s)[:20]} are not 1..n once each", file=sys.stderr)
            return 1
    print(f"changes topic: {sum(map(len, by_customer.values()))} changes, every customer's seqs 1..n once",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    checks = {"segments": segments, "changes": changes, "seqs": seqs}
    if len(sys.argv) < 2 or sys.argv[1] not in checks:
        sys.exit(__doc__)
    sys.exit(checks[sys.argv[1]](*sys.argv[2:]))
