#!/usr/bin/env bash
# Search at the issue's size, through the server and against PostgreSQL, on
# the same generated data in the same run:
#   - 20,000 artists, 100,000 albums, 1,000,000 tracks (imported through
#     importCatalogue) and 100,000 locker items over 1,000 users (inserted
#     with SQL), in PostgreSQL on 127.0.0.1;
#   - `cadenza reindex`: the index build rate from the database, and its size;
#   - POST /graphql search per query class with wrk (1 connection for
#     latency, then 16 for throughput);
#   - the same queries answered by PostgreSQL: ILIKE over the same text
#     (with a pg_trgm index) and tsvector @@ plainto_tsquery (GIN index,
#     ts_rank order), with pgbench, 1 client.
# The in-process figures come from `cargo bench -p cadenza-search`.
#
#   bench/search.sh            # DURATION=10s per run; SCALE=1 (0.1 for a tenth)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
scale="${SCALE:-1}"
port=18190
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="$target/release/cadenza"
fi
cargo build --release -p cadenza-search --example corpus --quiet
work="$(mktemp -d)"
"$target/release/examples/corpus" "$work/corpus" "$scale"

db="cadenza_search_bench_$$"
pg() { psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
pg -c "CREATE DATABASE $db" postgres
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn \
  CADENZA_SEED_DEMO=false DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" \
  CADENZA_MAX_UPLOAD_BYTES=1000000000
server=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$work"
  pg -c "DROP DATABASE IF EXISTS $db" postgres
}
trap cleanup EXIT
start() {
  "$CADENZA_BIN" serve & server=$!
  for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.5; done
  echo "the server did not start"; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }
gql() { curl -sf -H 'content-type: application/json' "$@" "http://127.0.0.1:$port/graphql"; }

