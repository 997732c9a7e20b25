#!/usr/bin/env bash
# Store and listening benchmarks against the release server:
#   - checkout throughput and latency: distinct listeners, each buying one
#     album of 12 tracks, over 16 connections; then the time from
#     checkout's answer to the purchase being found in the buyer's search;
#   - recordPlay: plays stored per second over 32 connections.
#
#   bench/store.sh sqlite            # the embedded default
#   bench/store.sh postgres          # DATABASE_URL on 127.0.0.1, plus Redis
#
# ORDERS (default 2000) sets how many checkouts are timed, PLAY_SECONDS
# (default 20) how long plays are sent.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
orders="${ORDERS:-2000}"
play_seconds="${PLAY_SECONDS:-20}"
port=18190

if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
cargo build --release -p cadenza-tests --example load --quiet
load="${CARGO_TARGET_DIR:-target}/release/examples/load"

data_dir="$(mktemp -d)"
export CADENZA_DATA_DIR="$data_dir" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn
# The generator signs up thousands of listeners from one address and sends
# plays far faster than any person: lift the per-address and per-user limits.
export CADENZA_RATE_REGISTRATIONS=1000000 CADENZA_RATE_USER_MUTATIONS=1000000
if [ "$backend" = postgres ]; then
  db="cadenza_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL="redis://127.0.0.1:6379"
fi
"$CADENZA_BIN" migrate >/dev/null
"$CADENZA_BIN" create-user --email bench-admin@example.com --password "bench admin password" --role admin >/dev/null
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
url="http://127.0.0.1:$port"

gql() { curl -sf -H 'content-type: application/json' "$@" "$url/graphql"; }
admin=$(gql -d '{"query":"mutation { login(email: \"bench-admin@example.com\", password: \"bench admin password\") { accessToken } }"}' \
  | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')

# One album of 12 tracks, sold whole.
feed="$data_dir/feed.jsonl"
{
  echo '{"type":"artist","id":"ar-bench","name":"Bench Orchestra","genres":["Classical"]}'
  echo '{"type":"album","id":"al-bench","artist":"ar-bench","title":"Twelve Movements","year":2026,"genre":"Classical"}'
  for n in $(seq 1 12); do
    echo "{\"type\":\"track\",\"id\":\"tr-bench-$n\",\"album\":\"al-bench\",\"title\":\"Movement Number $n\",\"trackNumber\":$n,\"discNumber\":1,\"durationMs\":240000}"
  done
  echo '{"type":"product","sku":"BENCH-ALB","kind":"ALBUM","ref":"al-bench","priceMinor":999,"currency":"USD","audioFormat":"FLAC"}'
} > "$feed"
curl -sf -H "Authorization: Bearer $admin" \
  -F 'operations={"query":"mutation($file: Upload!) { importCatalogue(file: $file) { productsUpserted } }","variables":{"file":null}}' \
  -F 'map={"0":["variables.file"]}' -F "0=@$feed" "$url/graphql" >/dev/null
product=$(gql -d '{"query":"{ products(first: 100, filter: {kind: ALBUM}) { nodes { id sku } } }"}' \
  | grep -oE '"id":"[^"]+","sku":"BENCH-ALB"' | sed -E 's/"id":"([^"]+)".*/\1/')
[ -n "$product" ] || { echo "the bench album was not imported"; exit 1; }

echo "backend: $backend"
"$load" checkout "$url" "$product" "$orders" 16
"$load" plays "$url" "$product" 200 32 "$play_seconds"
