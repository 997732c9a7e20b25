#!/usr/bin/env bash
# A 100,000-line catalogue feed imported in one importCatalogue call against
# the release build: wall time and the server's peak memory (VmHWM) before
# and after.
#
#   bench/import.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
port=18181
# CADENZA_BIN: a binary built earlier, else the release build of this tree.
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
data_dir="$(mktemp -d)"
export CADENZA_DATA_DIR="$data_dir" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn CADENZA_SEED_DEMO=false
if [ "$backend" = postgres ]; then
  db="cadenza_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
fi
"$CADENZA_BIN" create-user --email bench@example.com --password "bench password" --role admin 2>/dev/null
"$CADENZA_BIN" serve &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data_dir"
  if [ "$backend" = postgres ]; then psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres; fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# 250 artists x 20 albums x (1 album product + 9 tracks with a product each) = 100,250 lines.
feed="$data_dir/feed.jsonl"
python3 - "$feed" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for a in range(250):
        out.write(json.dumps({"type": "artist", "id": f"ar{a}", "name": f"Artist {a}", "genres": [f"G{a % 12}"]}) + "\n")
        for b in range(20):
            al = f"al{a}-{b}"
            out.write(json.dumps({"type": "album", "id": al, "artist": f"ar{a}", "title": f"Album {a} {b}", "year": 1990 + b}) + "\n")
            out.write(json.dumps({"type": "product", "sku": al, "kind": "ALBUM", "ref": al, "priceMinor": 999, "currency": "USD"}) + "\n")
            for t in range(9):
                tr = f"tr{a}-{b}-{t}"
                out.write(json.dumps({"type": "track", "id": tr, "album": al, "title": f"Song {t}", "durationMs": 200000, "trackNumber": t + 1}) + "\n")
                out.write(json.dumps({"type": "product", "sku": tr, "kind": "TRACK", "ref": tr, "priceMinor": 129, "currency": "USD"}) + "\n")
PY
lines=$(wc -l < "$feed")
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"query":"mutation { login(email: \"bench@example.com\", password: \"bench password\") { accessToken } }"}' \
  "http://127.0.0.1:$port/graphql" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
hwm() { awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$server/status"; }
echo "backend: $backend; feed: $lines lines, $(du -h "$feed" | cut -f1)"
echo "peak RSS before: $(hwm)"
start=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $token" \
  -F operations='{"query":"mutation($f: Upload!) { importCatalogue(file: $f) { artistsUpserted albumsUpserted tracksUpserted productsUpserted rejected { line } } }","variables":{"f":null}}' \
  -F map='{"0":["variables.f"]}' -F "0=@$feed" \
  "http://127.0.0.1:$port/graphql" | head -c 300; echo
end=$(date +%s.%N)
echo "import took $(python3 -c "print(round($end - $start, 2))") s"
echo "peak RSS after: $(hwm)"
