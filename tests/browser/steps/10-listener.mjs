// A listener's story: sign up, upload (drag and drop, several files at
// once, one refused), browse by artist, play, seek, make and reorder a
// playlist, search with a typo. A track titled with an XSS payload goes
// through every page and must show as text.

import { taggedWav } from '../wav.mjs';
import { rowAction, expectTitle } from './lib.mjs';

/** The title the harness checks never runs (`window.__xss`). */
const XSS_TITLE = '<img src=x onerror=window.__xss=1>';
const LONG_SECONDS = 12;

const audioTime = (page) => page.locator('audio#player-audio').evaluate((a) => a.currentTime);

/** The audio plays: its time moves past `from`, then moves on again. */
async function expectAdvancing(t, from) {
  const first = await t.until(async () => {
    const now = await audioTime(t.page);
    return now > from + 0.2 ? now : 0;
  }, `audio currentTime to pass ${from}`);
  await t.until(async () => (await audioTime(t.page)) > first + 0.2, `audio currentTime to advance past ${first}`);
  return first;
}

export async function run(t) {
  const page = t.page;
  t.email = `listener-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  t.password = 'a long listener password';

  await t.step('sign up', async () => {
    await page.goto(t.url('/#/signup'));
    await page.getByLabel('Display name').fill('Listener');
    await page.getByLabel('Email').fill(t.email);
    await page.getByLabel('Password').fill(t.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Locker', level: 1 }).waitFor();
  });

  await t.step('upload two tagged fixtures and a long track at once, one file refused', async () => {
    const long = {
      name: 'long-tone.wav',
      mimeType: 'audio/wav',
      buffer: taggedWav({ seconds: LONG_SECONDS, tags: { INAM: XSS_TITLE, IART: 'Fixture Band', IPRD: 'Long Tones', IGNR: 'Test' } }),
    };
    const notAudio = { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not music at all\n'.repeat(50)) };
    await t.dropFiles(page.getByTestId('dropzone'), [t.fixtures['tagged.mp3'], t.fixtures['tagged.flac'], long, notAudio]);
    const uploads = page.getByTestId('upload-row');
    await t.until(async () => (await uploads.filter({ hasText: /Uploaded: / }).count()) === 3, 'three uploads done', { timeout: 20_000 });
    await uploads.filter({ hasText: 'notes.txt' }).getByRole('alert').filter({ hasText: 'Not uploaded' }).waitFor();
    await t.until(async () => (await page.getByTestId('locker-row').count()) === 3, 'three rows in the locker');
    // The payload is shown, as text, in its row.
    await page.getByTestId('locker-row').filter({ hasText: XSS_TITLE }).waitFor();
    await t.axe('locker');
    await t.shot('locker');
  });

  await t.step('edit tags: give the FLAC its own title', async () => {
    const flac = page.getByTestId('locker-row').filter({ hasText: 'FLAC' });
    await rowAction(flac, 'Edit tags');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Second Song');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('locker-row').filter({ hasText: 'Second Song' }).waitFor();
  });

  await t.step('see them under their artist', async () => {
    await page.getByRole('link', { name: 'Artists' }).click();
    await page.getByRole('link', { name: 'Fixture Band' }).click();
    await page.getByRole('heading', { name: 'Fixture Band', level: 2 }).waitFor();
    for (const title of ['Fixture Song', 'Second Song', XSS_TITLE]) {
      await page.getByTestId('locker-row').filter({ hasText: title }).waitFor();
    }
  });

  await t.step('play one: the audio advances', async () => {
    const row = page.getByTestId('locker-row').filter({ hasText: XSS_TITLE });
    await row.getByRole('button', { name: /^Play / }).click();
    await expectAdvancing(t, 0);
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    t.assert((await page.locator('#player-title').textContent()) === XSS_TITLE, 'the player shows the title as text');
    await t.axe('player');
    await t.shot('player');
  });

  await t.step('seek to the middle: it plays from there', async () => {
    const middle = LONG_SECONDS / 2;
    await page.getByRole('slider', { name: 'Seek' }).fill(String(middle));
    const at = await expectAdvancing(t, middle - 0.2);
    t.assert(at >= middle - 0.2, `plays from the middle (at ${at})`);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  });

  await t.step('another tab shows this playback and resumes it', async () => {
    const other = await t.newPage();
    await other.goto(t.url('/#/playlists'));
    const remote = other.locator('#player').getByRole('status').filter({ hasText: 'Paused on another device' });
    await remote.filter({ hasText: XSS_TITLE }).waitFor();
    // Live: playing here shows as playing there.
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await other.locator('#player').getByText('Playing on another device').waitFor();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await other.locator('#player').getByText('Paused on another device').waitFor();
    const pausedAt = await audioTime(page);
    await other.getByRole('button', { name: 'Resume here' }).click();
    const otherTime = () => other.locator('audio#player-audio').evaluate((a) => a.currentTime);
    await t.until(async () => (await otherTime()) > pausedAt - 1.5 && !(await other.locator('audio#player-audio').evaluate((a) => a.paused)),
      `the other tab plays from about ${pausedAt}`);
    await other.close();
  });

  await t.step('make a playlist with both songs and reorder it by keyboard', async () => {
    await page.getByRole('link', { name: 'Playlists' }).first().click();
    await page.getByLabel('Playlist name').fill('Road trip');
    await page.getByRole('button', { name: 'Create playlist' }).click();
    await page.getByRole('heading', { name: 'Road trip', level: 1 }).waitFor();
    const playlistUrl = page.url();
    await page.goto(t.url('/#/locker'));
    for (const title of ['Fixture Song', 'Second Song']) {
      await rowAction(page.getByTestId('locker-row').filter({ hasText: title }), 'Add to a playlist');
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Add to Road trip' }).click();
      await dialog.waitFor({ state: 'detached' });
    }
    await page.goto(playlistUrl);
    const rows = page.getByTestId('playlist-row');
    const order = async () => (await rows.locator('.title').allTextContents()).join(' | ');
    await t.until(async () => (await order()) === 'Fixture Song | Second Song', 'the playlist in the order added');
    // Alt+ArrowDown on the focused first row moves it down...
    await rows.first().focus();
    await page.keyboard.press('Alt+ArrowDown');
    await t.until(async () => (await order()) === 'Second Song | Fixture Song', 'moved down by Alt+ArrowDown');
    // ...and the "Move up" button moves it back, then down again with the other button.
    const fixture = rows.filter({ hasText: 'Fixture Song' });
    await rowAction(fixture, 'Move up');
    await t.until(async () => (await order()) === 'Fixture Song | Second Song', 'moved up by its button');
    await rowAction(fixture, 'Move down');
    await t.until(async () => (await order()) === 'Second Song | Fixture Song', 'moved down by its button');
    // Drag and drop works too (and is saved like the rest).
    await rows.nth(1).dragTo(rows.nth(0));
    await t.until(async () => (await order()) === 'Fixture Song | Second Song', 'moved up by drag and drop');
    await rowAction(fixture, 'Move down');
    await t.until(async () => (await order()) === 'Second Song | Fixture Song', 'moved down by its button again');
    await page.reload();
    await rows.first().waitFor();
    await t.until(async () => (await order()) === 'Second Song | Fixture Song', 'the order persisted after a reload');
    await t.axe('playlist');
    await t.shot('playlist');
  });

  await t.step('search with a typo and find the song', async () => {
    await page.getByRole('link', { name: 'Search' }).first().click();
    await page.getByLabel('Search', { exact: true }).fill('secnd song');
    const hit = page.getByTestId('search-hit').filter({ hasText: 'Second Song' });
    await hit.first().waitFor();
    t.assert((await hit.first().locator('em').count()) > 0, 'the hit shows its highlight');
    await hit.first().getByRole('button', { name: /^Play / }).waitFor();
    await t.axe('search');
    await t.shot('search');
  });

  await t.step("search by artist: each song's title leads, the artist it matched beneath, every row a link", async () => {
    await page.getByLabel('Search', { exact: true }).fill('fixture band');
    const hits = page.getByTestId('search-hit');
    const mine = hits.filter({ hasText: 'In my locker' });
    await t.until(async () => (await mine.count()) >= 3, 'the three songs by Fixture Band');
    const titles = await mine.locator('.title a').allTextContents();
    for (const title of ['Fixture Song', 'Second Song', XSS_TITLE]) {
      t.assert(titles.includes(title), `"${title}" leads its row (titles: ${JSON.stringify(titles)})`);
    }
    t.assert(!titles.some((title) => /Fixture Band/.test(title)), `the artist is not in the title's place: ${JSON.stringify(titles)}`);
    // The matched artist is beneath the title, in its own place, highlighted.
    const meta = mine.filter({ hasText: 'Second Song' }).locator('.meta');
    t.assert(/^Fixture Band — Fixture Album/.test(await meta.innerText()), `artist — album beneath the title: "${await meta.innerText()}"`);
    t.assert((await meta.locator('em').allTextContents()).join(' ').includes('Fixture'), 'the matched artist is highlighted beneath the title');
    t.assert((await mine.filter({ hasText: 'Second Song' }).locator('.title em').count()) === 0, 'the title did not match: not highlighted');
    const count = await hits.count();
    t.assert((await hits.locator('a.title, .title a').count()) === count, 'every result is a link');
    await t.shot('search-artist');
  });

  await t.step('each page has its own title; a menu link opens the next page at its top, back returns where I was', async () => {
    await page.goto(t.url('/#/store'));
    await page.getByTestId('product-tile').nth(8).waitFor();
    await expectTitle(t, 'Store · Cadenza');
    await page.evaluate(() => window.scrollTo(0, 500));
    await t.until(() => page.evaluate(() => window.scrollY >= 450), 'the store scrolled down');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();
    await expectTitle(t, 'Search · Cadenza');
    t.assert(await page.evaluate(() => window.scrollY) === 0, 'the search page opens at its top');
    t.assert(await page.evaluate(() => document.activeElement?.textContent) === 'Search', 'the focus is on the new page\'s title');
    await page.goBack();
    await page.getByRole('heading', { name: 'Store', level: 1 }).waitFor();
    await t.until(() => page.evaluate(() => window.scrollY >= 450), 'back: the store where it was');
    await page.goForward();
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();
    await t.until(() => page.evaluate(() => window.scrollY === 0), 'forward: search at its top');
    await page.goto(t.url('/#/playlists'));
    await expectTitle(t, 'Playlists · Cadenza');
    await page.goto(t.url('/#/locker/artists'));
    await expectTitle(t, 'Artists · Locker · Cadenza');
  });

  await t.step('a toast stays on its page', async () => {
    await page.goto(t.url('/#/locker'));
    await rowAction(page.getByTestId('locker-row').filter({ hasText: 'Fixture Song' }), 'Edit tags');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    const toast = page.locator('#toasts .toast', { hasText: 'Tags saved.' });
    await toast.waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
    await page.getByRole('heading', { name: 'Playlists', level: 1 }).waitFor();
    t.assert(await toast.count() === 0, 'the toast did not follow to the next page');
  });

  await t.step('no markup from data ran', async () => {
    await t.expectNoXss();
  });
}
