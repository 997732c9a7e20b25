// Proves the harness on what the server serves before anyone signs in: the
// app's page under a strict CSP (and the harness seeing a violation when
// one happens), axe-core in the page, screenshots; GraphiQL at /graphql
// from this origin alone.
const CSP_SCRIPT_SELF = /(^|;)\s*script-src 'self'\s*(;|$)/;

export async function run(t) {
  await t.step('open / as a browser: the sign-in page, under a strict CSP', async () => {
    const response = await t.page.goto(t.url('/'));
    t.assert(response && response.ok(), `GET / answered ${response && response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    t.assert(CSP_SCRIPT_SELF.test(csp), `GET / has a CSP with script-src 'self' only; got "${csp}"`);
    await t.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
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
