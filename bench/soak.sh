#!/usr/bin/env bash
# Soak: a mixed workload (bench/soak.lua: anonymous browsing, signed-in
# album pages, search, stream ranges, playlist edits, uploads) against the
# release build, first at 2..64 connections for 10 s each to find the knee
# (the fewest connections that reach 90 % of the best throughput), then at
# the knee for SOAK_SECONDS (default 600), reporting each minute's
# throughput, errors (a 200 with `errors` in it counts) and the server's
# resident memory, so a slowdown or a leak shows when it starts.
#
#   bench/soak.sh sqlite            # the embedded default
#   bench/soak.sh postgres          # PostgreSQL on 127.0.0.1, and Redis
#
# Needs wrk, curl and python3 (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
soak_seconds="${SOAK_SECONDS:-600}"
port=18184
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
work="$(mktemp -d)"
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn
# The demo's background work (drawing artwork, making audio) is not what
# is measured here.
export CADENZA_CATALOGUE_ARTWORK=false CADENZA_DEMO_AUDIO=false
if [ "$backend" = postgres ]; then
  db="cadenza_soak_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL="redis://127.0.0.1:6379"
  export CADENZA_REDIS_NAMESPACE="soak$$"
fi
"$CADENZA_BIN" serve 2>"$work/server.log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
  if [ "$backend" = postgres ]; then psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres; fi
}
trap cleanup EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port"
gql() { curl -sf -H 'content-type: application/json' ${token:+-H "Authorization: Bearer $token"} -d "$1" "$url/graphql"; }
token=""
token=$(gql '{"query":"mutation { register(input: {email: \"soak@example.com\", password: \"soak password\", displayName: \"Soak\"}) { accessToken } }"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["register"]["accessToken"])')

# Ten tracks of a second each, a playlist of them, and a long file to stream.
python3 - "$work" <<'PY'
import os, struct, sys
def wav(path, seconds, title):
    data = os.urandom(16000 * seconds)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    text = title.encode() + b"\0"
    text += b"\0" * (len(text) % 2)
    info = b"INFO" + b"INAM" + struct.pack("<I", len(text)) + text
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    body += b"LIST" + struct.pack("<I", len(info)) + info
    open(path, "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
for i in range(10):
    wav(os.path.join(sys.argv[1], f"t{i}.wav"), 1, f"Soak Song {i}")
wav(os.path.join(sys.argv[1], "long.wav"), 300, "Soak Long Song")
PY
upload() {
  curl -sf -H "Authorization: Bearer $token" \
    -F 'operations={"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id sizeBytes streamUrl } }","variables":{"f":null}}' \
    -F 'map={"0":["variables.f"]}' -F "0=@$1;type=audio/wav" "$url/graphql"
}
ids=()
for i in $(seq 0 9); do
  ids+=("$(upload "$work/t$i.wav" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["uploadTrack"]["id"])')")
done
long=$(upload "$work/long.wav")
stream_path=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["uploadTrack"]["streamUrl"])' "$long")
size=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["uploadTrack"]["sizeBytes"])' "$long")
item_list=$(printf '\\"%s\\",' "${ids[@]}")
playlist=$(gql "{\"query\":\"mutation { createPlaylist(input: {name: \\\"Soak\\\", itemIds: [${item_list%,}]}) { id entries(first: 100) { nodes { id } } } }\"}")
playlist_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["createPlaylist"]["id"])' "$playlist")
entries=$(python3 -c 'import json,sys; print(",".join(n["id"] for n in json.loads(sys.argv[1])["data"]["createPlaylist"]["entries"]["nodes"]))' "$playlist")
albums=$(token="" gql '{"query":"{ albums(first: 50) { nodes { id } } }"}' \
  | python3 -c 'import json,sys; print(",".join(n["id"] for n in json.load(sys.stdin)["data"]["albums"]["nodes"]))')
export TOKEN="$token" ALBUMS="$albums" PLAYLIST="$playlist_id" ENTRIES="$entries" STREAM_PATH="$stream_path" SIZE="$size"

# Resident memory in MiB: all of it, the anonymous part (the heap), and the
# file-backed part (the search index and database pages mapped in, which
# grow with the data and which the kernel can drop).
rss() { awk '/VmRSS|RssAnon|RssFile/ {v[$1] = $2 / 1024} END {printf "%.1f (anonymous %.1f, files %.1f)", v["VmRSS:"], v["RssAnon:"], v["RssFile:"]}' "/proc/$server/status"; }
echo "backend: $backend"
best=0
declare -A rate
for connections in 2 4 8 16 32 64; do
  line=$(wrk -t2 -c"$connections" -d10s -s bench/soak.lua "$url" | grep '^requests ')
  rate[$connections]=$(echo "$line" | awk '{print $4}')
  echo "  $connections connections: $line"
  best=$(python3 -c "print(max($best, ${rate[$connections]}))")
done
knee=64
for connections in 2 4 8 16 32 64; do
  if python3 -c "import sys; sys.exit(0 if ${rate[$connections]} >= 0.9 * $best else 1)"; then knee=$connections; break; fi
done
echo "knee: $knee connections (best $best requests/s)"
echo "soak: ${soak_seconds} s at $knee connections, a minute at a time; RSS MiB at the start $(rss)"
total=0
errors=0
left=$soak_seconds
while [ "$left" -gt 0 ]; do
  run=$(( left < 60 ? left : 60 ))
  left=$(( left - run ))
  out=$(wrk -t2 -c"$knee" -d"${run}s" -s bench/soak.lua "$url")
  line=$(echo "$out" | grep '^requests ')
  echo "  $line; RSS $(rss)"
  echo "$out" | grep '^first error\|^errors by kind' || true
  total=$(( total + $(echo "$line" | awk '{print $2}') ))
  errors=$(( errors + $(echo "$line" | awk '{print $NF}') ))
done
echo "soak total: $total requests, $errors errors; RSS MiB at the end $(rss)"
echo "data: $(du -sh "$work/data" | cut -f1) in the data dir"
if grep -q ERROR "$work/server.log"; then echo "server errors:"; grep ERROR "$work/server.log" | head -5; fi
