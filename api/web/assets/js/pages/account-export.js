// "Download my data": the API writes a JSON document of everything stored
// about the viewer and answers with a signed URL that works once, until it
// expires. The page offers that URL as a download link.

import { h, errorMessage, actionButton, safeUrl } from '../dom.js';
import { gql } from '../api.js';
import { bytes, dateTime } from '../format.js';

export function exportSection(onExported) {
  const result = h('div', { 'aria-live': 'polite' });
  const make = actionButton('Download my data', async () => {
    result.replaceChildren();
    try {
      const data = await gql('mutation Export { exportMyData { url expiresAt sizeBytes } }');
      const { url, expiresAt, sizeBytes } = data.exportMyData;
      if (!safeUrl(url)) throw new Error('The server answered with an export address this page will not open.');
      const link = h('a', { href: url, download: 'cadenza-my-data.json', class: 'button primary' },
        `Save the export (${bytes(sizeBytes)})`);
      link.addEventListener('click', () => {
        // The URL works once: after this click it is spent.
        setTimeout(() => result.replaceChildren(h('p', { class: 'ok' },
          'Downloaded. That link now no longer works; make a new export to download again.')), 0);
      });
      result.replaceChildren(
        h('p', { class: 'ok' }, 'Your export is ready.'),
        link,
        h('p', { class: 'hint' }, `The link works once, until ${dateTime(expiresAt)}. `
          + 'The file is JSON; each song in it carries a link to its audio, valid until the same time.'));
      onExported?.();
    } catch (err) {
      const wait = err?.extensions?.retryAfterSeconds;
      const message = err?.code === 'RATE_LIMITED'
        ? `You can make one export a minute. Try again${wait ? ` in ${wait} seconds` : ' in a minute'}.`
        : errorMessage(err);
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, message));
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'export-title' },
    h('h2', { id: 'export-title' }, 'Download my data'),
    h('p', {}, 'Everything Cadenza stores about you, in one JSON file: your profile, settings and consent log, your '
      + 'locker (with links to the audio), playlists, plays, cart, orders, reviews and sessions. Never a password or token.'),
    make,
    result);
}
