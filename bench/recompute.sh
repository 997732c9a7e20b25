#!/usr/bin/env bash
# The recommendation recompute over 1,000,000 plays and 100,000 purchases
# by 50,000 listeners on a 100,000-product catalogue (planted tastes, see
# api/examples/recs_population.rs): the job's own timings, and the wall
# time and peak RSS of `cadenza recompute-recommendations` (/usr/bin/time -v).
# It runs twice: the first run also fills in track title keys at migration.
#
#   bench/recompute.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p cadenza-api --bin cadenza --example recs_population
data_dir="$(mktemp -d)"
export CADENZA_DATA_DIR="$data_dir" CADENZA_SEED_DEMO=false RUST_LOG=warn
if [ "$backend" = postgres ]; then
  db="cadenza_recs_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
fi
cleanup() {
  rm -rf "$data_dir"
  if [ "$backend" = postgres ]; then psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" postgres; fi
}
trap cleanup EXIT
"$target/release/examples/recs_population"
for run in 1 2; do
  echo "run $run:"
  /usr/bin/time -v "$target/release/cadenza" recompute-recommendations 2>&1 |
    grep -E "cadenza:|Elapsed|Maximum resident"
done
