#!/usr/bin/env bash
# Load test of the album page (anonymous and signed in) and of search (one
# word, two words, a typo; signed in) against GET /healthz on the same
# server, with wrk (Debian package `wrk`), 32 connections, on the release
# build.
#
#   bench/load.sh sqlite            # the embedded default
#   bench/load.sh postgres          # DATABASE_URL on 127.0.0.1, plus Redis
#
# DURATION (default 20s) sets each run's length.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
duration="${DURATION:-20s}"
port=18180
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }

# CADENZA_BIN: a binary built earlier, else the release build of this tree.
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
data_dir="$(mktemp -d)"
export CADENZA_DATA_DIR="$data_dir" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn
# The demo's background work (drawing artwork, making audio) is not what
# is measured here.
export CADENZA_CATALOGUE_ARTWORK=false CADENZA_DEMO_AUDIO=false
if [ "$backend" = postgres ]; then
  db="cadenza_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL="redis://127.0.0.1:6379"
fi
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

query='{"query":"{ albums(first: 1, genre: \"R&B\") { nodes { id } } }"}'
album=$(curl -sf -H 'content-type: application/json' -d "$query" "http://127.0.0.1:$port/graphql" \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')
statements() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^cadenza_sql_statements_total/ {print $2}'; }
# page OWNED CURL-ARGS...: the album page, with ownedByViewer when OWNED is
# " ownedByViewer".
page() {
  local owned="$1"; shift
  curl -sf -H 'content-type: application/json' "$@" \
    -d "{\"query\":\"query(\$id: ID!) { album(id: \$id) { title artist { name } product { price { formatted }$owned } tracks { title product { price { formatted }$owned } } } }\",\"variables\":{\"id\":\"$album\"}}" \
    "http://127.0.0.1:$port/graphql" >/dev/null
}
# The statements one page costs, the lower of two counts: the search
# follower polls the change feed in the background.
page_statements() {
  local count=99 before after
  page "$@"
  for _ in 1 2; do
    before=$(statements); page "$@"; after=$(statements)
    count=$(( after - before < count ? after - before : count ))
  done
  echo "$count"
}

token=$(curl -sf -H 'content-type: application/json' \
  -d '{"query":"mutation { register(input: {email: \"bench@example.com\", password: \"bench password\", displayName: \"Bench\"}) { accessToken } }"}' \
  "http://127.0.0.1:$port/graphql" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
# Signed in, the public page is answered from the shared response cache (no
# SQL); with ownedByViewer the answer is the viewer's own, so the resolvers
# and SQL run.
echo "backend: $backend; SQL statements per album page signed in:" \
  "$(page_statements "" -H "Authorization: Bearer $token") (public)," \
  "$(page_statements " ownedByViewer" -H "Authorization: Bearer $token") (with ownedByViewer)"

wrk -t2 -c32 -d5s "http://127.0.0.1:$port/healthz" >/dev/null # warm-up
echo -n "GET /healthz                            "
wrk -t2 -c32 -d"$duration" -s bench/healthz.lua "http://127.0.0.1:$port/healthz" | tail -1
echo -n "album page, anonymous (response cache)  "
ALBUM_ID="$album" wrk -t2 -c32 -d"$duration" -s bench/album_page.lua "http://127.0.0.1:$port/graphql" | tail -1
echo -n "album page, signed in (public: shared)   "
ALBUM_ID="$album" TOKEN="$token" wrk -t2 -c32 -d"$duration" -s bench/album_page.lua "http://127.0.0.1:$port/graphql" | tail -1
echo -n "album page + ownedByViewer, signed in    "
ALBUM_ID="$album" TOKEN="$token" OWNED=1 wrk -t2 -c32 -d"$duration" -s bench/album_page.lua "http://127.0.0.1:$port/graphql" | tail -1
queries="$data_dir/queries.tsv"
printf '1 word\tmidnight\n1 word\tharbor\n1 word\tcomet\n1 word\tvelvet\n' >"$queries"
printf '2 words\tmidnight river\n2 words\tgolden harbor\n2 words\tneon signal\n2 words\tlove like\n' >>"$queries"
printf 'typo\tmidnigth\ntypo\tharbour\ntypo\tsatelite\ntypo\tlantren\n' >>"$queries"
for class in "1 word" "2 words" "typo"; do
  printf "%-40s" "search, $class, signed in"
  CLASS="$class" QUERIES="$queries" TOKEN="$token" wrk -t2 -c32 -d"$duration" -s bench/search.lua "http://127.0.0.1:$port/graphql" | tail -1
done
