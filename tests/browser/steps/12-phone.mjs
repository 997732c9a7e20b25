// The phone (360×740): every section in reach from the tab bar at the
// bottom (the rest under "More"), the Cart tab with its count, rows with
// one menu button instead of four, the store's filters whole, search's
// genre chips not filling the screen, and nothing wider than the screen.
// Runs after 11-listener-more.mjs, signed in as its listener.
import { rowAction } from './lib.mjs';

const PHONE = { width: 360, height: 740 };

async function noSideways(t) {
  const wide = await t.page.evaluate(() => document.documentElement.scrollWidth);
  t.assert(wide <= 360, `nothing is wider than the screen (the page is ${wide}px wide)`);
}

export async function run(t) {
  const page = t.page;
  const original = page.viewportSize();
  await page.setViewportSize(PHONE);
  try {
    await t.step('the tab bar reaches every section, the rest under More', async () => {
      await page.goto(t.url('/#/locker'));
      await page.getByTestId('locker-row').first().waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const name of ['Locker', 'Search', 'Store', /^Cart/]) {
        const link = nav.getByRole('link', { name });
        await link.waitFor();
        const box = await link.boundingBox();
        t.assert(box && box.x >= 0 && box.x + box.width <= 360 && box.y + box.height <= 740,
          `the ${name} tab is on the screen (${JSON.stringify(box)})`);
      }
      await noSideways(t);
      await nav.getByRole('button', { name: 'More sections' }).click();
      const menu = nav.getByRole('menu');
      for (const name of ['Playlists', 'For you', 'Orders', 'Privacy']) {
        const item = menu.getByRole('menuitem', { name });
        const box = await item.boundingBox();
        t.assert(box && box.x >= 0 && box.x + box.width <= 360 && box.y >= 0 && box.y + box.height <= 740, `${name} is on the screen in More`);
      }
      await t.axe('phone-more');
      await t.shot('phone-more');
      await menu.getByRole('menuitem', { name: 'Orders' }).click();
      await page.getByRole('heading', { level: 1, name: /Orders|Your orders/ }).waitFor();
    });

    await t.step('rows: title and Play, the other actions behind one button', async () => {
      await page.goto(t.url('/#/locker'));
      const rows = page.getByTestId('locker-row');
      await rows.first().waitFor();
      const first = rows.filter({ hasText: 'Fixture Song' }).first();
      t.assert((await first.getByRole('button').count()) === 2, 'a row has two buttons: Play and More actions');
      const height = (await first.boundingBox()).height;
      t.assert(height <= 96, `a row is at most 96px high on a phone (${height})`);
      await rowAction(first, 'Add to a playlist');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      await noSideways(t);
    });

    await t.step('the store: filters whole, two columns of covers', async () => {
      await page.goto(t.url('/#/store'));
      await page.getByTestId('product-tile').first().waitFor();
      for (const name of ['Genre', 'Kind', 'Sort by']) {
        const select = page.getByLabel(name, { exact: true });
        const fits = await select.evaluate((el) => {
          // The chosen option's text, measured in the select's font, fits its box.
          const canvas = document.createElement('canvas').getContext('2d');
          const style = getComputedStyle(el);
          canvas.font = `${style.fontSize} ${style.fontFamily}`;
          const text = canvas.measureText(el.selectedOptions[0].textContent).width;
          return { text, box: el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20 };
        });
        t.assert(fits.text <= fits.box, `the ${name} select shows its whole choice (${JSON.stringify(fits)})`);
      }
      const tiles = page.getByTestId('product-tile');
      const a = await tiles.nth(0).boundingBox();
      const b = await tiles.nth(1).boundingBox();
      t.assert(Math.abs(a.y - b.y) < 2, 'two tiles a line');
      await noSideways(t);
    });

    await t.step('search: the genre chips leave room for the results', async () => {
      const { page: anon, context } = await t.newDevice();
      await anon.setViewportSize(PHONE);
      await anon.goto(t.url('/#/search?q=the'));
      await anon.getByTestId('search-hit').first().waitFor();
      const facets = anon.getByRole('group', { name: 'Filter by genre' });
      const box = await facets.boundingBox();
      t.assert(box.height <= 140, `the chips take at most 140px (${box.height})`);
      const firstHit = await anon.getByTestId('search-hit').first().boundingBox();
      t.assert(firstHit.y + firstHit.height <= 740, 'the first result is on the first screen');
      await context.close();
    });
  } finally {
    await page.setViewportSize(original);
  }
}
