# avro_registry: issue 13's Avro acceptance, "Avro through a real registry,
# produced by a real client, equals the JSON path". It uses the ctest
# fixtures' real schema registry (Apicurio Registry 3.0.9 via
# tools/registry-local, on 127.0.0.1; SEGSTREAM_SCHEMA_REGISTRY_URL) and real
# Kafka broker (SEGSTREAM_KAFKA_BOOTSTRAP). The real client is Debian's
# python3-confluent-kafka (librdkafka) with its AvroProducer (Debian's
# python3-avro), which registers the schema under "<topic>-value" and frames
# every record in the Confluent wire format.
#
# 1. The sample's lines as DESIGN.md events go to two topics: JSON text (the
#    JSON path) and Avro (AvroProducer; every other message with a second
#    schema version whose unit_price is a decimal logical type); two Avro
#    poison messages follow (no magic byte; an unknown schema id).
# 2. A registry outage: `segstream run --schema-registry` at a closed port
#    must fail (exit 1, run_stopped) without storing any position or customer.
# 3. Basic auth enforced by a real server: Debian's nginx (auth_basic, an
#    htpasswd made by `openssl passwd`) in front of the registry, since
#    Apicurio does not enforce it here. Without credentials, and with a wrong
#    password (--schema-registry-auth-file, and --avro-outputs so that the
#    schema registration is refused first), the run stops with exit 1 and the
#    registry's 401, and the state holds no position and no customer.
# 4. The same state and group with the right credentials through nginx
#    consumes everything: segctl customers equals the run on the JSON topic
#    and the JSONL replay.
# 5. That Avro run also had --avro-outputs: its segment-changes,
#    customer-segments and models topics, read with the real client's Avro
#    deserializer (schemas from the registry by the ids in the messages),
#    equal the JSON run's topics (changes de-duplicated by (customer_id, seq),
#    segments as the latest value per customer, models by version); its
#    dead-letters topic holds the two poison messages as Avro DeadLetter
#    records, bad_avro and unknown_schema.
import decimal
import json
import os
import socket
import subprocess
import time
import uuid

import segtest
from segtest import check

EVENT_SCHEMA = json.dumps({
    "type": "record", "name": "InvoiceLine", "namespace": "segstream.test",
    "fields": [
        {"name": "invoice", "type": "string"},
        {"name": "stock_code", "type": "string"},
        {"name": "description", "type": ["null", "string"], "default": None},
        {"name": "quantity", "type": "long"},
        {"name": "unit_price", "type": "double"},
        {"name": "invoice_ts", "type": "string"},
        {"name": "customer_id", "type": ["null", "string"], "default": None},
        {"name": "country", "type": ["null", "string"], "default": None},
    ]})


# The same record with the price as an Avro decimal (bytes, scale 3: exact
# thousandths), registered as a second version of the subject; every other
# message is produced with it, so the topic mixes two schema ids.
DECIMAL_SCHEMA = EVENT_SCHEMA.replace(
    '"type": "double"', '"type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 3}')
assert DECIMAL_SCHEMA != EVENT_SCHEMA


NGINX_CONF = """daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
  log_format status '$status $request_method $uri';
  access_log {work}/nginx-access.log status;
  client_body_temp_path {work}/nginx-tmp/body;
  proxy_temp_path {work}/nginx-tmp/proxy;
  fastcgi_temp_path {work}/nginx-tmp/fastcgi;
  uwsgi_temp_path {work}/nginx-tmp/uwsgi;
  scgi_temp_path {work}/nginx-tmp/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_basic "segstream test registry";
      auth_basic_user_file {work}/htpasswd;
      proxy_pass http://{upstream};
    }}
  }}
}}
"""


