// The catalogue page for ADMINs (`#/admin`): import a partner feed (JSON
// Lines, docs/catalogue-feed.md) and read its report, every rejected line
// with its reason; attach master audio to a track (admin-masters.js).

import { h, heading, field, errorMessage } from '../dom.js';
import { upload } from '../api.js';
import { mastersSection } from './admin-masters.js';

const IMPORT = `mutation Import($file: Upload!) {
  importCatalogue(file: $file) {
    artistsUpserted albumsUpserted tracksUpserted productsUpserted
    rejected { line message }
  }
}`;

function report(result, fileName) {
  const counts = [
    ['Artists', result.artistsUpserted],
    ['Albums', result.albumsUpserted],
    ['Tracks', result.tracksUpserted],
    ['Products', result.productsUpserted],
  ];
  const rejected = result.rejected;
  return h('div', { class: 'import-report', 'data-testid': 'import-report' },
    h('h3', {}, `Report for ${fileName}`),
    h('p', { class: rejected.length ? 'error' : 'ok' }, rejected.length
      ? `${rejected.length} line${rejected.length === 1 ? ' was' : 's were'} rejected; the good lines around them were imported.`
      : 'Every line was imported.'),
    h('dl', { class: 'counts' }, counts.map(([name, n]) => [h('dt', {}, `${name} added or updated`), h('dd', {}, String(n))])),
    rejected.length
      ? h('div', { class: 'table-wrap' }, h('table', {},
        h('caption', {}, 'Rejected lines'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col' }, 'Why'))),
        h('tbody', {}, rejected.map((r) => h('tr', {}, h('td', {}, String(r.line)), h('td', {}, r.message))))))
      : null);
}

function importSection(ctx) {
  const file = h('input', { type: 'file', accept: '.jsonl,.ndjson,.json,.txt,application/x-ndjson,application/json,text/plain', required: true });
  const progress = h('progress', { max: 100, value: 0, hidden: true, 'aria-label': 'Import upload progress' });
  const error = h('p', { class: 'error', role: 'alert' });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Import feed');
  const form = h('form', { class: 'import-form', novalidate: true },
    field('Catalogue feed (JSON Lines)', file,
      'One JSON object a line: artists, albums, tracks and products. Sending a line again updates it, never duplicates it.'),
    progress, error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const chosen = file.files[0];
    if (!chosen) {
      error.textContent = 'Choose a feed file first.';
      return;
    }
    submit.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    try {
      const data = await upload(IMPORT, {}, chosen, {
        signal: ctx.signal,
        onProgress: (sent, total) => { progress.value = Math.round((sent / total) * 100); },
      });
      out.replaceChildren(report(data.importCatalogue, chosen.name));
    } catch (err) {
      error.textContent = `The feed was not imported: ${errorMessage(err)}`;
    } finally {
      submit.disabled = false;
      progress.hidden = true;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title' }, 'Import a catalogue feed'),
    form, out);
}

export function render(ctx) {
  return h('div', { class: 'admin-page' },
    heading('Catalogue'),
    importSection(ctx),
    mastersSection(ctx));
}
