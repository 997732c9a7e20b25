// The locker: every track the listener uploaded or bought, browsed as one
// list (newest first, with the upload zone), by artist, by album and by
// genre. Routes: #/locker, #/locker/artists, #/locker/artist/<id>,
// #/locker/albums, #/locker/album/<id>, #/locker/genres,
// #/locker/genre/<name>. A locker artist's or album's id is derived from
// its name, so an address stays good across tag edits of other tracks.

import { h, heading, note, toast, errorMessage } from '../dom.js';
import { gql } from '../api.js';
import { bytes, plural } from '../format.js';
import { itemList } from './locker-list.js';
import { uploader } from './locker-upload.js';
import { artistsView, artistView, albumsView, albumView, genresView } from './locker-browse.js';

const USAGE = 'query LockerUsage { viewer { locker { usage { itemCount usedBytes quotaBytes } } } }';

const TABS = [
  ['#/locker', 'All tracks', [undefined]],
  ['#/locker/artists', 'Artists', ['artists', 'artist']],
  ['#/locker/albums', 'Albums', ['albums', 'album']],
  ['#/locker/genres', 'Genres', ['genres', 'genre']],
];

function tabs(view) {
  return h('nav', { class: 'tabs', 'aria-label': 'Browse the locker' },
    h('ul', {}, TABS.map(([href, label, views]) =>
      h('li', {}, h('a', { href, 'aria-current': views.includes(view) ? 'page' : null }, label)))));
}

/** The usage line; `line.refresh()` reads it again (after uploads and deletions). */
function usage(signal) {
  const line = h('p', { class: 'meta usage' });
  let timer = null;
  line.refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => read(), 300);
  };
  const read = () => gql(USAGE).then((data) => {
    if (signal.aborted) return;
    const { itemCount, usedBytes, quotaBytes } = data.viewer.locker.usage;
    const meter = h('meter', {
      min: '0', max: String(quotaBytes), value: String(usedBytes), 'aria-label': 'Storage used',
    });
    line.replaceChildren(`${plural(itemCount, 'track')} · ${bytes(usedBytes)} of ${bytes(quotaBytes)} used `, meter);
  }).catch((err) => toast(errorMessage(err), 'error'));
  read();
  return line;
}

const SORTS = [['ADDED_DESC', 'Newest first'], ['TITLE', 'Title'], ['ARTIST_ALBUM', 'Artist and album']];

function allTracks(ctx, usageLine) {
  const sort = SORTS.some(([value]) => value === ctx.query.get('sort')) ? ctx.query.get('sort') : 'ADDED_DESC';
  const list = itemList({
    sort, signal: ctx.signal, empty: 'Your locker is empty: upload some music above.', onCount: () => usageLine.refresh(),
  });
  const select = h('select', {
    id: 'locker-sort',
    onchange: () => ctx.navigate(select.value === 'ADDED_DESC' ? '#/locker' : `#/locker?sort=${select.value}`,
      { focus: '#locker-sort' }),
  }, SORTS.map(([value, label]) => h('option', { value, selected: value === sort }, label)));
  return [
    // New uploads go to the top of the newest-first list; in another order they are found in their place.
    uploader({ onUploaded: (item) => (sort === 'ADDED_DESC' ? list.add(item) : null) }),
    h('div', { class: 'list-head' }, h('h2', {}, 'All tracks'),
      h('div', { class: 'sort' }, h('label', { for: select.id }, 'Sort'), select)),
    list.element,
  ];
}

function genreView(ctx, name) {
  const list = itemList({
    filter: { genre: name }, sort: 'ARTIST_ALBUM', context: 'genre', signal: ctx.signal,
    empty: 'No tracks of this genre.',
  });
  return [h('h2', {}, `Genre: ${name}`), list.element];
}

export async function render(ctx) {
  const { view, id } = ctx.params;
  const usageLine = usage(ctx.signal);
  let body;
  try {
    switch (view) {
      case undefined: body = allTracks(ctx, usageLine); break;
      case 'artists': body = await artistsView(ctx); break;
      case 'artist': body = await artistView(ctx, id); break;
      case 'albums': body = await albumsView(ctx); break;
      case 'album': body = await albumView(ctx, id); break;
      case 'genres': body = await genresView(ctx); break;
      case 'genre': body = genreView(ctx, id); break;
      default: body = note('There is no such view of the locker.');
    }
  } catch (err) {
    body = h('p', { class: 'error', role: 'alert' }, errorMessage(err));
  }
  const page = h('div', { class: 'locker' }, heading('Locker'), usageLine, tabs(view), body);
  // The page's title says which view: "Fixture Album · Locker".
  const sub = { artist: id, album: id, genre: id && `Genre: ${id}`, artists: 'Artists', albums: 'Albums', genres: 'Genres' }[view];
  page.dataset.title = sub ? `${sub} · Locker` : 'Locker';
  return page;
}
