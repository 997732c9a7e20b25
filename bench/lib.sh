# Shared by the benchmarks that start a server: sourced, not run.
#
#   bench_setup BACKEND PORT   # BACKEND: sqlite (default) or postgres
#
# sets CADENZA_BIN (the release build of this tree unless given), a fresh
# data dir in $work, the server's address in $url, and for PostgreSQL a
# fresh database ($db) with DATABASE_URL and REDIS_URL; everything goes
# at exit. Then `start` / `stop` the server, `sql` runs a statement (or a
# script on stdin) on its database, `gql` posts to /graphql.

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
