# Shared by the benchmarks that start a server: sourced, not run.
#
#   bench_setup BACKEND PORT   # BACKEND: sqlite (default) or postgres
#
# sets CADENZA_BIN (the release build of this tree unless given), a fresh
# data dir in $work, the server's address in $url, and for PostgreSQL a
# fresh database ($db) with DATABASE_URL and REDIS_URL; everything goes
# at exit. Then `start` / `stop` the server, `sql` runs a statement (or a
# script on stdin) on its database, `gql` posts to /graphql,
# `upload_tagged` gives a listener tagged files through the API and
# `copy_locker` copies one listener's locker to others with SQL.

bench_setup() {
  backend="${1:-sqlite}"
  port="$2"
  command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
  if [ -z "${CADENZA_BIN:-}" ]; then
    cargo build --release -p cadenza-api --quiet
    CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
  fi
  work="$(mktemp -d)"
  export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn
  # The demo's background work (drawing artwork, making audio) is not what
  # is measured.
  export CADENZA_CATALOGUE_ARTWORK=false CADENZA_DEMO_AUDIO=false
  export CADENZA_RATE_USER_MUTATIONS=1000000
  url="http://127.0.0.1:$port/graphql"
  server=""
  db=""
  case "$backend" in
    sqlite) ;;
    postgres)
      db="cadenza_bench_$$"
      psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
      export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL="redis://127.0.0.1:6379"
      ;;
    *) echo "backend: sqlite or postgres, not $backend" >&2; exit 2 ;;
  esac
  trap bench_cleanup EXIT
}

sql() {
  if [ "$backend" = postgres ]; then
    psql -qtA -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$db" ${1:+-c "$1"}
  else
    # The server may hold the write lock for a moment: wait for it.
    sqlite3 -bail -cmd ".timeout 10000" "$work/data/cadenza.sqlite3" ${1:+"$1"}
  fi
}

start() {
  "$CADENZA_BIN" serve &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start" >&2
  exit 1
}

stop() {
  [ -n "$server" ] || return 0
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}

bench_cleanup() {
  stop
  rm -rf "$work"
  if [ -n "$db" ]; then psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres; fi
}

gql() { curl -sf -H 'content-type: application/json' "$@" "$url"; }

# upload_tagged TOKEN COUNT: COUNT one-second tagged WAV files (50 artists,
# 100 albums, three genres), uploaded 4 at a time as the listener TOKEN.
upload_tagged() {
  python3 - "$work/files" "$2" <<'PY'
import os, struct, sys
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
for i in range(count):
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    data = os.urandom(1600)
    info = b"INFO"
    tags = {"INAM": f"Song {i}", "IART": f"Artist {i % 50}", "IPRD": f"Album {i % 100}",
            "ITRK": str(i // 100 + 1), "IGNR": ["Rock", "Jazz", "Folk"][i % 3]}
    for key, value in tags.items():
        text = value.encode() + b"\0"
        text += b"\0" * (len(text) % 2)
        info += key.encode() + struct.pack("<I", len(text)) + text
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    body += b"LIST" + struct.pack("<I", len(info)) + info
    with open(os.path.join(out, f"{i:05}.wav"), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
  upload() {
    curl -sf -H "Authorization: Bearer $upload_token" \
      -F operations='{"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id } }","variables":{"f":null}}' \
      -F map='{"0":["variables.f"]}' -F "0=@$1" "$url" >/dev/null
  }
  export -f upload
  export upload_token="$1" url
  find "$work/files" -name '*.wav' | xargs -P 4 -I{} bash -c 'upload "$1"' _ {}
}

# copy_locker FROM CONDITION: copies the locker of the listener with id
# FROM to every user `u` that CONDITION (SQL on `u`) holds for.
copy_locker() {
  sql "INSERT INTO locker_items (user_id, blob_id, source, title, artist, album, album_artist, genre,
  track_number, disc_number, year, isrc, duration_ms, format, mime_type, bitrate_kbps,
  sample_rate_hz, channels, size_bytes, content_hash, catalogue_track_id,
  exclude_from_taste_profile, cover_key, cover_mime_type, added_at, updated_at,
  artist_key, album_artist_key, album_key, starred_at, rating)
SELECT u.id, l.blob_id, l.source, l.title, l.artist, l.album, l.album_artist, l.genre,
  l.track_number, l.disc_number, l.year, l.isrc, l.duration_ms, l.format, l.mime_type,
  l.bitrate_kbps, l.sample_rate_hz, l.channels, l.size_bytes, l.content_hash,
  l.catalogue_track_id, l.exclude_from_taste_profile, NULL, NULL, l.added_at, l.updated_at,
  l.artist_key, l.album_artist_key, l.album_key, l.starred_at, l.rating
FROM users u, locker_items l
WHERE ($2) AND l.user_id = $1"
}
