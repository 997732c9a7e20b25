// The privacy part of the story: turn the listening history off and check
// a play is not recorded, download the export, make a key for a Subsonic
// player (shown once, working over /rest) and revoke it, delete the account
// and land signed out (signing in again fails).

import { ensureListener } from './20-store.mjs';

const RECENT = '{ viewer { recentlyPlayed(first: 100) { id } locker { items(first: 1) { nodes { id title } } } } }';

export async function run(t) {
  await ensureListener(t);
  const page = t.page;

  await t.step('turn the listening history off', async () => {
    await page.goto(t.url('/#/privacy'));
    const history = page.getByLabel('Record my listening history');
    await history.waitFor();
    if (!(await history.isChecked())) await history.check();
    await history.uncheck();
    await page.getByText('Saved: “Record my listening history” is off.').waitFor();
    const { viewer } = await t.gql('{ viewer { privacy { recordListeningHistory } } }', {}, { session: true });
    t.assert(viewer.privacy.recordListeningHistory === false, 'the server has the history off');
    // The consent log shows the change.
    await page.getByRole('table', { name: 'Consent log, newest first' })
      .getByRole('row').filter({ hasText: 'Turned off' }).first().waitFor();
    await t.axe('privacy');
    await t.shot('privacy', { fullPage: true });
  });

  await t.step('a play is not recorded', async () => {
    const before = await t.gql(RECENT, {}, { session: true });
    const item = before.viewer.locker.items.nodes[0];
    t.assert(item, 'the locker has an item to play');
    // Play it in the page when the player can (P1's locker page), then send
    // the play as a player would: the server must answer "not stored".
    await page.goto(t.url('/#/locker'));
    const play = page.getByTestId('locker-row').getByRole('button', { name: `Play ${item.title}`, exact: true }).first();
    await play.waitFor();
    if (await play.isEnabled()) {
      await play.click();
      const audio = page.locator('audio#player-audio');
      await t.until(() => audio.evaluate((a) => a.currentTime > 0.3), 'the song playing', { timeout: 15_000 });
      await page.getByRole('button', { name: 'Pause', exact: true }).click();
    }
    const stored = await t.gql('mutation ($input: RecordPlayInput!) { recordPlay(input: $input) }',
      { input: { itemId: item.id, msPlayed: 30_000, completed: true } }, { session: true });
    t.assert(stored.recordPlay === false, 'recordPlay answers false with history off');
    const after = await t.gql(RECENT, {}, { session: true });
    t.assert(after.viewer.recentlyPlayed.length === before.viewer.recentlyPlayed.length,
      `no play added (${before.viewer.recentlyPlayed.length} before, ${after.viewer.recentlyPlayed.length} after)`);
  });

  await t.step('download the export', async () => {
    await page.goto(t.url('/#/privacy'));
    await page.getByRole('button', { name: 'Download my data' }).click();
    const link = page.getByRole('link', { name: /Save the export/ });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    const document = JSON.parse(await readFile(path, 'utf8'));
    t.assert(JSON.stringify(document).includes(t.email), 'the export holds the user\'s email');
    await page.getByText('Downloaded. That link now no longer works').waitFor();
  });

  await t.step('make a player key, use it over /rest and revoke it', async () => {
    await page.goto(t.url('/#/privacy'));
    await page.getByLabel('Device name').fill('Phone in the car');
    await page.getByRole('button', { name: 'Make a player key' }).click();
    const notice = page.getByText('Copy this key now: it is not shown again.');
    await notice.waitFor();
    const secret = (await page.locator('code.secret').last().textContent()).trim();
    t.assert(secret.startsWith('cdzp_'), `the key is shown once (${secret.slice(0, 5)}…)`);
    t.assert(await page.getByText(t.email, { exact: true }).count() > 0, 'the page says which user name to give the player');
    // A player asks with it (same origin: nothing leaves).
    const ping = () => page.evaluate(async (key) => {
      const response = await fetch(`/rest/ping.view?apiKey=${encodeURIComponent(key)}&v=1.16.1&c=story&f=json`);
      return (await response.json())['subsonic-response'];
    }, secret);
    t.assert((await ping()).status === 'ok', 'the key signs a player in');
    await page.getByText(/last used .* by story/).or(page.getByText('never used')).first().waitFor();
    await t.axe('privacy-players');
    await page.getByRole('button', { name: 'Revoke the key of Phone in the car' }).click();
    await page.getByText('No player has a key yet.').waitFor();
    t.assert((await notice.count()) === 0, 'the secret is gone from the page');
    const refused = await ping();
    t.assert(refused.status === 'failed' && refused.error.code === 44, 'a revoked key is refused');
  });

  await t.step('delete the account and land signed out', async () => {
    await page.getByLabel('Your password').fill('not the password at all');
    await page.getByLabel('I understand that this deletes my account').check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText('That password is not right. Nothing was deleted.').waitFor();
    await page.getByLabel('Your password').fill(t.password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(/#\/signin/);
    await page.getByText('Your account has been deleted').waitFor();
    const stored = await page.evaluate(() => localStorage.getItem('cadenza.session'));
    t.assert(stored === null, 'the session is forgotten');
    await page.getByLabel('Email').fill(t.email);
    await page.getByLabel('Password').fill(t.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    t.assert(/#\/signin/.test(page.url()), 'still on the sign-in page: signing in again fails');
  });
}