"$CADENZA_BIN" create-user --email admin@bench.example --password "bench password" --role admin >/dev/null 2>&1
start
admin=$(gql -d '{"query":"mutation { login(email: \"admin@bench.example\", password: \"bench password\") { accessToken } }"}' \
  | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
token=$(gql -d '{"query":"mutation { register(input: {email: \"listener@bench.example\", password: \"bench password\", displayName: \"Listener\"}) { accessToken } }"}' \
  | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
started=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $admin" \
  -F operations='{"query":"mutation($file: Upload!) { importCatalogue(file: $file) { tracksUpserted } }","variables":{"file":null}}' \
  -F map='{"0":["variables.file"]}' -F 0=@"$work/corpus/feed.jsonl" \
  "http://127.0.0.1:$port/graphql" >"$work/import.json"
echo "import: $(cat "$work/import.json") in $(echo "$(date +%s.%N) - $started" | bc) s"
stop

# The lockers: 1,000 users (user 1 is the admin, 2 the listener) with SQL.
pg "$db" <<SQL
CREATE TEMP TABLE bench_locker (owner int, title text, artist text, album text, genre text);
\copy bench_locker FROM '$work/corpus/locker.tsv' WITH (FORMAT text)
INSERT INTO users (email, password_hash, display_name, role, created_at)
  SELECT 'user' || n || '@bench.example', 'x', 'User ' || n, 'customer', now()
  FROM generate_series(3, (SELECT max(owner) FROM bench_locker) + 2) AS n;
INSERT INTO blobs (storage_key, content_hash, size_bytes, created_at)
  SELECT 'bench/' || n, lpad(to_hex(n), 64, '0'), 1000, now()
  FROM generate_series(1, (SELECT count(*) FROM bench_locker)) AS n;
INSERT INTO locker_items (user_id, blob_id, source, title, artist, album, genre, duration_ms,
    format, mime_type, size_bytes, content_hash, exclude_from_taste_profile, added_at, updated_at)
  SELECT l.owner + 1, b.id, 'UPLOAD', l.title, l.artist, l.album, l.genre, 200000,
    'MP3', 'audio/mpeg', 1000, b.content_hash, false, now(), now()
  FROM (SELECT *, row_number() OVER () AS n FROM bench_locker) l
  JOIN blobs b ON b.storage_key = 'bench/' || l.n;
SQL
echo "locker items: $(pg -tA -c 'SELECT count(*) FROM locker_items' "$db")"

echo "--- index build from the database (cadenza reindex)"
"$CADENZA_BIN" reindex 2>&1 | tail -1
echo "index size: $(du -sh "$CADENZA_DATA_DIR/search" | cut -f1)"

start
classes=("1 word" "2 words" "3 words" "1 word, typo" "2 words, typo" "3 words, typo" "CJK substring")
echo "--- POST /graphql search (signed in, scope ALL, first 20, facets, highlights)"
for class in "${classes[@]}"; do
  CLASS="$class" QUERIES="$work/corpus/queries.tsv" TOKEN="$token" \
    wrk -t1 -c1 -d2s -s bench/search.lua "http://127.0.0.1:$port/graphql" >/dev/null
  printf "%-16s 1 conn:  " "$class"
  CLASS="$class" QUERIES="$work/corpus/queries.tsv" TOKEN="$token" \
    wrk -t1 -c1 -d"$duration" -s bench/search.lua "http://127.0.0.1:$port/graphql" | tail -1
  printf "%-16s 16 conn: " "$class"
  CLASS="$class" QUERIES="$work/corpus/queries.tsv" TOKEN="$token" \
    wrk -t2 -c16 -d"$duration" -s bench/search.lua "http://127.0.0.1:$port/graphql" | tail -1
done
stop

echo "--- PostgreSQL baseline on the same rows"
pg "$db" <<SQL
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE bench_docs AS
  SELECT t.id, 0 AS owner, t.title || ' ' || ar.name || ' ' || al.title AS doc
    FROM tracks t JOIN albums al ON al.id = t.album_id JOIN artists ar ON ar.id = al.artist_id
  UNION ALL SELECT al.id, 0, al.title || ' ' || ar.name FROM albums al JOIN artists ar ON ar.id = al.artist_id
  UNION ALL SELECT id, 0, name FROM artists
  UNION ALL SELECT id, user_id, title || ' ' || artist || ' ' || album FROM locker_items;
ALTER TABLE bench_docs ADD COLUMN tsv tsvector;
UPDATE bench_docs SET tsv = to_tsvector('simple', doc);
CREATE INDEX ON bench_docs USING gin (doc gin_trgm_ops);
CREATE INDEX ON bench_docs USING gin (tsv);
CREATE TABLE bench_queries (id serial PRIMARY KEY, class text, q text, patterns text[], tsq tsquery);
CREATE TEMP TABLE raw_queries (class text, q text);
\copy raw_queries FROM '$work/corpus/queries.tsv' WITH (FORMAT text)
INSERT INTO bench_queries (class, q, patterns, tsq)
  SELECT class, q, ARRAY(SELECT '%' || w || '%' FROM regexp_split_to_table(q, ' ') AS w),
    plainto_tsquery('simple', q) FROM raw_queries;
VACUUM ANALYZE bench_docs;
SQL
for class in "${classes[@]}"; do
  range=$(pg -tA -c "SELECT min(id) || ' ' || max(id) FROM bench_queries WHERE class = '$class'" "$db")
  set -- $range
  for kind in ilike tsvector; do
    if [ "$kind" = ilike ]; then
      sql="SELECT d.id FROM bench_docs d, bench_queries q WHERE q.id = :q AND d.doc ILIKE ALL (q.patterns) AND d.owner IN (0, 2) LIMIT 20;"
    else
      sql="SELECT d.id FROM bench_docs d, bench_queries q WHERE q.id = :q AND d.tsv @@ q.tsq AND d.owner IN (0, 2) ORDER BY ts_rank(d.tsv, q.tsq) DESC LIMIT 20;"
    fi
    printf '\\set q random(%s, %s)\n%s\n' "$1" "$2" "$sql" >"$work/pgbench.sql"
    rm -f "$work"/pgbench_log*
    (cd "$work" && pgbench -n -h 127.0.0.1 -U postgres -c1 -T "${duration%s}" -f pgbench.sql -l "$db" >/dev/null 2>&1)
    cat "$work"/pgbench_log* | awk '{print $3/1000}' | sort -n | awk -v class="$class" -v kind="$kind" \
      '{a[NR]=$1} END {printf "%-16s %-9s p50 %8.2f ms  p99 %8.2f ms  (%d queries)\n", class, kind, a[int(NR*0.5)+1], a[int(NR*0.99)], NR}'
  done
done
