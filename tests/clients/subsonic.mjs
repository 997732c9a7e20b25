// A Subsonic player's session against Cadenza's /rest, through the npm
// `subsonic-api` client: every method a player uses, once with a player
// key as `apiKey` (GET) and once as the password of token authentication
// (`u`, `t`, `s`; form POSTs). Prints one JSON line of what it saw; any
// failed answer throws.
//
//   node subsonic.mjs <base url> <email> <player key>

import { createHash } from 'node:crypto';
import { SubsonicAPI } from 'subsonic-api';

const [url, email, key] = process.argv.slice(2);

const byKey = new SubsonicAPI({ url, auth: { apiKey: key } });
const byToken = new SubsonicAPI({ url, auth: { username: email, password: key }, post: true });

function ok(answer, method) {
  if (!answer || answer.status !== 'ok') {
    throw new Error(`${method} failed: ${JSON.stringify(answer)}`);
  }
  return answer;
}

async function run(api) {
  const seen = {};
  ok(await api.ping(), 'ping');
  const extensions = ok(await api.getOpenSubsonicExtensions(), 'getOpenSubsonicExtensions');
  seen.extensions = extensions.openSubsonicExtensions.map((e) => e.name).sort();
  ok(await api.getLicense(), 'getLicense');
  seen.folders = ok(await api.getMusicFolders(), 'getMusicFolders').musicFolders.musicFolder.length;
  seen.scanCount = ok(await api.getScanStatus(), 'getScanStatus').scanStatus.count;
  seen.user = ok(await api.getUser({ username: email }), 'getUser').user.username;

  const artists = ok(await api.getArtists(), 'getArtists').artists.index.flatMap((i) => i.artist);
  seen.artists = artists.map((a) => a.name);
  const artist = ok(await api.getArtist({ id: artists[0].id }), 'getArtist').artist;
  const album = ok(await api.getAlbum({ id: artist.album[0].id }), 'getAlbum').album;
  seen.album = album.name;
  seen.albumSongs = album.song.map((s) => s.title);
  const song = album.song[0];
  seen.song = ok(await api.getSong({ id: song.id }), 'getSong').song.title;
  const indexes = ok(await api.getIndexes(), 'getIndexes').indexes;
  seen.indexArtists = indexes.index.flatMap((i) => i.artist).length;
  const folder = ok(await api.getMusicDirectory({ id: album.id }), 'getMusicDirectory').directory;
  seen.directory = folder.child.map((c) => c.title);
  seen.genres = ok(await api.getGenres(), 'getGenres').genres.genre.map((g) => g.value);
  seen.lists = {};
  for (const type of ['random', 'newest', 'frequent', 'recent', 'starred', 'alphabeticalByName', 'alphabeticalByArtist']) {
    const list = ok(await api.getAlbumList2({ type, size: 50 }), `getAlbumList2 ${type}`).albumList2;
    seen.lists[type] = (list.album ?? []).length;
  }
  seen.lists.byYear = (ok(await api.getAlbumList2({ type: 'byYear', fromYear: 1900, toYear: 2100 }), 'byYear').albumList2.album ?? []).length;
  seen.lists.byGenre = (ok(await api.getAlbumList2({ type: 'byGenre', genre: seen.genres[0] }), 'byGenre').albumList2.album ?? []).length;
  seen.random = ok(await api.getRandomSongs({ size: 5 }), 'getRandomSongs').randomSongs.song.length;
  seen.byGenre = ok(await api.getSongsByGenre({ genre: seen.genres[0] }), 'getSongsByGenre').songsByGenre.song.length;
  const everything = ok(await api.search3({ query: '', songCount: 500 }), 'search3').searchResult3;
  seen.synced = everything.song.length;
  const found = ok(await api.search3({ query: song.title }), 'search3 words').searchResult3;
  seen.found = (found.song ?? []).map((s) => s.title);

  const stream = await api.stream({ id: song.id });
  if (!stream.ok) throw new Error(`stream: HTTP ${stream.status}`);
  seen.streamSha256 = createHash('sha256').update(Buffer.from(await stream.arrayBuffer())).digest('hex');
  const download = await api.download({ id: song.id });
  seen.downloadSha256 = createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex');
  const cover = await api.getCoverArt({ id: song.coverArt ?? song.id, size: 64 });
  seen.coverType = cover.headers.get('content-type');
  seen.lyricsLines = (ok(await api.getLyricsBySongId({ id: song.id }), 'getLyricsBySongId').lyricsList.structuredLyrics ?? [])
    .flatMap((l) => l.line).length;

  const made = ok(await api.createPlaylist({ name: 'From a player', songId: album.song.map((s) => s.id) }), 'createPlaylist');
  const playlistId = made.playlist.id;
  ok(await api.updatePlaylist({ playlistId, name: 'Renamed by a player', songIndexToRemove: [0] }), 'updatePlaylist');
  seen.playlist = ok(await api.getPlaylist({ id: playlistId }), 'getPlaylist').playlist;
  seen.playlists = ok(await api.getPlaylists(), 'getPlaylists').playlists.playlist.length;
  ok(await api.deletePlaylist({ id: playlistId }), 'deletePlaylist');

  ok(await api.scrobble({ id: song.id, submission: true }), 'scrobble');
  ok(await api.scrobble({ id: song.id, submission: false }), 'scrobble now playing');
  seen.nowPlaying = (ok(await api.getNowPlaying(), 'getNowPlaying').nowPlaying.entry ?? []).map((e) => e.title);
  ok(await api.star({ id: song.id, albumId: album.id }), 'star');
  ok(await api.setRating({ id: song.id, rating: 5 }), 'setRating');
  const starred = ok(await api.getStarred2(), 'getStarred2').starred2;
  seen.starred = { songs: (starred.song ?? []).length, albums: (starred.album ?? []).length, rating: starred.song?.[0]?.userRating };
  ok(await api.unstar({ id: song.id, albumId: album.id }), 'unstar');
  ok(await api.savePlayQueue({ id: album.song.map((s) => s.id), current: song.id, position: 1000 }), 'savePlayQueue');
  const queue = ok(await api.getPlayQueue(), 'getPlayQueue').playQueue;
  seen.queue = { entries: queue.entry.length, current: queue.current === song.id, position: queue.position };
  ok(await api.getSimilarSongs2({ id: artist.id }), 'getSimilarSongs2');
  seen.topSongs = (ok(await api.getTopSongs({ artist: artist.name }), 'getTopSongs').topSongs.song ?? []).length;
  ok(await api.getArtistInfo2({ id: artist.id }), 'getArtistInfo2');
  return seen;
}

const viaKey = await run(byKey);
const viaToken = await run(byToken);
const token = ok(await byKey.customJSON('tokenInfo.view', {}), 'tokenInfo').tokenInfo.username;
console.log(JSON.stringify({ viaKey, viaToken, token }));
