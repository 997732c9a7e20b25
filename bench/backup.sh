#!/usr/bin/env bash
# Backup and restore of a collection, against `cp -r` of the same files,
# and a locker page's latency while the backup runs (release build, SQLite,
# local storage):
#   - ITEMS (default 10000) uploads of SIZE_KB (default 500) of generated
#     audio each, over 8 listeners, uploaded through the API;
#   - `cp -r` of the data dir (page cache warm for both);
#   - `cadenza backup` into a new directory with no traffic, then again
#     into another while wrk reads one listener's
#     locker page (50 items) at 8 connections; then a second backup into the
#     same directory (incremental: nothing new to copy);
#   - `cadenza restore` into a new data dir.
# Needs curl, python3 and wrk (Debian packages), and ITEMS * SIZE_KB * 3 of
# free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
port=18196
items="${ITEMS:-10000}"
size_kb="${SIZE_KB:-500}"
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
work="$(mktemp -d -p "${BENCH_DIR:-/tmp}" bench-backup.XXXX)"
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn CADENZA_SEED_DEMO=false
export CADENZA_RATE_USER_MUTATIONS=1000000 CADENZA_RATE_REGISTRATIONS=1000000
export CADENZA_QUOTA_BYTES=$((items * size_kb * 1024 * 2))
"$CADENZA_BIN" serve &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port/graphql"
now() { date +%s.%N; }
secs() { python3 -c "print(round($2 - $1, 2))"; }

tokens=()
for n in $(seq 0 7); do
  tokens+=("$(curl -sf -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { register(input: {email: \\\"l$n@example.com\\\", password: \\\"bench password\\\", displayName: \\\"L$n\\\"}) { accessToken } }\"}" \
    "$url" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')")
done
echo "uploading $items items of $size_kb KB over 8 listeners"
python3 - "$work" "$items" "$size_kb" <<'PY'
import os, struct, sys
work, items, size_kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(os.path.join(work, "files"))
for i in range(items):
    fmt = struct.pack("<HHIIHH", 1, 2, 44100, 44100 * 4, 4, 16)
    data = os.urandom(size_kb * 1024)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    with open(os.path.join(work, "files", f"{i % 8}-{i:05}.wav"), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
upload() { # file
  n=$(basename "$1" | cut -d- -f1)
  token_var="T$n"
  curl -sf -H "Authorization: Bearer ${!token_var}" \
    -F operations='{"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id } }","variables":{"f":null}}' \
    -F map='{"0":["variables.f"]}' -F "0=@$1" "$url" >/dev/null
}
for n in $(seq 0 7); do export "T$n=${tokens[$n]}"; done
export -f upload
export url
start=$(now)
ls "$work"/files/*.wav | xargs -P 4 -I{} bash -c 'upload "$1"' _ {}
echo "  uploaded in $(secs "$start" "$(now)") s"
rm -rf "$work/files"
bytes=$(du -sb "$work/data" | cut -f1)
mb=$(python3 -c "print(round($bytes / 1e6))")
cat "$work"/data/blobs/*/* > /dev/null 2>&1 || find "$work/data/blobs" -type f -exec cat {} + > /dev/null

start=$(now); cp -r "$work/data" "$work/copy"; sync; end=$(now)
cp_s=$(secs "$start" "$end")
echo "cp -r of the data dir ($mb MB): $cp_s s ($(python3 -c "print(round($mb / $cp_s))") MB/s)"
rm -rf "$work/copy"

start=$(now); "$CADENZA_BIN" backup --to "$work/quiet" >/dev/null 2>&1; end=$(now)
quiet_s=$(secs "$start" "$end")
echo "cadenza backup with no traffic: $quiet_s s ($(python3 -c "print(round($mb / $quiet_s))") MB/s, $(python3 -c "print(round($cp_s / $quiet_s, 2))")x of cp)"
rm -rf "$work/quiet"

cat > "$work/locker.graphql" <<'Q'
{ viewer { locker { items(first: 50) { totalCount nodes { id title artist album durationMs format streamUrl } } } } }
Q
echo -n "locker page (c8) with no backup running:  "
QUERY_FILE="$work/locker.graphql" TOKEN="${tokens[0]}" wrk -t2 -c8 -d5s -s bench/page.lua "http://127.0.0.1:$port/graphql" | tail -1
QUERY_FILE="$work/locker.graphql" TOKEN="${tokens[0]}" wrk -t2 -c8 -d60s -s bench/page.lua "http://127.0.0.1:$port/graphql" > "$work/during.txt" &
wrk_pid=$!
sleep 1
start=$(now); "$CADENZA_BIN" backup --to "$work/backup"; end=$(now)
backup_s=$(secs "$start" "$end")
kill -INT "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true
echo "cadenza backup ($mb MB): $backup_s s ($(python3 -c "print(round($mb / $backup_s))") MB/s, $(python3 -c "print(round($cp_s / $backup_s, 2))")x of cp)"
echo "locker page (c8) while the backup ran:    $(tail -1 "$work/during.txt")"
start=$(now); "$CADENZA_BIN" backup --to "$work/backup"; end=$(now)
echo "a second backup into the same directory: $(secs "$start" "$end") s"
start=$(now); "$CADENZA_BIN" restore --from "$work/backup" --to "$work/restored"; end=$(now)
restore_s=$(secs "$start" "$end")
echo "cadenza restore: $restore_s s ($(python3 -c "print(round($mb / $restore_s))") MB/s)"
