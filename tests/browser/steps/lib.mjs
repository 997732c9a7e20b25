// Helpers shared by the step files (not a step: its name has no number).

/** Opens a row's "More actions" menu and picks `label` in it. */
export async function rowAction(row, label) {
  await row.getByRole('button', { name: /^More actions for / }).click();
  await row.getByRole('menu').getByRole('menuitem', { name: label, exact: true }).click();
}

/** The page's <title>, once it is `expected` (titles follow the render). */
export async function expectTitle(t, expected) {
  await t.until(async () => (await t.page.title()) === expected, `the page's title to be "${expected}" (it is "${await t.page.title()}")`);
}

/**
 * Reloads the page until its first `count` product tiles show their
 * artwork (the demo's is drawn in the background as the server starts),
 * so screenshots show the store as a person sees it.
 */
export async function waitForArtwork(t, page, count = 8) {
  await t.until(async () => {
    await page.reload();
    const tiles = page.getByTestId('product-tile');
    await tiles.first().waitFor();
    return page.evaluate(async (n) => {
      const tiles = [...document.querySelectorAll('[data-testid="product-tile"]')].slice(0, n);
      const images = tiles.map((tile) => tile.querySelector('img.cover'));
      if (images.some((img) => !img)) return false;
      await Promise.all(images.map((img) => img.decode().catch(() => {})));
      return images.every((img) => img.complete && img.naturalWidth > 0);
    }, count);
  }, `the artwork of the first ${count} products`, { timeout: 120_000, interval: 2_000 });
}
