#!/usr/bin/env bash
# tools/setup.sh: installs everything segstream needs on a fresh Debian
# bookworm machine (run as root): the build toolchain and libraries, the
# tools the tests start (Kafka broker jars and the Apicurio schema registry via
# Maven, Prometheus, kcat, sqlite3, wrk, headless chromium), Chart.js for the
# report, clang for the fuzzers. Idempotent; safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(
  # build
  g++ cmake ninja-build pkg-config git ca-certificates
  # the Debian package (cpack -G DEB: dpkg-shlibdeps; its postinst uses adduser)
  dpkg-dev adduser
  # libraries (Debian bookworm packages only; no vendored sources)
  librocksdb-dev librdkafka-dev libeigen3-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libsimdjson-dev libfast-float-dev libcli11-dev libfmt-dev libspdlog-dev libtomlplusplus-dev
  libdeflate-dev nlohmann-json3-dev libcpp-httplib-dev libssl-dev libavro-dev libabsl-dev libjemalloc-dev
  # fuzzing and sanitizers with clang
  clang-14 libclang-rt-14-dev
  # what the tests and benchmarks start or call
  python3 python3-yaml python3-pip openssl sqlite3 kcat prometheus wrk maven openjdk-17-jre-headless procps time
  # the Avro test's real client (AvroProducer) and the registry readiness probe;
  # nginx enforces HTTP basic auth in front of the test registry
  python3-confluent-kafka python3-avro python3-requests curl nginx
  # the report's charts (inlined at run time) and the browser its tests open
  libjs-chart.js chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A public transactions file in a foreign layout for tests/tools/byod_cdnow.py:
# CDNOW_master.txt as shipped in the `lifetimes` PyPI package (whitespace
# columns, YYYYMMDD dates, line totals). Cached, never committed.
cdnow_dir="${XDG_CACHE_HOME:-$HOME/.cache}/segstream/lifetimes"
if [[ ! -s "$cdnow_dir/CDNOW_master.txt" ]]; then
  mkdir -p "$cdnow_dir"
  tmp=$(mktemp -d)
  if python3 -m pip download --quiet --no-deps --no-cache-dir lifetimes==0.11.3 -d "$tmp" >&2; then
    python3 - "$tmp" "$cdnow_dir" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z, open(sys.argv[2] + "/CDNOW_master.txt", "wb") as out:
    out.write(z.read("lifetimes/datasets/CDNOW_master.txt"))
PY
  else
    echo "setup: could not fetch the lifetimes package (CDNOW data); byod_cdnow will skip" >&2
  fi
  rm -rf "$tmp"
fi

# The Kafka 4.1.1 broker jars for the integration tests (Maven Central, cached).
tools/kafka-local fetch >/dev/null
# Apicurio Registry 3.0.9 for the Avro test (Maven Central, 109 MB, cached
# outside the repository).
tools/registry-local fetch >/dev/null
echo "setup: done" >&2
