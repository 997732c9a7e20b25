#!/usr/bin/env bash
# A Subsonic player against a locker of 20,000 items (SQLite, release
# build, one listener with a player key):
#   1. a full sync as players do it: `search3` with an empty query, 500
#      songs, albums and artists a page, until every list runs out; the
#      total time and the server's peak memory (VmHWM);
#   2. `ping` (what every request costs: signing in and the envelope),
#      `getAlbumList2` (newest, 50) and `getAlbum` (rotating over 200
#      albums) with wrk at 32 connections.
# The items are one upload's row copied with other tags (200 artists,
# 2,000 albums of 10 songs), their artist and album keys computed as
# Cadenza computes them.
#
#   bench/subsonic.sh         # SECONDS_EACH (default 10) per wrk run
# Needs curl, python3, sqlite3 and wrk (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
port=18196
seconds="${SECONDS_EACH:-10}"
items="${ITEMS:-20000}"
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
gql() { curl -sf -H 'content-type: application/json' -H "Authorization: Bearer ${token:-}" -d "$1" "$url"; }
token=$(gql '{"query":"mutation { register(input: {email: \"player@example.com\", password: \"bench password\", displayName: \"Bench\"}) { accessToken } }"}' \
  | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
key=$(gql '{"query":"mutation { createPlayerKey(name: \"bench\") { secret } }"}' | sed -E 's/.*"secret":"([^"]+)".*/\1/')
python3 - "$work/one.wav" <<'PY'
import os, struct, sys
fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
data = os.urandom(16000)
body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
open(sys.argv[1], "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY
curl -sf -H "Authorization: Bearer $token" \
  -F operations='{"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id } }","variables":{"f":null}}' \
  -F map='{"0":["variables.f"]}' -F "0=@$work/one.wav" "$url" >/dev/null
stop

echo "filling: $items locker items for one listener"
python3 - "$db" "$items" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
key = lambda text: hashlib.sha256(text.strip().lower().encode()).hexdigest()[:16]
row = db.execute("SELECT * FROM locker_items LIMIT 1").fetchone()
columns = [d[0] for d in db.execute("SELECT * FROM locker_items LIMIT 1").description]
first = dict(zip(columns, row))
rows = []
for i in range(1, n):
    r = dict(first)
    del r["id"]
    artist = f"Artist {(i // 10) % 200:03}"
    album = f"Album {i // 10:04}"
    r.update(title=f"Song {i}", artist=artist, album=album, album_artist=None,
             track_number=i % 10 + 1, year=1960 + i % 60, genre=["Rock", "Jazz", "Folk", "Pop"][i % 4],
             added_at=f"2026-01-01 00:{(i // 60) % 60:02}:{i % 60:02}+00:00",
             content_hash=hashlib.sha256(f"copy {i}".encode()).hexdigest(),
             artist_key=key(artist), album_artist_key=key(artist),
             album_key=hashlib.sha256(f"{album.lower()}\x1f{artist.lower()}".encode()).hexdigest()[:16])
    rows.append(r)
names = list(rows[0].keys())
db.executemany(f"INSERT INTO locker_items ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
               [tuple(r[c] for c in names) for r in rows])
db.commit()
print(f"  {db.execute('SELECT COUNT(*) FROM locker_items').fetchone()[0]} locker items")
PY
start
rest="http://127.0.0.1:$port/rest"
auth="apiKey=$key&v=1.16.1&c=bench&f=json"

echo "== full sync: search3 with an empty query, 500 a page"
python3 - "$rest" "$auth" "$server" <<'PY'
import json, sys, time, urllib.request
rest, auth, pid = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.monotonic()
offset = {"song": 0, "album": 0, "artist": 0}
pages = 0
seen = {"song": 0, "album": 0, "artist": 0}
while True:
    q = (f"{rest}/search3?{auth}&query=&songCount=500&songOffset={offset['song']}"
         f"&albumCount=500&albumOffset={offset['album']}&artistCount=500&artistOffset={offset['artist']}")
    answer = json.load(urllib.request.urlopen(q))["subsonic-response"]
    assert answer["status"] == "ok", answer
    result = answer["searchResult3"]
    pages += 1
    got = {kind: len(result.get(kind, [])) for kind in seen}
    for kind in seen:
        seen[kind] += got[kind]
        offset[kind] += got[kind]
    if all(n == 0 for n in got.values()):
        break
took = time.monotonic() - start
hwm = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0].split()[1]
print(f"  {seen['song']} songs, {seen['album']} albums, {seen['artist']} artists in {pages} requests: "
      f"{took:.2f} s; server peak memory {int(hwm) // 1024} MiB")
PY

python3 - "$rest" "$auth" "$work" <<'PY'
import json, sys, urllib.request
rest, auth, work = sys.argv[1:4]
answer = json.load(urllib.request.urlopen(f"{rest}/getAlbumList2?{auth}&type=alphabeticalByName&size=200"))
ids = [a["id"] for a in answer["subsonic-response"]["albumList2"]["album"]]
path = rest.split("://", 1)[1].split("/", 1)[1]
with open(f"{work}/albums.txt", "w") as f:
    for album in ids:
        f.write(f"/{path}/getAlbum?{auth}&id={album}\n")
with open(f"{work}/newest.txt", "w") as f:
    f.write(f"/{path}/getAlbumList2?{auth}&type=newest&size=50\n")
with open(f"{work}/ping.txt", "w") as f:
    f.write(f"/{path}/ping?{auth}\n")
PY
# `ping` is a request's fixed cost: the key's look-up and the envelope.
for page in ping newest albums; do
  printf '  %-8s c32: ' "$page"
  PATHS_FILE="$work/$page.txt" wrk -t2 -c32 -d"${seconds}s" --timeout 10s -s bench/subsonic.lua "http://127.0.0.1:$port" | tail -1
done
printf '  %-8s c32: ' "healthz"
wrk -t2 -c32 -d"${seconds}s" -s bench/healthz.lua "http://127.0.0.1:$port/healthz" | tail -1
