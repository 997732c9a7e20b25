#!/usr/bin/env bash
# Web app benchmark against the release build, in headless Chromium:
#  - the size of the assets embedded in the binary (api/web/), raw and with
#    gzip -9, file by file summed;
#  - the locker page's first render with 1,000 items, and the time from
#    pressing play to the audio's `playing` event (tests/browser/bench.mjs).
# Needs node, npm and Debian's chromium (tests/browser/install.sh installs
# them when missing). ITEMS=n and RUNS=n change the item count and repeats.
set -euo pipefail
cd "$(dirname "$0")/.."
port=18187
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --bin cadenza --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
tests/browser/install.sh

raw=0
gz=0
files=0
while IFS= read -r -d '' file; do
  raw=$((raw + $(stat -c %s "$file")))
  gz=$((gz + $(gzip -9 -c "$file" | wc -c)))
  files=$((files + 1))
done < <(find api/web -type f -print0)
kib() { python3 -c "print(f'{$1 / 1024:.1f} KiB')"; }

work="$(mktemp -d -p "$PWD" bench-web.XXXX)"
# The uploads are more mutations than a listener may make in a minute.
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn CADENZA_SEED_DEMO=false \
  CADENZA_RATE_USER_MUTATIONS=100000
"$CADENZA_BIN" serve &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

echo "| assets embedded (api/web/, $files files) | raw | gzip -9 |"
echo "|---|---|---|"
echo "| total | $(kib "$raw") | $(kib "$gz") |"
echo
node tests/browser/bench.mjs "http://127.0.0.1:$port"
