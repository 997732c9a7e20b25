#!/usr/bin/env bash
# Personal pages at service scale (SQLite, release build): one listener's
# newest-first locker page (50 of their 300 items) and the signed-in
# best-selling store page (20 products with `ownedByViewer`), each with
# wrk at one connection:
#   1. on a service that holds only that listener and the demo catalogue;
#   2. once 1,000 other listeners hold 300,000 items and the catalogue
#      500,000 products;
#   3. the same, with the per-listener and store indexes dropped (how it
#      was before migration m20261205_000810), for comparison.
# Each step prints the statement's `EXPLAIN QUERY PLAN`.
#
#   bench/scale.sh            # SECONDS_EACH (default 10) per measurement
# Needs curl, python3, sqlite3 and wrk (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
port=18195
seconds="${SECONDS_EACH:-10}"
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
work="$(mktemp -d)"
db="$work/data/cadenza.sqlite3"
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn
# The demo's background work (drawing artwork, making audio) is not what
# is measured here.
export CADENZA_CATALOGUE_ARTWORK=false CADENZA_DEMO_AUDIO=false
export CADENZA_RATE_USER_MUTATIONS=1000000
server=""
start() {
  "$CADENZA_BIN" serve &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start" >&2; exit 1
}
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT
"$CADENZA_BIN" seed-demo >/dev/null
start
url="http://127.0.0.1:$port/graphql"
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"query":"mutation { register(input: {email: \"listener@example.com\", password: \"bench password\", displayName: \"Bench\"}) { accessToken } }"}' \
  "$url" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')

python3 - "$work" <<'PY'
import os, struct, sys
out = os.path.join(sys.argv[1], "small")
os.makedirs(out)
for i in range(300):
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    data = os.urandom(1600)
    info = b"INFO"
    for key, value in {"INAM": f"Song {i}", "IART": f"Artist {i % 20}", "IPRD": f"Album {i % 30}", "ITRK": str(i % 12 + 1)}.items():
        text = value.encode() + b"\0"
        text += b"\0" * (len(text) % 2)
        info += key.encode() + struct.pack("<I", len(text)) + text
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    body += b"LIST" + struct.pack("<I", len(info)) + info
    with open(os.path.join(out, f"{i:03}.wav"), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
upload() {
  curl -sf -H "Authorization: Bearer $token" \
    -F operations='{"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id } }","variables":{"f":null}}' \
    -F map='{"0":["variables.f"]}' -F "0=@$1" "$url" >/dev/null
}
export -f upload
export token url
ls "$work"/small/*.wav | xargs -P 4 -I{} bash -c 'upload "$1"' _ {}

cat > "$work/locker.graphql" <<'Q'
{ viewer { locker { items(first: 50) { totalCount nodes { id title artist album trackNumber durationMs format streamUrl } } } } }
Q
cat > "$work/store.graphql" <<'Q'
{ products(first: 20, sort: BEST_SELLING) { totalCount nodes { id title price { formatted } ownedByViewer } } }
Q
locker_sql="SELECT * FROM locker_items WHERE user_id = 1 ORDER BY added_at DESC, id DESC LIMIT 50"
store_sql="SELECT products.id FROM products JOIN albums a ON products.album_id = a.id LEFT JOIN tracks t ON products.track_id = t.id WHERE available = 1 ORDER BY sales_count DESC, products.id LIMIT 20"
measure() { # label
  echo "== $1"
  for page in locker store; do
    printf '  %-7s c1: ' "$page"
    QUERY_FILE="$work/$page.graphql" TOKEN="$token" wrk -t1 -c1 -d"${seconds}s" -s bench/page.lua "$url" | tail -1
  done
  stop
  echo "  plan of the locker page: $(sqlite3 "$db" "EXPLAIN QUERY PLAN $locker_sql" | tr '\n' ' ')"
  echo "  plan of the store page:  $(sqlite3 "$db" "EXPLAIN QUERY PLAN $store_sql" | tr '\n' ' ')"
}
measure "1 listener (300 items), demo catalogue ($(sqlite3 "$db" 'SELECT COUNT(*) FROM products') products)"

echo "filling: 1,000 other listeners with 300 items each, and 500,000 products"
sqlite3 "$db" <<'SQL'
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO users (email, password_hash, display_name, role, created_at)
SELECT 'other' || i || '@example.com', password_hash, 'Other', role, created_at
FROM n, users WHERE users.email = 'listener@example.com';
INSERT INTO locker_items (user_id, blob_id, source, title, artist, album, album_artist, genre,
  track_number, disc_number, year, isrc, duration_ms, format, mime_type, bitrate_kbps,
  sample_rate_hz, channels, size_bytes, content_hash, catalogue_track_id,
  exclude_from_taste_profile, added_at, updated_at, cover_key, cover_mime_type)
SELECT u.id, l.blob_id, l.source, l.title, l.artist, l.album, l.album_artist, l.genre,
  l.track_number, l.disc_number, l.year, l.isrc, l.duration_ms, l.format, l.mime_type,
  l.bitrate_kbps, l.sample_rate_hz, l.channels, l.size_bytes, l.content_hash,
  l.catalogue_track_id, l.exclude_from_taste_profile, l.added_at, l.updated_at, NULL, NULL
FROM users u, locker_items l
WHERE u.email LIKE 'other%' AND l.user_id = (SELECT id FROM users WHERE email = 'listener@example.com');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 340)
INSERT INTO products (sku, kind, album_id, track_id, price_minor, currency, audio_format,
  available, sales_count, rating_count, rating_sum, created_at, updated_at)
SELECT sku || '~' || i, kind, album_id, track_id, price_minor, currency, audio_format,
  available, (sales_count * 7 + i) % 4999, rating_count, rating_sum, created_at, updated_at
FROM n, products WHERE products.sku NOT LIKE '%~%';
COMMIT;
SQL
echo "  $(sqlite3 "$db" 'SELECT COUNT(*) FROM locker_items') locker items, $(sqlite3 "$db" 'SELECT COUNT(*) FROM products') products"
start
measure "at service scale"

sqlite3 "$db" "DROP INDEX idx_locker_items_user_added; DROP INDEX idx_locker_items_user_title;
  DROP INDEX idx_locker_items_user_artist_album; DROP INDEX idx_products_sales; DROP INDEX idx_products_price;"
start
measure "at service scale, without the indexes of m20261205_000810"
