#!/usr/bin/env bash
# Personal pages at service scale: one listener's pages on a service that
# holds only them and the demo catalogue, then once 999 other listeners
# hold as much as they do and the catalogue holds a million products. Each
# page is signed in, wrk at one connection, SECONDS_EACH (default 5) s.
#
#   bench/scale.sh sqlite      # the embedded default
#   bench/scale.sh postgres    # a fresh database on 127.0.0.1, plus Redis
#
# The listener uploads ITEMS (default 1,000) tagged files through the API
# (50 artists, 100 albums), plays each once and buys three products. The
# fill copies them to LISTENERS - 1 others (default 1,000 listeners in
# all: 1,000,000 locker items and plays) and copies the demo catalogue
# (artists, albums, tracks, products, each with new ids) until it holds
# PRODUCTS (default 1,000,000) products. Store pages ask `ownedByViewer`,
# which the shared response cache cannot answer; then the anonymous
# best-selling page, which it can, and the page in the middle of the
# best-selling list, after a cursor and by offset.
# Needs curl, python3, wrk and sqlite3 or psql (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup "${1:-sqlite}" 18195
seconds="${SECONDS_EACH:-5}"
items="${ITEMS:-1000}"
listeners="${LISTENERS:-1000}"
products="${PRODUCTS:-1000000}"

