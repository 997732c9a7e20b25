// Proves the harness: the app's page loads under a strict CSP, the harness
// sees a CSP violation when one happens, and axe-core runs in the page.
export async function run(t) {
  await t.step('open / as a browser', async () => {
    const response = await t.page.goto(t.url('/'));
    t.assert(response && response.ok(), `GET / answered ${response && response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    t.assert(/(^|;)\s*script-src 'self'(\s*;|\s*$)/.test(csp), `GET / has a CSP with script-src 'self' only; got "${csp}"`);
    await t.page.waitForLoadState('load');
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

  await t.step('axe-core runs in the page', async () => {
    const violations = await t.axe('home');
    t.assert(Array.isArray(violations), 'axe returned its violations');
  });
}
