"""A Subsonic player's session against Cadenza's /rest through py-opensonic:
every method a player uses, with a player key as `apiKey`, then as the
password of token authentication, then the account password in legacy
`p=enc:` form. py-opensonic sends form POSTs (the formPost extension) to
`<method>.view` and reads JSON into typed classes, so a field of the wrong
type or a missing one fails here. Prints one JSON line of what it saw.

    python client.py <host url> <port> <email> <player key> <password>
"""

import asyncio
import hashlib
import json
import sys

import libopensonic


def body(conn, response):
    """The bytes of a binary answer (py-opensonic hands back aiohttp's
    response, read on the connection's own loop)."""
    return asyncio.run_coroutine_threadsafe(response.read(), conn._loop).result()


def session(conn, email):
    seen = {}
    assert conn.ping()
    seen["extensions"] = sorted(e.name for e in conn.get_open_subsonic_extensions())
    # Not get_music_folders(): py-opensonic 10.4.1 reads `musicFolders` as a
    # list, where the specification (and every server) nests the list in
    # `musicFolders.musicFolder`; the npm client covers that method.
    seen["scan"] = conn.get_scan_status().count
    seen["user"] = conn.get_user(email).username

    artists = [a for index in conn.get_artists().index for a in index.artist]
    seen["artists"] = [a.name for a in artists]
    artist = conn.get_artist(artists[0].id)
    album = conn.get_album(artist.album[0].id)
    seen["album"] = album.name
    seen["album_songs"] = [s.title for s in album.song]
    song = album.song[0]
    seen["song"] = conn.get_song(song.id).title
    indexes = conn.get_indexes()
    seen["index_artists"] = sum(len(i.artist or []) for i in indexes.index or [])
    seen["directory"] = [c.title for c in conn.get_music_directory(album.id).child]
    seen["genres"] = [g.value for g in conn.get_genres()]
    lists = {}
    for kind in ["random", "newest", "frequent", "recent", "starred",
                 "alphabeticalByName", "alphabeticalByArtist"]:
        lists[kind] = len(conn.get_album_list2(kind, size=50) or [])
    seen["lists"] = lists
    seen["random"] = len(conn.get_random_songs(size=5))
    seen["by_genre"] = len(conn.get_songs_by_genre(seen["genres"][0]))
    everything = conn.search3("", song_count=500)
    seen["synced"] = len(everything.song or [])
    seen["found"] = [s.title for s in (conn.search3(song.title).song or [])]

    seen["stream_sha256"] = hashlib.sha256(body(conn, conn.stream(song.id))).hexdigest()
    seen["download_sha256"] = hashlib.sha256(body(conn, conn.download(song.id))).hexdigest()
    cover = conn.get_cover_art(song.cover_art or song.id, size=64)
    seen["cover_type"] = cover.headers.get("Content-Type")
    body(conn, cover)
    seen["lyrics_lines"] = sum(len(l.line) for l in conn.get_lyrics_by_song_id(song.id))

    conn.create_playlist(name="From py-opensonic", song_ids=[s.id for s in album.song])
    playlist = [p for p in conn.get_playlists() if p.name == "From py-opensonic"][0]
    conn.update_playlist(playlist.id, name="Renamed by py-opensonic", song_indices_to_remove=[0])
    got = conn.get_playlist(playlist.id)
    seen["playlist"] = {"name": got.name, "songs": got.song_count}
    conn.delete_playlist(playlist.id)

    conn.scrobble(song.id, submission=True)
    conn.scrobble(song.id, submission=False)
    seen["now_playing"] = [e.title for e in conn.get_now_playing() or []]
    conn.star(sids=[song.id], album_ids=[album.id])
    conn.set_rating(song.id, 3)
    starred = conn.get_starred2()
    seen["starred"] = {"songs": len(starred.song or []), "albums": len(starred.album or []),
                       "rating": (starred.song or [None])[0].user_rating if starred.song else None}
    conn.unstar(sids=[song.id], album_ids=[album.id])
    conn.save_play_queue([s.id for s in album.song], current=song.id, position=500)
    queue = conn.get_play_queue()
    seen["queue"] = {"entries": len(queue.entry or []), "current": queue.current == song.id,
                     "position": queue.position}
    conn.save_play_queue_by_index(ids=[song.id, song.id], current_index=1, position=0)
    seen["queue_by_index"] = conn.get_play_queue_by_index().current_index
    conn.get_similar_songs2(artist.id)
    seen["top_songs"] = len(conn.get_top_songs(artist.name) or [])
    conn.get_artist_info2(artist.id)
    return seen


def main():
    host, port, email, key, password = sys.argv[1:6]
    by_key = libopensonic.Connection(host, api_key=key, port=int(port))
    by_token = libopensonic.Connection(host, username=email, password=key, port=int(port))
    legacy = libopensonic.Connection(host, username=email, password=password, port=int(port),
                                     legacy_auth=True, use_get=True, use_views=False)
    out = {"via_key": session(by_key, email), "via_token": session(by_token, email),
           "legacy_ping": legacy.ping(), "token_user": by_key.token_info().username}
    for conn in (by_key, by_token, legacy):
        conn.cleanup()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
