#!/usr/bin/env bash
# viewer.recommendations(first: 10) through POST /graphql at 32 connections
# (wrk, 2 threads, bench/recommendations.lua), release build, on the
# recompute benchmark's population (api/examples/recs_population.rs: 50,000
# listeners, 1,000,000 plays, 100,000 purchases, 100,000 products) after a
# recompute, signed in as a new listener given a copy of generated
# listener 1's 20 plays.
#
#   bench/recommendations.sh sqlite            # the embedded default
#   bench/recommendations.sh postgres          # DATABASE_URL on 127.0.0.1, plus Redis
#
# DURATION (default 20s) sets the run's length. RECS_DATA_DIR (SQLite only)
# keeps the populated, recomputed database in that folder and reuses it on
# the next run (the population takes a while to write). PROFILE=1 also
# records the server with `perf record -g` during the run, into
# $RECS_DATA_DIR/perf.data or ./perf.data, and prints the top frames.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
duration="${DURATION:-20s}"
port=18200
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }

target="${CARGO_TARGET_DIR:-target}"
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release --quiet -p cadenza-api --bin cadenza --example recs_population
  CADENZA_BIN="$target/release/cadenza"
fi
population="$target/release/examples/recs_population"
[ -x "$population" ] || cargo build --release --quiet -p cadenza-api --example recs_population

keep=""
if [ -n "${RECS_DATA_DIR:-}" ] && [ "$backend" = sqlite ]; then
  data_dir="$RECS_DATA_DIR"
  keep=1
  mkdir -p "$data_dir"
else
  data_dir="$(mktemp -d)"
fi
export CADENZA_DATA_DIR="$data_dir" CADENZA_BIND="127.0.0.1:$port" CADENZA_SEED_DEMO=false RUST_LOG=warn
if [ "$backend" = postgres ]; then
  db="cadenza_recs_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL="redis://127.0.0.1:6379"
  sql() { psql -qtA -h 127.0.0.1 -U postgres -c "$1" "$db"; }
else
  sql() { sqlite3 "$data_dir/cadenza.sqlite3" "$1"; }
fi
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  [ -n "$keep" ] || rm -rf "$data_dir"
  if [ "$backend" = postgres ]; then psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres; fi
}
trap cleanup EXIT

email="recs-bench@example.com"
password="recs bench password"
if [ -z "$keep" ] || [ ! -f "$data_dir/populated" ]; then
  "$population"
  "$CADENZA_BIN" recompute-recommendations
  if [ "$backend" = postgres ]; then
    # The population writes its rows with their ids: move the sequences on.
    for table in users plays; do
      sql "SELECT setval(pg_get_serial_sequence('$table', 'id'), (SELECT max(id) FROM $table))" >/dev/null
    done
  fi
  "$CADENZA_BIN" create-user --email "$email" --password "$password" --role customer >/dev/null
  listener=$(sql "SELECT id FROM users WHERE email = '$email'")
  sql "INSERT INTO plays (user_id, track_id, stats_track_id, ms_played, completed, excluded, played_at)
       SELECT $listener, track_id, stats_track_id, ms_played, completed, excluded, played_at
       FROM plays WHERE user_id = 1 ORDER BY id"
  [ -z "$keep" ] || touch "$data_dir/populated"
fi
echo "the listener has $(sql "SELECT count(*) FROM plays p JOIN users u ON u.id = p.user_id WHERE u.email = '$email'") plays"

"$CADENZA_BIN" serve &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port/graphql"
token=$(curl -sf -H 'content-type: application/json' \
  -d "{\"query\":\"mutation { login(email: \\\"$email\\\", password: \\\"$password\\\") { accessToken } }\"}" "$url" |
  sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
[ -n "$token" ] || { echo "login failed"; exit 1; }
export TOKEN="$token"

# One request alone, five times, and what it answers.
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/recommendations.lua)
for _ in 1 2 3 4 5; do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'content-type: application/json' \
    -H "Authorization: Bearer $token" -d "$body" "$url"
done | awk '{printf "one request alone: %.1f ms\n", $1 * 1000}'
curl -s -H 'content-type: application/json' -H "Authorization: Bearer $token" -d "$body" "$url" |
  grep -o '"reason":"[^"]*"' | sort | uniq -c

statements() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^cadenza_sql_statements_total/ {print $2}'; }
before=$(statements)
curl -s -o /dev/null -H 'content-type: application/json' -H "Authorization: Bearer $token" -d "$body" "$url"
echo "SQL statements for one request: $(( $(statements) - before ))"

echo "backend: $backend, load: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t2 -c32 -d5s -s bench/recommendations.lua "$url" >/dev/null # warm-up
if [ "${PROFILE:-}" = 1 ]; then
  perf_data="${RECS_DATA_DIR:-.}/perf.data"
  perf record -g -o "$perf_data" -p "$server" 2>/dev/null &
  perf_pid=$!
fi
wrk -t2 -c32 -d"$duration" -s bench/recommendations.lua "$url" | grep -E "Requests/sec|p50"
if [ "${PROFILE:-}" = 1 ]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf report -i "$perf_data" --no-children --percent-limit 1.5 --stdio 2>/dev/null |
    grep -E '^ +[0-9.]+%' | head -40
fi