def start_auth_proxy(ctx, url, user, password):
    """Debian's nginx on a free 127.0.0.1 port in front of the registry at `url`, enforcing HTTP basic auth
    (auth_basic, an htpasswd line made by `openssl passwd -apr1`). Returns (process, the proxied API URL);
    checks that the real server answers 401 without and 200 with the credentials."""
    import requests
    upstream = url.split("//", 1)[1].split("/", 1)[0]
    api_path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    port = free_port()
    hashed = subprocess.run(["openssl", "passwd", "-apr1", password], capture_output=True, text=True, check=True)
    with open(os.path.join(ctx.work, "htpasswd"), "w") as f:
        f.write(f"{user}:{hashed.stdout.strip()}\n")
    os.chmod(os.path.join(ctx.work, "htpasswd"), 0o644)  # nginx's worker runs as nobody
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(ctx.work, "nginx-tmp", sub), exist_ok=True)
    conf = os.path.join(ctx.work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(work=ctx.work, port=port, upstream=upstream))
    proc = subprocess.Popen(["/usr/sbin/nginx", "-e", os.path.join(ctx.work, "nginx-error.log"), "-c", conf],
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}{api_path}"
    deadline = time.time() + 20
    while True:
        check(proc.poll() is None, f"nginx exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            anonymous = requests.get(f"{base}/subjects", timeout=2)
            break
        except requests.ConnectionError:
            check(time.time() < deadline, "nginx did not start listening within 20 s")
            time.sleep(0.1)
    check(anonymous.status_code == 401, f"nginx must refuse a request without credentials: {anonymous.status_code}")
    check(requests.get(f"{base}/subjects", auth=(user, "wrong"), timeout=5).status_code == 401,
          "nginx must refuse a wrong password")
    check(requests.get(f"{base}/subjects", auth=(user, password), timeout=5).status_code == 200,
          "nginx must pass the right credentials to the registry")
    return proc, base


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ctx, _ = segtest.parse_args()
    bootstrap = os.environ.get("SEGSTREAM_KAFKA_BOOTSTRAP")
    check(bootstrap, "SEGSTREAM_KAFKA_BOOTSTRAP is not set (the ctest fixture `kafka` provides the broker)")
    url = os.environ.get("SEGSTREAM_SCHEMA_REGISTRY_URL")
    check(url, "SEGSTREAM_SCHEMA_REGISTRY_URL is not set (the ctest fixture `schema_registry` provides it)")
    # The real client. A missing package is a failure, not a skip: tools/setup.sh installs it.
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.avro import AvroProducer, loads

    run_id = uuid.uuid4().hex[:8]
    t_json, t_avro = f"avro-json-{run_id}", f"avro-avro-{run_id}"
    run_checks(ctx, bootstrap, url, t_json, t_avro, run_id, Producer, Consumer, AvroProducer, loads)


def run_checks(ctx, bootstrap, url, t_json, t_avro, run_id, Producer, Consumer, AvroProducer, loads):
    # --- 1. produce the same events as JSON and as Avro ------------------
    events = []
    for raw, dec in segtest.iter_uci(ctx.sample):
        events.append(segtest.event_json(raw, dec))
    jsonl = os.path.join(ctx.work, "events.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for e in events:
            f.write(e + "\n")
    conf = {"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20}
    p = Producer(conf)
    for e in events:
        p.produce(t_json, value=e.encode("utf-8"))
        p.poll(0)
    check(p.flush(60) == 0, "JSON messages not delivered")
    t0 = time.time()
    ap = AvroProducer(dict(conf, **{"schema.registry.url": url}), default_value_schema=loads(EVENT_SCHEMA))
    double_schema, decimal_schema = loads(EVENT_SCHEMA), loads(DECIMAL_SCHEMA)
    for i, e in enumerate(events):
        if i % 2 == 0:
            d = json.loads(e)  # unit_price becomes a double, as an Avro producer would hold it
        else:
            # The exact decimal, rounded to thousandths half away from zero as the JSON decoder does.
            d = json.loads(e, parse_float=decimal.Decimal)
            d["unit_price"] = decimal.Decimal(d["unit_price"]).quantize(decimal.Decimal("0.001"),
                                                                       rounding=decimal.ROUND_HALF_UP)
        if not d["customer_id"]:
            d["customer_id"] = None  # the union's null branch: no customer, as "" is in JSON
        ap.produce(topic=t_avro, value=d, value_schema=decimal_schema if i % 2 else double_schema)
        ap.poll(0)
    check(ap.flush(60) == 0, "Avro messages not delivered")
    import requests
    versions = requests.get(f"{url}/subjects/{t_avro}-value/versions", timeout=10).json()
    check(len(versions) == 2, f"expected two schema versions (double and decimal prices), got {versions}")
    print(f"produced {len(events)} events as JSON and Avro ({time.time() - t0:.1f} s for Avro)")
    # Two poison messages at the end of the Avro topic.
    p.produce(t_avro, value=b'{"invoice":"1"}')                            # no magic byte
    p.produce(t_avro, value=b"\x00\x7f\xff\xff\xf0" + b"\x02" + b"x")      # schema id 2147483632: unknown
    check(p.flush(30) == 0, "poison messages not delivered")

    def run_kafka(topic, state, group, *extra, expect=0, timeout=300):
        cmd = [ctx.segstream, "run", "--brokers", bootstrap, "--topic", topic, "--group", group,
               "--changes-topic", f"{topic}-changes", "--segments-topic", f"{topic}-segments",
               "--models-topic", f"{topic}-models", "--dead-letters-topic", f"{topic}-dead",
               "--state", state, "--k", "4", "--http", "none", "--progress", "never", "--until-idle", "5", *extra]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        check(r.returncode == expect, f"{' '.join(cmd)} exited {r.returncode}, expected {expect}:\n{r.stderr[-3000:]}")
        return r

    # --- 2. registry outage: an error, nothing consumed ------------------
    avro_state = ctx.fresh("state.avro")
    avro_group = f"avro-group-{run_id}"
    dead_url = f"http://127.0.0.1:{free_port()}/apis/ccompat/v7"
    r = run_kafka(t_avro, avro_state, avro_group, "--schema-registry", dead_url, expect=1)
    check("run_stopped" in r.stderr and "not decoded" in r.stderr and "unreachable" in r.stderr,
          f"the outage must stop the run with the registry error:\n{r.stderr[-2000:]}")
    rows = segtest.parse_customers_csv(ctx.customers(avro_state))
    check(not rows, f"a registry outage must consume nothing, the state has {len(rows)} customers")
    print("registry outage: run stopped (exit 1), nothing consumed")

    # --- 3. basic auth enforced by a real server: nginx in front of the registry --
    nginx, proxied_url = start_auth_proxy(ctx, url, "segstream", "s3cret-pass")
    try:
        def nothing_consumed(r, what):
            check("run_stopped" in r.stderr and "HTTP 401" in r.stderr and "the registry refused" in r.stderr,
                  f"{what}: the run must stop with the registry's 401:\n{r.stderr[-2000:]}")
            print(f"{what}: " + next(x for x in r.stderr.splitlines() if "HTTP 401" in x)[:400])
            stats = subprocess.run([ctx.segctl, "stats", "--state", avro_state], capture_output=True, text=True)
            check("position" not in stats.stdout and not segtest.parse_customers_csv(ctx.customers(avro_state)),
                  f"{what}: a refused registry must move no position:\n{stats.stdout}")

        r = run_kafka(t_avro, avro_state, avro_group, "--schema-registry", proxied_url, expect=1)
        nothing_consumed(r, "no credentials")
        check("without credentials" in r.stderr, f"the error must say no credentials were given:\n{r.stderr[-1000:]}")
        wrong = os.path.join(ctx.work, "registry.wrong")
        with open(wrong, "w") as f:
            f.write("segstream:not-the-password\n")
        # With --avro-outputs the first request is the schema registration, before any consumption.
        r = run_kafka(t_avro, avro_state, avro_group, "--schema-registry", proxied_url,
                      "--schema-registry-auth-file", wrong, "--avro-outputs", expect=1)
        nothing_consumed(r, "wrong password")
        check("these credentials" in r.stderr and "not-the-password" not in r.stderr,
              f"the error must blame the credentials without printing them:\n{r.stderr[-1000:]}")
        print("registry basic auth (nginx): no credentials and a wrong password stop the run (exit 1), "
              "no position stored")

        # --- 4. the right credentials through nginx: Avro == JSON ----------
        auth = os.path.join(ctx.work, "registry.auth")
        with open(auth, "w") as f:
            f.write("segstream:s3cret-pass\n")
        run_kafka(t_avro, avro_state, avro_group, "--schema-registry", proxied_url, "--schema-registry-auth-file",
                  auth, "--avro-outputs")
    finally:
        nginx.terminate()
        nginx.wait(10)
    with open(os.path.join(ctx.work, "nginx-access.log")) as f:
        statuses = [line.split()[0] for line in f]
    check("401" in statuses and "200" in statuses, f"nginx saw no 401 and 200 answers: {statuses[:20]}")
    json_state = ctx.fresh("state.json")
    run_kafka(t_json, json_state, f"json-group-{run_id}")
    replay_state = ctx.fresh("state.replay")
    ctx.run(jsonl, replay_state, ctx.fresh("out.replay"), "--k", "4")

    avro_rows, json_rows = ctx.customers(avro_state), ctx.customers(json_state)
    n = len(segtest.parse_customers_csv(json_rows))
    check(n > 100, f"the JSON path produced only {n} customers")
    segtest.same_bytes(avro_rows, json_rows, "segctl customers: Avro on Kafka vs JSON on Kafka")
    segtest.same_bytes(avro_rows, ctx.customers(replay_state), "segctl customers: Avro on Kafka vs JSONL replay")
    print(f"customers identical: Avro == JSON on Kafka == JSONL replay ({n} customers)")

    # --- 5. Avro outputs == JSON outputs ----------------------------------
    from confluent_kafka.avro import CachedSchemaRegistryClient
    from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
    serializer = MessageSerializer(CachedSchemaRegistryClient({"url": url}))

    def read_topic(topic, decode):
        cons = Consumer({"bootstrap.servers": bootstrap, "group.id": f"read-{topic}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
        cons.subscribe([topic])
        out, idle_since = [], time.time()
        while time.time() - idle_since < 5:
            m = cons.poll(0.5)
            if m is None or m.error():
                continue
            out.append(decode(m.value()))
            idle_since = time.time()
        cons.close()
        return out

    def avro_value(b):
        check(b[:1] == b"\x00", f"an Avro output without the magic byte: {b[:20]!r}")
        return serializer.decode_message(b)

    avro_changes = read_topic(f"{t_avro}-changes", avro_value)
    json_changes = read_topic(f"{t_json}-changes", json.loads)
    dedup = lambda rows: {(r["customer_id"], r["seq"]): r for r in rows}
    check(len(json_changes) > 0, "the JSON run published no segment changes")
    check(dedup(avro_changes) == dedup(json_changes),
          f"segment changes differ: Avro {len(dedup(avro_changes))} vs JSON {len(dedup(json_changes))}")
    latest = lambda rows: {r["customer_id"]: r for r in rows}
    avro_segments = latest(read_topic(f"{t_avro}-segments", avro_value))
    json_segments = latest(read_topic(f"{t_json}-segments", json.loads))
    check(avro_segments == json_segments,
          f"customer segments differ: Avro {len(avro_segments)} vs JSON {len(json_segments)} customers")
    print(f"Avro outputs == JSON outputs: {len(dedup(json_changes))} segment changes, "
          f"{len(json_segments)} customer segments")

    # Models: the same versions with the same content (an Avro null is an absent JSON key).
    def no_nulls(v):
        if isinstance(v, dict):
            return {k: no_nulls(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [no_nulls(x) for x in v]
        return v

    by_version = lambda rows: {r["model_version"]: no_nulls(r) for r in rows}
    avro_models = by_version(read_topic(f"{t_avro}-models", avro_value))
    json_models = by_version(read_topic(f"{t_json}-models", json.loads))
    check(len(json_models) > 0, "the JSON run published no model")
    check(avro_models == json_models, f"models differ: Avro versions {sorted(avro_models)} vs JSON "
          f"{sorted(json_models)}; first difference in version "
          f"{next((v for v in json_models if avro_models.get(v) != json_models[v]), None)}")
    print(f"Avro models == JSON models: {len(json_models)} versions")

    # Dead letters: the two poison messages, as Avro (segstream.DeadLetter).
    dead = read_topic(f"{t_avro}-dead", avro_value)
    check(len(dead) == 2, f"expected the 2 poison messages as dead letters, got {dead}")
    check(dead[0]["reason"].startswith("bad_avro: magic byte 123"), f"no-magic dead letter: {dead[0]}")
    check(dead[1]["reason"].startswith("unknown_schema: schema id 2147483632"), f"unknown-id dead letter: {dead[1]}")
    check(dead[0]["source"] == f"kafka:{t_avro}" and dead[0]["raw"].startswith("hex:7b22")
          and dead[1]["offset"] == dead[0]["offset"] + 1, f"dead letter fields: {dead}")
    print("dead letters (Avro): bad_avro (no magic byte), unknown_schema")


if __name__ == "__main__":
    segtest.main(main)
