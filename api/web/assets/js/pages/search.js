// Search as you type, over the locker and the catalogue (scope ALL; a
// signed-out visitor gets the catalogue). Each hit shows the API's
// highlight (only its <em> becomes markup); genre facets narrow the
// results; locker items play and go into playlists, catalogue hits link to
// what sells them. The address (#/search?q=…&genre=…) follows the box.

import { h, heading, note, highlight, errorMessage, field } from '../dom.js';
import { gql } from '../api.js';
import { cover } from '../cover.js';
import { ITEM_FIELDS, playable } from '../fields.js';
import { trackRow } from '../tracks.js';

const SEARCH = `query Search($query: String!, $genre: String, $after: String) {
  search(query: $query, scope: ALL, genre: $genre, first: 30, after: $after) {
    totalCount genreFacets { value count } pageInfo { hasNextPage endCursor }
    edges { node { highlight item {
      __typename
      ... on LockerItem { ${ITEM_FIELDS} }
      ... on Track { id title durationMs artist { name } album { title coverUrl product { id } } product { id } }
      ... on Album { id title releaseYear coverUrl artist { name } product { id } }
      ... on Artist { id name genres }
      ... on Product { id title kind price { formatted } album { coverUrl artist { name } } track { artist { name } } }
    } } } } }`;

/** Wait this long after the last keystroke before asking. */
const DEBOUNCE_MS = 200;

const productHref = (id) => `#/product/${encodeURIComponent(id)}`;

/** A catalogue hit: cover, highlighted text, what it is, and a link to buy it when it is for sale. */
function catalogueRow(hit) {
  const item = hit.item;
  const text = hit.highlight ? highlight(hit.highlight) : null;
  let kind;
  let name;
  let meta;
  let picture = null;
  let href = null;
  switch (item.__typename) {
    case 'Product':
      kind = item.kind === 'ALBUM' ? 'Album for sale' : 'Track for sale';
      name = item.title;
      meta = [item.album?.artist?.name ?? item.track?.artist?.name, item.price?.formatted].filter(Boolean).join(' · ');
      picture = item.album?.coverUrl ?? null;
      href = productHref(item.id);
      break;
    case 'Album':
      kind = 'Album';
      name = item.title;
      meta = [item.artist.name, item.releaseYear].filter(Boolean).join(' · ');
      picture = item.coverUrl;
      href = item.product ? productHref(item.product.id) : null;
      break;
    case 'Track':
      kind = 'Track';
      name = item.title;
      meta = [item.artist.name, item.album.title].join(' — ');
      picture = item.album.coverUrl;
      href = item.product ? productHref(item.product.id) : item.album.product ? productHref(item.album.product.id) : null;
      break;
    default:
      kind = 'Artist';
      name = item.name;
      meta = item.genres.join(', ');
  }
  const label = text ?? name;
  return h('li', { class: 'row', 'data-testid': 'search-hit' },
    cover(picture, name, { small: true }),
    h('div', { class: 'main' },
      h('div', { class: 'title' }, href ? h('a', { href }, label) : label),
      h('div', { class: 'meta' }, meta),
      h('span', { class: 'tag' }, kind)));
}

export function render(ctx) {
  const input = h('input', {
    type: 'search', name: 'q', value: ctx.query.get('q') ?? '', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Titles, artists, albums…',
  });
  let genre = ctx.query.get('genre') || null;
  const status = h('p', { class: 'meta', role: 'status', 'aria-live': 'polite' });
  const facets = h('div', { class: 'facets toolbar', role: 'group', 'aria-label': 'Filter by genre' });
  const results = h('ul', { class: 'list', 'aria-label': 'Results' });
  const more = h('button', { type: 'button', hidden: true }, 'More results');
  let hits = [];
  let cursor = null;
  let timer = null;
  /** Every search gets a number; an answer to an older one is dropped. */
  let latest = 0;

  const lockerQueue = () => hits.filter((hit) => hit.item.__typename === 'LockerItem').map((hit) => hit.item);

  function hitRow(hit) {
    if (hit.item.__typename === 'LockerItem') {
      return trackRow(hit.item, {
        queue: lockerQueue, context: 'search', testid: 'search-hit',
        title: hit.highlight ? highlight(hit.highlight) : null,
        tags: ['In my locker'],
      });
    }
    return catalogueRow(hit);
  }

  function renderFacets(list) {
    const button = (value, label) => h('button', {
      type: 'button', class: 'facet', 'aria-pressed': String(genre === value),
      onclick: () => {
        genre = genre === value ? null : value;
        run(true);
      },
    }, label);
    facets.replaceChildren(...(list.length || genre
      ? [button(null, 'All genres'), ...list.map((facet) => button(facet.value, `${facet.value} (${facet.count})`))]
      : []));
  }

  function syncAddress(q) {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (genre) params.set('genre', genre);
    const hash = `#/search${params.size ? `?${params}` : ''}`;
    // Not a navigation: the page stays, the address follows (and survives a reload).
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  async function run(fresh) {
    const q = input.value.trim();
    syncAddress(q);
    const mine = ++latest;
    if (!q) {
      hits = [];
      results.replaceChildren();
      facets.replaceChildren();
      status.textContent = 'Type to search your locker and the catalogue.';
      more.hidden = true;
      return;
    }
    if (fresh) {
      // "More results" belongs to the previous query's cursor: gone until this one answers.
      cursor = null;
      more.hidden = true;
    }
    more.disabled = true;
    status.textContent = 'Searching…';
    try {
      const data = await gql(SEARCH, { query: q, genre, after: fresh ? null : cursor });
      if (mine !== latest || ctx.signal.aborted) return;
      const { search } = data;
      const page = search.edges.map((edge) => {
        const hit = edge.node;
        return hit.item.__typename === 'LockerItem' ? { ...hit, item: playable(hit.item) } : hit;
      });
      hits = fresh ? page : [...hits, ...page];
      cursor = search.pageInfo.endCursor;
      if (fresh) results.replaceChildren();
      results.append(...page.map(hitRow));
      more.hidden = !search.pageInfo.hasNextPage;
      renderFacets(search.genreFacets);
      status.textContent = search.totalCount === 0
        ? `Nothing found for “${q}”${genre ? ` in ${genre}` : ''}.`
        : `${search.totalCount === 1 ? '1 result' : `${search.totalCount} results`} for “${q}”${genre ? ` in ${genre}` : ''}.`;
    } catch (err) {
      if (mine !== latest) return;
      status.textContent = errorMessage(err);
    } finally {
      if (mine === latest) more.disabled = false;
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(true), DEBOUNCE_MS);
  });
  more.addEventListener('click', () => run(false));
  const form = h('form', { role: 'search', class: 'search-form' }, field('Search', input));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run(true);
  });
  ctx.signal.addEventListener('abort', () => clearTimeout(timer));
  run(true);
  const page = h('div', { class: 'search' }, heading('Search'), form, facets, status, results, more,
    ctx.user ? null : note('Signed out, you search the catalogue; sign in to search your locker too.'));
  return page;
}
