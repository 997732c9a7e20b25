// The store (`#/store?genre=&sort=&kind=`): products by genre and kind,
// sorted as the API's ProductSort allows, a page at a time. The filters
// live in the address, so a filtered view can be reloaded and shared.

import { h, field, heading, note, errorMessage, actionButton, focusFirstOf } from '../dom.js';
import { gql } from '../api.js';
import { PRODUCT_FIELDS, productTile, recordInteraction } from '../products.js';

const PAGE_SIZE = 24;

const SORTS = [
  ['NEWEST', 'Newest releases'],
  ['BEST_SELLING', 'Best-selling'],
  ['TOP_RATED', 'Top rated'],
  ['PRICE_ASC', 'Price: low to high'],
  ['PRICE_DESC', 'Price: high to low'],
];
/** Albums first, as a record shop's racks: a page of one album's tracks sells nothing else. */
const KINDS = [['ALBUM', 'Albums'], ['TRACK', 'Tracks'], ['ALL', 'All kinds']];

const PRODUCTS = `query Store($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${PRODUCT_FIELDS} }
  }
}`;

function select(name, options, current) {
  return h('select', { name },
    options.map(([value, label]) => h('option', { value, selected: value === current }, label)));
}

export async function render(ctx) {
  const genre = ctx.query.get('genre') || '';
  const sort = SORTS.some(([value]) => value === ctx.query.get('sort')) ? ctx.query.get('sort') : 'NEWEST';
  const kind = KINDS.some(([value]) => value === ctx.query.get('kind')) ? ctx.query.get('kind') : 'ALBUM';
  const filter = {};
  if (genre) filter.genre = genre;
  if (kind !== 'ALL') filter.kind = kind;

  const [{ genres }, first] = await Promise.all([
    gql('query Genres { genres { name albumCount } }'),
    gql(PRODUCTS, { first: PAGE_SIZE, filter, sort }),
  ]);
  if (genre) recordInteraction({ kind: 'BROWSE_GENRE', genre });

  const genreSelect = select('genre', [['', 'All genres'], ...genres.map((g) => [g.name, g.name])], genre);
  const sortSelect = select('sort', SORTS, sort);
  const kindSelect = select('kind', KINDS, kind);
  // Each change is a new address: the page reloads with that filter.
  const apply = (event) => {
    const params = new URLSearchParams();
    if (genreSelect.value) params.set('genre', genreSelect.value);
    if (sortSelect.value !== 'NEWEST') params.set('sort', sortSelect.value);
    if (kindSelect.value !== 'ALBUM') params.set('kind', kindSelect.value);
    const query = params.toString();
    ctx.navigate(`#/store${query ? `?${query}` : ''}`, { focus: `select[name="${event.target.name}"]` });
  };
  for (const control of [genreSelect, sortSelect, kindSelect]) control.addEventListener('change', apply);

  const grid = h('ul', { class: 'grid', 'aria-label': 'Products' });
  const count = h('p', { class: 'note', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const more = h('div', { class: 'toolbar' });
  let shown = 0;

  const show = (connection) => {
    const tiles = connection.nodes.map(productTile);
    grid.append(...tiles);
    shown += connection.nodes.length;
    count.textContent = connection.totalCount === 0
      ? 'No products match. Try another genre.'
      : `Showing ${shown} of ${connection.totalCount} products.`;
    more.replaceChildren();
    if (connection.pageInfo.hasNextPage) {
      more.append(actionButton('Show more products', async () => {
        error.textContent = '';
        try {
          const data = await gql(PRODUCTS, { first: PAGE_SIZE, after: connection.pageInfo.endCursor, filter, sort });
          if (!ctx.signal.aborted) focusFirstOf(show(data.products));
        } catch (err) {
          error.textContent = errorMessage(err);
        }
      }));
    }
    return tiles;
  };
  show(first.products);

  return h('div', { class: 'store' },
    heading(genre ? `Store: ${genre}` : 'Store'),
    h('form', { class: 'toolbar store-filters', 'aria-label': 'Filter and sort', onsubmit: (e) => e.preventDefault() },
      field('Genre', genreSelect),
      field('Kind', kindSelect),
      field('Sort by', sortSelect)),
    count,
    grid,
    error,
    more,
    genres.length === 0 ? note('The catalogue is empty.') : null,
  );
}
