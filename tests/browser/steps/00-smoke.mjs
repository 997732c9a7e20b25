// Proves the harness on what the server serves before anyone signs in: the
// app's page under a strict CSP (and the harness seeing a violation when
// one happens), axe-core in the page, screenshots; GraphiQL at /graphql
// from this origin alone.
import { waitForArtwork } from './lib.mjs';

const CSP_SCRIPT_SELF = /(^|;)\s*script-src 'self'\s*(;|$)/;

export async function run(t) {
  await t.step('open / as a browser: what Cadenza is and the store, under a strict CSP', async () => {
    const response = await t.page.goto(t.url('/'));
    t.assert(response && response.ok(), `GET / answered ${response && response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    t.assert(CSP_SCRIPT_SELF.test(csp), `GET / has a CSP with script-src 'self' only; got "${csp}"`);
    await t.page.getByRole('heading', { level: 1, name: /music locker and a record store/ }).waitFor();
    await t.page.getByTestId('product-tile').first().waitFor();
    t.assert((await t.page.title()) === 'Welcome · Cadenza', `the welcome's title (${await t.page.title()})`);
    // The store's artwork is served by Cadenza (no request leaves the origin: the harness checks).
    await waitForArtwork(t, t.page, 8);
    const src = await t.page.getByTestId('product-tile').first().locator('img.cover').getAttribute('src');
    t.assert(src.startsWith('/artwork/'), `artwork from this origin (${src})`);
    await t.axe('welcome');
    await t.shot('welcome');
    await t.page.getByRole('link', { name: 'I have an account' }).click();
    await t.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    t.assert((await t.page.title()) === 'Sign in · Cadenza', 'the sign-in page has its own title');
  });

  await t.step('an inline script is blocked and reported', async () => {
    await t.expectCspViolation(() =>
      t.page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__inline = 1';
        document.head.append(script);
      }),
    );
    t.assert((await t.page.evaluate(() => window.__inline)) === undefined, 'the inline script did not run');
  });

  await t.step('axe-core finds nothing serious on the sign-in page', async () => {
    const violations = await t.axe('sign-in');
    t.assert(Array.isArray(violations), 'axe returned its violations');
    await t.shot('sign-in');
  });

  await t.step('GraphiQL at /graphql loads from this origin alone', async () => {
    const page = await t.newPage();
    const response = await page.goto(t.url('/graphql'));
    const csp = response.headers()['content-security-policy'] || '';
    t.assert(CSP_SCRIPT_SELF.test(csp), `GET /graphql (HTML) has a CSP with script-src 'self' only; got "${csp}"`);
    await page.locator('.graphiql-container').waitFor();
    await page.close();
  });
}