"$CADENZA_BIN" seed-demo >/dev/null
start
token=$(gql -d '{"query":"mutation { register(input: {email: \"listener@example.com\", password: \"bench password\", displayName: \"Bench\"}) { accessToken } }"}' \
  | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')

upload_tagged "$token" "$items"
listener=$(sql "SELECT id FROM users WHERE email = 'listener@example.com'")
sql "INSERT INTO plays (user_id, locker_item_id, ms_played, completed, excluded, played_at)
     SELECT user_id, id, 30000, true, false, added_at FROM locker_items WHERE user_id = $listener"
# Three purchases, through the cart and checkout.
for sort in NEWEST BEST_SELLING PRICE_ASC; do
  product=$(gql -d "{\"query\":\"{ products(first: 1, sort: $sort, filter: {kind: ALBUM}) { nodes { id } } }\"}" \
    | sed -E 's/.*"id":"([^"]+)".*/\1/')
  gql -H "Authorization: Bearer $token" \
    -d "{\"query\":\"mutation { addToCart(productId: \\\"$product\\\") { itemCount } }\"}" >/dev/null
  gql -H "Authorization: Bearer $token" \
    -d "{\"query\":\"mutation { checkout(idempotencyKey: \\\"bench-$sort\\\") { id } }\"}" >/dev/null
done
genre=$(gql -d '{"query":"{ genres { name } }"}' | sed -E 's/.*"name":"([^"]+)".*/\1/')
artist=$(gql -d '{"query":"{ artists(first: 1) { nodes { id } } }"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')
album=$(gql -d '{"query":"{ albums(first: 1) { nodes { id } } }"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')

mkdir -p "$work/pages"
page() { printf '%s\n' "$2" > "$work/pages/$1.graphql"; order+=("$1"); }
order=()
store_fields='totalCount nodes { id title price { formatted } ownedByViewer }'
page locker "{ viewer { locker { items(first: 50) { totalCount nodes { id title artist album trackNumber durationMs format streamUrl } } } } }"
page locker-title "{ viewer { locker { items(first: 50, sort: TITLE) { totalCount nodes { id title artist } } } } }"
page locker-artist "{ viewer { locker { items(first: 50, filter: {artist: \"Artist 7\"}) { totalCount nodes { id title } } } } }"
page locker-albums "{ viewer { locker { artists(first: 20) { totalCount nodes { name } } albums(first: 20) { totalCount nodes { title trackCount } } } } }"
page played "{ viewer { recentlyPlayed(first: 20) { playedAt msPlayed item { ... on LockerItem { title } } } } }"
page orders "{ viewer { cart { itemCount } orders(first: 20) { totalCount nodes { id } } } }"
page album "{ album(id: \"$album\") { title product { price { formatted } ownedByViewer } tracks { title product { price { formatted } ownedByViewer } } } }"
for sort in NEWEST BEST_SELLING PRICE_ASC PRICE_DESC TOP_RATED; do
  page "store-$sort" "{ products(first: 20, sort: $sort) { $store_fields } }"
done
page store-genre "{ products(first: 20, filter: {genre: \"$genre\"}) { $store_fields } }"
page store-genre-sales "{ products(first: 20, sort: BEST_SELLING, filter: {genre: \"$genre\"}) { $store_fields } }"
page store-albums "{ products(first: 20, filter: {kind: ALBUM}) { $store_fields } }"
page store-artist "{ products(first: 20, filter: {artistId: \"$artist\"}) { $store_fields } }"
page store-anonymous "{ products(first: 20, sort: BEST_SELLING) { totalCount nodes { id title price { formatted } } } }"
# The page in the middle of the best-selling list: after a cursor that
# names the product before it (read from there in the index), and after
# one that only counts (by offset, as cursors were before 2026-12-06).
middle_pages() {
  local at id cursor
  at=$(( $(sql "SELECT COUNT(*) FROM products WHERE available") / 2 - 1 ))
  id=$(sql "SELECT id FROM products WHERE available ORDER BY sales_count DESC, id LIMIT 1 OFFSET $at")
  cursor() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
  printf '%s\n' "{ products(first: 20, sort: BEST_SELLING, after: \"$(cursor "cursor:$at:sales:$id")\") { $store_fields } }" \
    > "$work/pages/store-middle.graphql"
  printf '%s\n' "{ products(first: 20, sort: BEST_SELLING, after: \"$(cursor "cursor:$at")\") { $store_fields } }" \
    > "$work/pages/store-middle-by-offset.graphql"
}
middle_pages
order+=(store-middle store-middle-by-offset)

declare -A result
measure() { # column
  for name in "${order[@]}"; do
    local signed_in="$token"
    [ "$name" = store-anonymous ] && signed_in=""
    result[$1,$name]=$(QUERY_FILE="$work/pages/$name.graphql" TOKEN="$signed_in" \
      wrk -t1 -c1 -d"${seconds}s" -s bench/page.lua "$url" | tail -1)
    echo "  $name: ${result[$1,$name]}"
  done
}
echo "== $backend: 1 listener ($(sql "SELECT COUNT(*) FROM locker_items") items), $(sql "SELECT COUNT(*) FROM products") products"
measure small
stop

echo "filling: $((listeners - 1)) other listeners, and the catalogue to $products products"
started=$(date +%s)
ar=$(sql "SELECT MAX(id) FROM artists"); al=$(sql "SELECT MAX(id) FROM albums")
tr=$(sql "SELECT MAX(id) FROM tracks"); pr=$(sql "SELECT MAX(id) FROM products")
copies=$(( (products + $(sql "SELECT COUNT(*) FROM products") - 1) / $(sql "SELECT COUNT(*) FROM products") - 1 ))
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((listeners - 1)))
INSERT INTO users (email, password_hash, display_name, role, created_at)
SELECT 'other' || i || '@example.com', password_hash, 'Other', role, created_at
FROM n, users WHERE users.id = $listener"
copy_locker "$listener" "u.email LIKE 'other%'"
sql <<SQL
BEGIN;
INSERT INTO plays (user_id, locker_item_id, ms_played, completed, excluded, played_at)
SELECT user_id, id, 30000, true, false, added_at FROM locker_items WHERE user_id <> $listener;
INSERT INTO orders (number, user_id, idempotency_key, status, total_minor, currency,
  payment_reference, created_at, paid_at, refunded_at)
