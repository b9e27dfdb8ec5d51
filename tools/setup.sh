#!/usr/bin/env bash
# tools/setup.sh: installs everything segstream needs on a fresh Debian
# bookworm machine (run as root): the build toolchain and libraries, the
# tools the tests start (Kafka broker jars via Maven, Prometheus, kcat,
# sqlite3, wrk, headless chromium), Chart.js for the report, clang for the
# fuzzers. Idempotent; safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(
  # build
  g++ cmake ninja-build pkg-config git ca-certificates
  # libraries (Debian bookworm packages only; no vendored sources)
  librocksdb-dev librdkafka-dev libeigen3-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libsimdjson-dev libfast-float-dev libcli11-dev libfmt-dev libspdlog-dev libtomlplusplus-dev
  libdeflate-dev nlohmann-json3-dev libcpp-httplib-dev
  # fuzzing and sanitizers with clang
  clang-14 libclang-rt-14-dev
  # what the tests and benchmarks start or call
  python3 python3-yaml sqlite3 kcat prometheus wrk maven openjdk-17-jre-headless procps time
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

# The Kafka 4.1.1 broker jars for the integration tests (Maven Central, cached).
tools/kafka-local fetch
echo "setup: done" >&2
