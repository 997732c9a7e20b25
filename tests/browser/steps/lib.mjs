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
