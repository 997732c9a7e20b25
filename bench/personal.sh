#!/usr/bin/env bash
# The pages that depend on the listener, at 32 connections (wrk, 2
# threads, DURATION each, default 15s), rotating over 16 listeners so that
# no cache of one answer carries the figure, beside GET /healthz on the
# same server:
#   - the locker page: 50 items with title, artist, album, track number,
#     duration, format and `streamUrl`;
#   - the album page with `ownedByViewer` on the album and every track;
#   - the signed-in best-selling store page (20 products, `ownedByViewer`);
#   - `recommendations(first: 10)` with score, reason, product title and
#     price (on this small service: the listener's few plays; see
#     bench/recommendations.sh for a population of a million plays).
#
#   bench/personal.sh sqlite      # the embedded default
#   bench/personal.sh postgres    # a fresh database on 127.0.0.1, plus Redis
#
# Each listener holds ITEMS (default 300) locker items (uploaded once
# through the API, then copied with SQL), played once each, and owns one
# album bought through checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup "${1:-sqlite}" 18196
duration="${DURATION:-15s}"
items="${ITEMS:-300}"

"$CADENZA_BIN" seed-demo >/dev/null
start
register() {
  gql -d "{\"query\":\"mutation { register(input: {email: \\\"$1\\\", password: \\\"bench password\\\", displayName: \\\"Bench\\\"}) { accessToken } }\"}" \
    | sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
}
first=$(register listener0@example.com)
upload_tagged "$first" "$items"
tokens="$first"
for n in $(seq 1 15); do tokens="$tokens $(register "listener$n@example.com")"; done
listener0=$(sql "SELECT id FROM users WHERE email = 'listener0@example.com'")
copy_locker "$listener0" "u.email LIKE 'listener%' AND u.id <> $listener0"
sql "INSERT INTO plays (user_id, locker_item_id, ms_played, completed, excluded, played_at)
     SELECT user_id, id, 30000, true, false, added_at FROM locker_items"
album=$(gql -d '{"query":"{ albums(first: 1, genre: \"R&B\") { nodes { id product { id } } } }"}')
product=$(sed -E 's/.*"product":\{"id":"([^"]+)".*/\1/' <<<"$album")
album=$(sed -E 's/.*"nodes":\[\{"id":"([^"]+)".*/\1/' <<<"$album")
n=0
for token in $tokens; do
  gql -H "Authorization: Bearer $token" \
    -d "{\"query\":\"mutation { addToCart(productId: \\\"$product\\\") { itemCount } }\"}" >/dev/null
  gql -H "Authorization: Bearer $token" \
    -d "{\"query\":\"mutation { checkout(idempotencyKey: \\\"bench-$n\\\") { id } }\"}" >/dev/null
  n=$((n + 1))
done
echo "$backend: 16 listeners, $(sql "SELECT COUNT(*) FROM locker_items") locker items, $(sql "SELECT COUNT(*) FROM entitlements") purchases"

mkdir -p "$work/pages"
echo '{ viewer { locker { items(first: 50) { totalCount nodes { id title artist album trackNumber durationMs format streamUrl } } } } }' > "$work/pages/locker.graphql"
echo "{ album(id: \"$album\") { id title artist { id name } product { price { formatted } ownedByViewer } tracks { id title trackNumber durationMs product { price { formatted } ownedByViewer } } } }" > "$work/pages/album.graphql"
echo '{ products(first: 20, sort: BEST_SELLING) { totalCount nodes { id title price { formatted } ownedByViewer } } }' > "$work/pages/store.graphql"
echo '{ viewer { recommendations(first: 10) { score reason product { title price { formatted } } } } }' > "$work/pages/recommendations.graphql"
statements() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^cadenza_sql_statements_total/ {print $2}'; }
# The statements one request costs: the fewest of three tries, as
# background work (the search index following, a store count) shares the
# metric.
statements_of() { # name
  local fewest=999999 before after
  for _ in 1 2 3; do
    before=$(statements)
    curl -sf -o /dev/null -H 'content-type: application/json' -H "Authorization: Bearer $first" \
      --data-binary "{\"query\":$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$work/pages/$1.graphql")}" "$url"
    after=$(statements)
    [ $((after - before)) -lt "$fewest" ] && fewest=$((after - before))
  done
  echo "$fewest"
}
run() { # name
  local count
  count=$(statements_of "$1")
  QUERY_FILE="$work/pages/$1.graphql" TOKENS="$tokens" wrk -t2 -c32 -d5s -s bench/rotate.lua "$url" >/dev/null
  printf '%-16s %s  (%s statements)\n' "$1" \
    "$(QUERY_FILE="$work/pages/$1.graphql" TOKENS="$tokens" wrk -t2 -c32 -d"$duration" -s bench/rotate.lua "$url" | tail -1)" \
    "$count"
}
printf '%-16s %s\n' healthz "$(wrk -t2 -c32 -d"$duration" "http://127.0.0.1:$port/healthz" | awk '/Requests\/sec/ {print "requests/s " int($2)}')"
for page in locker album store recommendations; do run "$page"; done
