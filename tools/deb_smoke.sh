#!/usr/bin/env bash
# deb_smoke.sh DEB SAMPLE: installs the segstream Debian package with
# dpkg -i, checks what it put in place (binaries, systemd unit, conffile,
# the segstream user, /var/lib/segstream) and runs the installed segstream
# as that user on SAMPLE, then segctl on its state. Used by .ci/run after
# the release build. Leaves the package installed (CI's machine is thrown
# away); `dpkg --purge segstream` removes it, its user and its state.
set -euo pipefail
deb=$1
sample=$2
dpkg -i "$deb"
dpkg -s segstream | grep -q '^Status: install ok installed'
test -x /usr/bin/segstream && test -x /usr/bin/segctl
test -f /usr/lib/systemd/system/segstream.service
grep -qx /etc/segstream/segstream.toml /var/lib/dpkg/info/segstream.conffiles
getent passwd segstream >/dev/null
test "$(stat -c %U /var/lib/segstream)" = segstream
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /usr/lib/systemd/system/segstream.service
fi
work=/var/lib/segstream/smoke
rm -rf "$work"
install -d -o segstream -g segstream "$work"
cp "$sample" "$work/sample.csv.gz"
chown segstream:segstream "$work/sample.csv.gz"
runuser -u segstream -- /usr/bin/segstream run --input "$work/sample.csv.gz" --state "$work/state" \
  --out "$work/out" --http none --progress never | tee "$work/summary.txt"
grep -q 'records in' "$work/summary.txt"
customers=$(runuser -u segstream -- /usr/bin/segctl customers --state "$work/state" | tail -n +2 | wc -l)
echo "deb_smoke: the installed segstream replayed $(basename "$sample"): $customers customers"
test "$customers" -gt 100
rm -rf "$work"
echo "deb_smoke: ok"
