// More of the listener's pages than the story walks: live locker events,
// the file picker, deletion with confirmation, genres and albums, the
// queue (next, previous, space) and recorded plays, playlist settings,
// adding from search, the tag editor, anonymous search, and a stream URL
// that stops working. Runs after 10-listener.mjs, signed in as its listener.
import { readFile } from 'node:fs/promises';
import { rowAction } from './lib.mjs';

async function apiUpload(t, token, path, name) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadTrack(file: $f) { id title } }', variables: { f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([await readFile(path)]), name);
  const r = await fetch(t.url('/graphql'), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = await r.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.uploadTrack;
}

export async function run(t) {
  const page = t.page;
  const rows = page.getByTestId('locker-row');

  await t.step('live: an upload from another device appears, its removal disappears', async () => {
    await page.goto(t.url('/#/locker'));
    await rows.first().waitFor();
    const before = await rows.count();
    const token = await t.sessionToken();
    const item = await apiUpload(t, token, t.fixtures['tagged.ogg'], 'tagged.ogg');
    await t.until(async () => (await rows.count()) === before + 1, 'the new row appears live');
    await rows.filter({ hasText: 'OGG' }).waitFor();
    await t.gql('mutation($id: ID!) { deleteLockerItem(id: $id) }', { id: item.id }, { token });
    await t.until(async () => (await rows.count()) === before, 'the row goes live');
  });

  await t.step('keyboard file picker uploads too, and delete with confirmation', async () => {
    const before = await rows.count();
    await page.getByLabel('Choose files to upload').setInputFiles(t.fixtures['tagged.opus']);
    await t.until(async () => (await rows.count()) === before + 1, 'the picked file is in the list');
    const opus = rows.filter({ hasText: 'OPUS' });
    await rowAction(opus, 'Delete');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    t.assert((await rows.count()) === before + 1, 'cancel keeps it');
    await rowAction(opus, 'Delete');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await t.until(async () => (await rows.count()) === before, 'deleted');
  });

  await t.step('genres and albums', async () => {
    await page.getByRole('link', { name: 'Genres' }).click();
    await page.getByRole('link', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Genre: Test' }).waitFor();
    await t.until(async () => (await rows.count()) === 3, 'three Test tracks');
    // Artists and albums are addressed by id.
    await page.getByRole('link', { name: 'Artists' }).click();
    await page.getByRole('link', { name: 'Fixture Band' }).click();
    await page.getByRole('heading', { name: 'Fixture Band', level: 2 }).waitFor();
    t.assert(page.url().includes('#/locker/artist/') && !page.url().includes('Fixture'), 'an id, not a name');
    await t.until(async () => (await rows.count()) >= 2, 'the artist page lists their tracks');
    await page.getByRole('link', { name: 'Albums' }).click();
    await page.getByRole('link', { name: 'Fixture Album' }).click();
    await t.until(async () => (await rows.count()) === 2, 'two tracks on the album');
    await t.axe('locker-album');
    await t.shot('locker-album');
  });

  await t.step('play the album: next, previous, space; plays recorded', async () => {
    const before = (await t.gql('{ viewer { recentlyPlayed(first: 100) { id } } }', {}, { session: true })).viewer.recentlyPlayed.length;
    await page.getByRole('button', { name: 'Play album Fixture Album' }).click();
    const title = page.locator('#player-title');
    await t.until(async () => (await title.textContent()) === 'Fixture Song', 'first track');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await t.until(async () => (await title.textContent()) === 'Second Song', 'next track');
    await page.getByRole('button', { name: 'Previous', exact: true }).click();
    await t.until(async () => (await title.textContent()) === 'Fixture Song', 'previous track');
    // It plays through: 1.5 s each, then stops at the end of the queue.
    await t.until(async () => (await title.textContent()) === 'Second Song', 'plays on to the next', { timeout: 8000 });
    await t.until(() => page.locator('audio#player-audio').evaluate((a) => a.ended), 'ended', { timeout: 8000 });
    await t.until(async () => (await t.gql('{ viewer { recentlyPlayed(first: 100) { id completed } } }', {}, { session: true })).viewer.recentlyPlayed.length >= before + 2, 'plays recorded');
    // Space toggles (focus out of any field).
    await page.locator('h1').focus();
    await page.keyboard.press('Space');
    await t.until(() => page.locator('audio#player-audio').evaluate((a) => !a.paused), 'space plays');
    await page.keyboard.press('Space');
    await t.until(() => page.locator('audio#player-audio').evaluate((a) => a.paused), 'space pauses');
  });

  await t.step('playlist: rename, exclude from taste, add from search', async () => {
    await page.goto(t.url('/#/playlists'));
    await page.getByRole('link', { name: 'Road trip' }).click();
    // Rename is beside the name; Delete is away from Play, at the end of the settings.
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Playlist name', { exact: true }).fill('Long drive');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('heading', { name: 'Long drive', level: 1 }).waitFor();
    t.assert((await page.title()) === 'Long drive · Cadenza', 'the title follows the new name');
    const toolbar = page.getByRole('button', { name: 'Play playlist' }).locator('..');
    t.assert((await toolbar.getByRole('button', { name: 'Delete playlist' }).count()) === 0, 'Delete is not beside Play');
    await page.getByLabel(/Exclude from my taste/).check();
    await t.until(async () => (await t.gql('{ viewer { playlists { nodes { name excludedFromTasteProfile } } } }', {}, { session: true })).viewer.playlists.nodes[0].excludedFromTasteProfile, 'saved');
    await page.getByRole('link', { name: 'Search' }).first().click();
    await page.getByLabel('Search', { exact: true }).fill('fixture');
    await page.getByTestId('search-hit').first().waitFor();
    await rowAction(page.getByTestId('search-hit').filter({ hasText: 'In my locker' }).first(), 'Add to a playlist');
    await page.getByRole('dialog').getByRole('button', { name: 'Add to Long drive' }).click();
    await page.getByText('Added').first().waitFor();
    await t.axe('add-to-playlist');
  });

  await t.step('create-and-add from the dialog, then delete that playlist', async () => {
    await page.goto(t.url('/#/locker'));
    await rowAction(rows.first(), 'Add to a playlist');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New playlist').fill('Scratch');
    await dialog.getByRole('button', { name: 'Create and add' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.goto(t.url('/#/playlists'));
    await page.getByRole('link', { name: 'Scratch' }).click();
    await page.getByTestId('playlist-row').first().waitFor();
    await page.getByRole('button', { name: 'Delete playlist' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete playlist' }).click();
    await page.getByRole('heading', { name: 'Playlists', level: 1 }).waitFor();
    t.assert((await page.getByRole('link', { name: 'Scratch' }).count()) === 0, 'deleted');
  });

  await t.step('edit dialog: exclude from taste, axe on the dialog', async () => {
    await page.goto(t.url('/#/locker'));
    await rowAction(rows.first(), 'Edit tags');
    await t.axe('edit-tags');
    await t.shot('edit-tags');
    await page.getByRole('dialog').getByLabel(/Exclude from my taste/).check();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await rows.first().getByText('Not in my taste').waitFor();
  });

  await t.step('anonymous search: the catalogue, with facets and product links', async () => {
    const { page: anon, context } = await t.newDevice();
    // The demo catalogue has albums and tracks named with “Mirror”: a typo finds them.
    await anon.goto(t.url('/#/search?q=mirrr'));
    await anon.getByTestId('search-hit').first().waitFor();
    const old = t.page;
    t.page = anon;
    await t.axe('search-signed-out');
    await t.shot('search-signed-out');
    const facet = anon.getByRole('group', { name: 'Filter by genre' }).getByRole('button').nth(1);
    await facet.click();
    await t.until(async () => (await facet.getAttribute('aria-pressed')) === 'true', 'facet on');
    // Every hit is a link; a product is one row, never twice (as an album and again "for sale").
    const hits = anon.getByTestId('search-hit');
    const hrefs = await hits.locator('a.title').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    t.assert(hrefs.length === await hits.count(), `every hit is a link (${hrefs.length} links, ${await hits.count()} hits)`);
    const products = hrefs.filter((href) => href.startsWith('#/product/'));
    t.assert(products.length > 0, `a catalogue hit links to its product (${JSON.stringify(hrefs)})`);
    // One row per thing: an album and its product (or a track and its) are one row.
    const keys = await hits.evaluateAll((rows) => rows.map((row) => row.dataset.key));
    t.assert(new Set(keys).size === keys.length, `no thing twice: ${JSON.stringify(keys)}`);
    const forSale = await hits.evaluateAll((rows) => rows.map((row) => `${row.dataset.kind} ${row.querySelector('a.title').getAttribute('href')}`));
    t.assert(new Set(forSale).size === forSale.length, `no product twice as the same kind: ${JSON.stringify(forSale)}`);
    const artist = hrefs.find((href) => href.startsWith('#/artist/'));
    if (artist) {
      await hits.locator(`a.title[href="${artist}"]`).click();
      await anon.getByText('Artist', { exact: true }).first().waitFor();
      await anon.getByTestId('artist-album').first().waitFor();
      await anon.goBack();
    }
    t.page = old;
    await context.close();
  });

  await t.step('a stream URL that fails is signed again and playback goes on', async () => {
    await page.goto(t.url('/#/locker'));
    const row = page.getByTestId('locker-row').filter({ hasText: '<img' });
    await row.getByRole('button', { name: /^Play / }).click();
    const audio = page.locator('audio#player-audio');
    await t.until(() => audio.evaluate((a) => a.currentTime > 0.5), 'playing');
    const before = await audio.evaluate((a) => a.src);
    // As if the signature had expired: the server answers 404.
    await audio.evaluate((a) => {
      const at = a.currentTime;
      a.src = a.src.replace(/([?&]sig=)[^&]+/, '$1AAAA');
      a.currentTime = at;
      a.play().catch(() => {});
    });
    await t.until(() => audio.evaluate((a, b) => a.src !== b && !a.src.includes('AAAA') && a.currentTime > 1 && !a.paused, before), 'playing again on a fresh URL');
  });
}
