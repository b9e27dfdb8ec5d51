# kafka_cdc: issue 13, CDC from a Kafka topic. The Debezium change events of
# cdc_debezium.py (the UCI sample as envelopes with updates, deletes and
# tombstones) are produced to a topic of the ctest fixture's real broker
# (SEGSTREAM_KAFKA_BOOTSTRAP) by a real client (Debian's
# python3-confluent-kafka; a tombstone is a null value, or the JSON text
# `null`), and `segstream run --brokers ... --input-format debezium` consumes
# them in three runs:
#   1. the first 60% of the messages, in batches of 50, crashing on purpose
#      (SEGSTREAM_TEST_CRASH_AFTER_FLUSHES, exit 137) after the outputs of a
#      batch and before its state commit: that batch, whose updates are
#      retraction + apply pairs, must be replayed whole;
#   2. a restart on the same state and group, until idle;
#   3. the remaining 40%, produced only now, until idle.
# The customers' RFM must equal the file CDC replay of the same events, the
# plain CSV replay of the final rows, and the independent sqlite3 computation;
# the dead-letters topic holds the one retraction of a never-inserted row;
# the last run's summary counts the tombstones of its part as skipped.
import os
import subprocess
import uuid

import cdc_debezium as cdc
import segtest
from segtest import check

CDC_FLAGS = ("--input-format", "debezium", "--columns", cdc.COLUMNS, "--time-format", "epoch_us")


def main():
    ctx, _ = segtest.parse_args()
    bootstrap = os.environ.get("SEGSTREAM_KAFKA_BOOTSTRAP")
    check(bootstrap, "SEGSTREAM_KAFKA_BOOTSTRAP is not set (the ctest fixture `kafka` provides the broker)")
    # The real client. A missing package is a failure, not a skip: tools/setup.sh installs it.
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    lines, final, cdc_path, plain_path = cdc.generate(ctx)
    run_id = uuid.uuid4().hex[:8]
    topic, group = f"cdc-{run_id}", f"cdc-group-{run_id}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
        f.result(30)

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20})

    def produce(part):
        tombstones = 0
        for i, line in enumerate(part):
            if line in ("", "null"):
                tombstones += 1
            # Debezium's tombstone is a null value; the JSON text `null` is read the same way.
            value = None if line == "" else line.encode("utf-8")
            producer.produce(topic, key=f"row-{i}".encode(), value=value)
            producer.poll(0)
        check(producer.flush(60) == 0, "change events not delivered")
        return tombstones

    head = len(lines) * 3 // 5
    produce(lines[:head])  # the rest is produced after the restarts (below)

    state = ctx.fresh("kafka/state")

    def run(*extra, expect=0, env=None):
        cmd = [ctx.segstream, "run", "--brokers", bootstrap, "--topic", topic, "--group", group,
               "--changes-topic", f"{topic}-changes", "--segments-topic", f"{topic}-segments",
               "--models-topic", f"{topic}-models", "--dead-letters-topic", f"{topic}-dead",
               "--state", state, "--http", "none", "--progress", "never", "--until-idle", "4",
               "-X", f"group.instance.id={group}-0", "-X", "session.timeout.ms=6000", *CDC_FLAGS, *extra]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=dict(os.environ, **(env or {})))
        check(r.returncode == expect, f"{' '.join(cmd)} exited {r.returncode}, expected {expect}:\n{r.stderr[-3000:]}")
        return r

    # 1. A crash after the 40th batch's outputs, before its state commit.
    r = run("--batch-size", "50", expect=137, env={"SEGSTREAM_TEST_CRASH_AFTER_FLUSHES": "40"})
    check("test crash point" in r.stderr, f"the crash point was not reached:\n{r.stderr[-2000:]}")
    crashed = segtest.parse_customers_csv(ctx.customers(state))
    check(crashed, "the batches before the crash were not committed")
    print(f"run 1: crashed after 40 batches' outputs, {len(crashed)} customers committed")
    # 2. Restart: resumes at the stored offset, replays the crashed batch whole.
    run("--batch-size", "50")
    # 3. The rest of the topic, produced only now.
    tail_tombstones = produce(lines[head:])
    r = run()
    check(tail_tombstones > 0, "the tail of the change events has no tombstone")
    check(f"tombstone {tail_tombstones}" in r.stdout,
          f"the last run must count its {tail_tombstones} tombstones as skipped:\n{r.stdout}")
    print(f"runs 2 and 3: resumed; {tail_tombstones} tombstones skipped and counted in run 3")

    kafka = segtest.parse_customers_csv(ctx.customers(state))
    file_state = ctx.fresh("file/state")
    ctx.run(cdc_path, file_state, ctx.fresh("file/out"), *CDC_FLAGS)
    from_file = segtest.parse_customers_csv(ctx.customers(file_state))
    diff = [c for c in from_file if c not in kafka or any(kafka[c][k] != from_file[c][k] for k in cdc.FIELDS)]
    check(not diff and len(kafka) == len(from_file),
          f"Kafka CDC vs file CDC: {len(diff)} customers differ ({len(kafka)} vs {len(from_file)}), {diff[:5]}")
    print(f"Kafka CDC == file CDC replay: {len(kafka)} customers")
    plain_state = ctx.fresh("plain/state")
    ctx.run(plain_path, plain_state, ctx.fresh("plain/out"))
    plain = segtest.parse_customers_csv(ctx.customers(plain_state))
    extra = cdc.check_equal_rfm(kafka, plain, "the Kafka CDC run")
    print(f"Kafka CDC == plain replay of the final rows: {len(plain)} customers ({len(extra)} emptied by deletes)")
    print(f"Kafka CDC == sqlite3: {cdc.check_sqlite(kafka, plain, final)} customers")

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{run_id}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([f"{topic}-dead"])
    dead, idle = set(), 0
    while idle < 6:
        m = consumer.poll(0.5)
        if m is None or m.error():
            idle += 1
            continue
        idle = 0
        dead.add(m.value().decode("utf-8", errors="replace"))
    consumer.close()
    # At-least-once outputs: the crashed batch may have published it twice (same text).
    check(len(dead) == 1 and "retraction_unknown_line" in next(iter(dead)),
          f"expected one retraction_unknown_line dead letter, got {sorted(dead)[:3]}")
    print("dead letters: the retraction of a never-inserted row")


if __name__ == "__main__":
    segtest.main(main)
