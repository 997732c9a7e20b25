// A catalogue artist (`#/artist/<id>`): their albums as a grid that sells
// (cover, title, year, price), their top tracks, and artists like them.
// Search's artist hits and every product's artist name lead here.

import { h, heading, note } from '../dom.js';
import { gql } from '../api.js';
import { cover } from '../cover.js';
import { duration, plural } from '../format.js';
import { previewButton } from '../previews.js';

const ARTIST = `query Artist($id: ID!) { artist(id: $id) {
  id name genres
  albums(first: 50) { totalCount nodes { id title releaseYear coverUrl(size: 300) product { id price { formatted } } } }
  topTracks(first: 10) { id title durationMs previewUrl album { title coverUrl(size: 64) product { id } } product { id price { formatted } } }
  similarArtists(first: 8) { id name genres }
} }`;

const productHref = (id) => `#/product/${encodeURIComponent(id)}`;
export const catalogueArtistHref = (id) => `#/artist/${encodeURIComponent(id)}`;

function albumTile(album) {
  const href = album.product ? productHref(album.product.id) : null;
  const name = href ? h('a', { href, class: 'tile-title' }, album.title) : h('span', { class: 'tile-title' }, album.title);
  return h('li', { class: 'tile product-tile', 'data-testid': 'artist-album' },
    href ? h('a', { href, tabindex: '-1', 'aria-hidden': 'true', class: 'tile-cover' }, cover(album.coverUrl, album.title)) : cover(album.coverUrl, album.title),
    name,
    h('span', { class: 'meta' }, [album.releaseYear, album.product ? null : 'Not for sale'].filter(Boolean).join(' · ')),
    album.product ? h('span', { class: 'price' }, album.product.price.formatted) : null);
}

export async function render(ctx) {
  const { artist } = await gql(ARTIST, { id: ctx.params.id });
  if (!artist) {
    return h('div', {}, heading('Artist not found'), note('There is no such artist in the catalogue.'),
      h('a', { href: '#/store' }, 'Back to the store'));
  }
  const tracks = artist.topTracks;
  return h('article', { class: 'artist-page' },
    h('header', { class: 'artist-head' },
      cover(null, artist.name),
      h('div', {},
        h('p', { class: 'eyebrow' }, 'Artist'),
        heading(artist.name),
        h('p', { class: 'meta' }, [artist.genres.join(', '), plural(artist.albums.totalCount, 'album')].filter(Boolean).join(' · ')))),
    h('section', { 'aria-labelledby': 'albums-title' },
      h('h2', { id: 'albums-title' }, 'Albums'),
      artist.albums.nodes.length
        ? h('ul', { class: 'grid', 'aria-label': `Albums by ${artist.name}` }, artist.albums.nodes.map(albumTile))
        : note('No albums yet.')),
    tracks.length
      ? h('section', { class: 'card', 'aria-labelledby': 'top-title' },
        h('h2', { id: 'top-title' }, 'Top tracks'),
        h('ol', { class: 'list' }, tracks.map((track) => {
          const product = track.product ?? track.album.product;
          return h('li', { class: 'row' },
            h('div', { class: 'main' },
              product ? h('a', { class: 'title', href: productHref(product.id) }, track.title) : h('span', { class: 'title' }, track.title),
              h('div', { class: 'meta' }, track.album.title)),
            h('span', { class: 'length' }, duration(track.durationMs / 1000)),
            track.product ? h('span', { class: 'price' }, track.product.price.formatted) : null,
            h('span', { class: 'actions' },
              previewButton(track, { album: track.album.title, artist: artist.name, coverUrl: track.album.coverUrl })));
        })))
      : null,
    artist.similarArtists.length
      ? h('section', { 'aria-labelledby': 'similar-title' },
        h('h2', { id: 'similar-title' }, 'Similar artists'),
        h('ul', { class: 'chips' }, artist.similarArtists.map((other) =>
          h('li', {}, h('a', { class: 'chip', href: catalogueArtistHref(other.id) }, other.name)))))
      : null);
}
