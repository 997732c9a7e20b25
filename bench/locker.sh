#!/usr/bin/env bash
# Locker benchmarks against the release build, on this machine's disk:
#  - upload of a 200 MB file against `cp` of the same file, and the server's
#    peak memory (VmHWM) before and after;
#  - ingest rate of 1,000 small tagged files (4 uploads at a time);
#  - streaming one large file, and 64 concurrent 256 KiB range requests
#    (wrk, 20 s), against nginx serving the same file from disk.
# Needs curl, python3, wrk and nginx (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
port=18182
nginx_port=18183
if [ -z "${CADENZA_BIN:-}" ]; then
  cargo build --release -p cadenza-api --quiet
  CADENZA_BIN="${CARGO_TARGET_DIR:-target}/release/cadenza"
fi
work="$(mktemp -d -p "$PWD" bench-locker.XXXX)"
export CADENZA_DATA_DIR="$work/data" CADENZA_BIND="127.0.0.1:$port" RUST_LOG=warn CADENZA_SEED_DEMO=false
"$CADENZA_BIN" serve &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"query":"mutation { register(input: {email: \"bench@example.com\", password: \"bench password\", displayName: \"Bench\"}) { accessToken } }"}' \
  "http://127.0.0.1:$port/graphql" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
hwm() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
now() { date +%s.%N; }
rate() { python3 -c "print(round($1 / ($3 - $2), 1))"; }

python3 - "$work" <<'PY'
import os, struct, sys
work = sys.argv[1]
def wav(path, data, tags=None):
    fmt = struct.pack("<HHIIHH", 1, 2, 44100, 44100 * 4, 4, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    if tags:
        info = b"INFO"
        for key, value in tags.items():
            text = value.encode() + b"\0"
            if len(text) % 2:
                text += b"\0"
            info += key.encode() + struct.pack("<I", len(text)) + text
        body += b"LIST" + struct.pack("<I", len(info)) + info
    with open(path, "wb") as out:
        out.write(b"RIFF" + struct.pack("<I", len(body)) + body)
wav(os.path.join(work, "big.wav"), os.urandom(200 * 1000 * 1000))
os.makedirs(os.path.join(work, "small"))
for i in range(1000):
    wav(os.path.join(work, "small", f"{i:04}.wav"), os.urandom(44100),
        {"INAM": f"Song {i}", "IART": f"Artist {i % 50}", "IPRD": f"Album {i % 200}", "ITRK": str(i % 12 + 1)})
PY
size=$(stat -c %s "$work/big.wav")
mb=$(python3 -c "print($size / 1e6)")
cat "$work/big.wav" > /dev/null # in the page cache for both runs

start=$(now); cp "$work/big.wav" "$work/copy.wav"; sync "$work/copy.wav"; end=$(now)
echo "cp of $mb MB: $(rate "$mb" "$start" "$end") MB/s"
rm "$work/copy.wav"

upload() { # file
  curl -sf -H "Authorization: Bearer $token" \
    -F operations='{"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id streamUrl sizeBytes } }","variables":{"f":null}}' \
    -F map='{"0":["variables.f"]}' -F "0=@$1" "http://127.0.0.1:$port/graphql"
}
echo "server peak RSS before: $(hwm) MiB"
start=$(now); result=$(upload "$work/big.wav"); end=$(now)
echo "upload of $mb MB: $(rate "$mb" "$start" "$end") MB/s; server peak RSS after: $(hwm) MiB"
stream_path=$(echo "$result" | sed -E 's/.*"streamUrl":"([^"]+)".*/\1/' | sed 's/\\u0026/\&/g')

export -f upload
export token port
start=$(now)
ls "$work"/small/*.wav | xargs -P 4 -I{} bash -c 'upload "$1" > /dev/null' _ {}
end=$(now)
echo "ingest of 1,000 small tagged files (4 at a time): $(rate 1000 "$start" "$end") files/s"

mkdir -p "$work/www"
ln "$work/big.wav" "$work/www/big.wav" 2>/dev/null || cp "$work/big.wav" "$work/www/big.wav"
cat > "$work/nginx.conf" <<CONF
user root;
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.5

start=$(now); curl -sf -o /dev/null "http://127.0.0.1:$port$stream_path"; end=$(now)
echo "one stream of $mb MB, cadenza: $(rate "$mb" "$start" "$end") MB/s"
start=$(now); curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/big.wav"; end=$(now)
echo "one stream of $mb MB, nginx:   $(rate "$mb" "$start" "$end") MB/s"

echo -n "64 concurrent ranges, cadenza: "
STREAM_PATH="$stream_path" SIZE="$size" wrk -t2 -c64 -d20s -s bench/range.lua "http://127.0.0.1:$port" | tail -1
echo -n "64 concurrent ranges, nginx:   "
STREAM_PATH="/big.wav" SIZE="$size" wrk -t2 -c64 -d20s -s bench/range.lua "http://127.0.0.1:$nginx_port" | tail -1