SELECT o.number || '-' || u.id, u.id, o.idempotency_key, o.status, o.total_minor, o.currency,
  o.payment_reference, o.created_at, o.paid_at, o.refunded_at
FROM users u, orders o WHERE u.email LIKE 'other%' AND o.user_id = $listener;
INSERT INTO entitlements (user_id, product_id, order_id, created_at)
SELECT u.id, e.product_id, e.order_id, e.created_at
FROM users u, entitlements e WHERE u.email LIKE 'other%' AND e.user_id = $listener;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $copies)
INSERT INTO artists (id, external_id, name, popularity, created_at, updated_at)
SELECT id + k * $ar, external_id || '~' || k, name || ' ' || k, popularity, created_at, updated_at
FROM n, artists WHERE id <= $ar;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $copies)
INSERT INTO albums (id, external_id, artist_id, title, release_year, genre, cover_url,
  artwork_key, artwork_source, artwork_attempts, artwork_retry_at, created_at, updated_at)
SELECT id + k * $al, external_id || '~' || k, artist_id + k * $ar, title, release_year, genre,
  NULL, artwork_key, artwork_source, artwork_attempts, artwork_retry_at, created_at, updated_at
FROM n, albums WHERE id <= $al;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $copies)
INSERT INTO tracks (id, external_id, album_id, title, track_number, disc_number, duration_ms,
  genre, isrc, preview_start_ms, popularity, master_blob_id, master_format, master_mime_type,
  master_bitrate_kbps, master_sample_rate_hz, master_channels, title_key, created_at, updated_at)
SELECT id + k * $tr, external_id || '~' || k, album_id + k * $al, title, track_number,
  disc_number, duration_ms, genre, NULL, preview_start_ms, popularity, master_blob_id,
  master_format, master_mime_type, master_bitrate_kbps, master_sample_rate_hz, master_channels,
  title_key, created_at, updated_at
FROM n, tracks WHERE id <= $tr;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $copies)
INSERT INTO products (id, sku, kind, album_id, track_id, price_minor, currency, audio_format,
  available, sales_count, rating_count, rating_sum, created_at, updated_at, listing_genre,
  artist_id, release_year)
SELECT id + k * $pr, sku || '~' || k, kind, album_id + k * $al, track_id + k * $tr, price_minor,
  currency, audio_format, available, (sales_count * 7 + k) % 4999, rating_count, rating_sum,
  created_at, updated_at, listing_genre, artist_id + k * $ar, release_year
FROM n, products WHERE id <= $pr;
COMMIT;
SQL
if [ "$backend" = postgres ]; then
  for table in artists albums tracks products; do
    sql "SELECT setval(pg_get_serial_sequence('$table', 'id'), (SELECT MAX(id) FROM $table))" >/dev/null
  done
  sql "ANALYZE" >/dev/null
fi
echo "  in $(( $(date +%s) - started )) s: $(sql "SELECT COUNT(*) FROM users") listeners," \
  "$(sql "SELECT COUNT(*) FROM locker_items") locker items, $(sql "SELECT COUNT(*) FROM plays") plays," \
  "$(sql "SELECT COUNT(*) FROM products") products"
middle_pages
start
echo "== $backend at service scale"
measure large

echo
echo "| page | 1 listener, demo catalogue: req/s (p50 / p99 ms) | $listeners listeners, $(sql "SELECT COUNT(*) FROM products") products | p50 ratio |"
echo "|---|---|---|---|"
for name in "${order[@]}"; do
  row() { awk '{printf "%s (%s / %s)", $2, $4, $7}' <<<"$1"; }
  p50() { awk '{print $4}' <<<"$1"; }
  ratio=$(awk -v a="$(p50 "${result[small,$name]}")" -v b="$(p50 "${result[large,$name]}")" 'BEGIN {printf "%.2f", b / a}')
  echo "| $name | $(row "${result[small,$name]}") | $(row "${result[large,$name]}") | $ratio |"
done
