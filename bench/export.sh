#!/usr/bin/env bash
# Export benchmark against the release build: an account with 100,000 plays
# (inserted straight into SQLite, for speed) asks for `exportMyData` and
# downloads the document. Reports the time of each step and the server's
# peak memory (VmHWM) before and after: the document is written a page of
# rows at a time, so the peak should not grow with the plays.
# Needs curl and python3. PLAYS=n changes the number of plays.
set -euo pipefail
cd "$(dirname "$0")/.."
port=18186
plays="${PLAYS:-100000}"
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
work="$(mktemp -d -p "$PWD" bench-export.XXXX)"
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn
# The demo's background work (drawing artwork, making audio) is not what
# is measured here.
export CADENZA_CATALOGUE_ARTWORK=false CADENZA_DEMO_AUDIO=false
"$CADENZA_BIN" serve &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
gql() { # token query
  curl -sf -H 'content-type: application/json' ${1:+-H "Authorization: Bearer $1"} \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2")" \
    "http://127.0.0.1:$port/graphql"
}
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }
token=$(gql "" 'mutation { register(input: {email: "bench@example.com", password: "bench password", displayName: "Bench"}) { accessToken } }' \
  | field '["data"]["register"]["accessToken"]')
user_id=$(gql "$token" '{ viewer { user { id } } }' | field '["data"]["viewer"]["user"]["id"]' \
  | python3 -c 'import base64,sys; s=sys.stdin.read().strip(); print(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode().split(":")[1])')
hwm() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
now() { date +%s.%N; }
secs() { python3 -c "print(round($2 - $1, 2))"; }

start=$(now)
python3 - "$work/data/cadenza.sqlite3" "$user_id" "$plays" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
user, plays = int(sys.argv[2]), int(sys.argv[3])
track = db.execute("SELECT id FROM tracks ORDER BY id LIMIT 1").fetchone()[0]
rows = ((user, track, track, 1000 + n % 200000, n % 2, "bench-device", "album", 0,
         f"2026-11-{1 + n % 28:02}T{n % 24:02}:{n % 60:02}:00+00:00") for n in range(plays))
with db:
    db.executemany(
        "INSERT INTO plays (user_id, track_id, stats_track_id, ms_played, completed, device_id,"
        " context, excluded, played_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.close()
PY
end=$(now)
echo "inserted $plays plays in $(secs "$start" "$end") s"

echo "server peak RSS before the export: $(hwm) MiB"
start=$(now)
answer=$(gql "$token" 'mutation { exportMyData { url sizeBytes expiresAt } }')
end=$(now)
url=$(echo "$answer" | field '["data"]["exportMyData"]["url"]')
size=$(echo "$answer" | field '["data"]["exportMyData"]["sizeBytes"]')
echo "exportMyData: $(secs "$start" "$end") s for $(python3 -c "print(round($size / 1e6, 1))") MB; server peak RSS after: $(hwm) MiB"
start=$(now)
curl -sf -o "$work/export.json" "http://127.0.0.1:$port$url"
end=$(now)
echo "download: $(secs "$start" "$end") s; server peak RSS after: $(hwm) MiB"
python3 - "$work/export.json" "$plays" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert len(doc["plays"]) == int(sys.argv[2]), len(doc["plays"])
print(f"the document holds all {len(doc['plays'])} plays")
PY
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$url")
echo "a second download: HTTP $code"
