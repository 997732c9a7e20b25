// Two devices (two browser contexts, each signed in): while the laptop
// plays, the phone shows where it is, live (its time runs on, not "at
// 0:00"); "Resume here" on the phone starts from the laptop's live
// position and the laptop stops. Runs after 10-listener.mjs (its
// listener and its 12-second track titled with the XSS payload).
import { expectTitle } from './lib.mjs';

const audioOf = (page) => page.locator('audio#player-audio');
const timeOf = (page) => audioOf(page).evaluate((a) => a.currentTime);
const pausedOf = (page) => audioOf(page).evaluate((a) => a.paused);
/** "m:ss" as seconds. */
const seconds = (text) => {
  const [m, s] = text.trim().split(':').map(Number);
  return m * 60 + s;
};

export async function run(t) {
  const laptop = t.page;
  const { page: phone, context } = await t.newDevice();
  try {
    await t.step('sign in on a second device', async () => {
      await phone.goto(t.url('/#/signin'));
      await phone.getByLabel('Email').fill(t.email);
      await phone.getByLabel('Password').fill(t.password);
      await phone.getByRole('button', { name: 'Sign in' }).click();
      await phone.getByRole('heading', { name: 'Locker', level: 1 }).waitFor();
      await expectTitle({ ...t, page: phone }, 'Locker · Cadenza');
    });

    await t.step('the laptop plays; the phone shows its live position', async () => {
      await laptop.goto(t.url('/#/locker'));
      const row = laptop.getByTestId('locker-row').filter({ hasText: '<img' });
      await row.getByRole('button', { name: /^Play / }).click();
      await t.until(async () => (await timeOf(laptop)) > 0.2 && !(await pausedOf(laptop)), 'the laptop playing');
      // The playing row is marked.
      await row.getByText('Now playing').waitFor();
      t.assert(await row.evaluate((el) => el.classList.contains('now-playing')), 'the playing row is marked');
      const remote = phone.locator('#player .remote');
      await remote.getByText('Playing on another device').waitFor();
      // Its time runs on with the laptop's (reports every 5 s, and the phone counts on between them).
      await t.until(async () => (await timeOf(laptop)) > 3.5, 'the laptop past 3.5 s', { timeout: 15_000 });
      const shown = seconds(await remote.locator('.remote-time').textContent());
      const actual = await timeOf(laptop);
      t.assert(Math.abs(shown - actual) <= 1.6, `the phone shows ${shown}s while the laptop is at ${actual.toFixed(1)}s`);
      await t.shot('two-devices');
    });

    await t.step('"Resume here" on the phone: it plays from the live position and the laptop stops', async () => {
      const at = await timeOf(laptop);
      await phone.getByRole('button', { name: 'Resume here' }).click();
      await t.until(async () => !(await pausedOf(phone)) && (await timeOf(phone)) > 0, 'the phone playing');
      const start = await timeOf(phone);
      t.assert(start >= at - 0.5, `the phone starts at the live position (${start.toFixed(1)}s, the laptop was at ${at.toFixed(1)}s)`);
      await t.until(() => pausedOf(laptop), 'the laptop paused by the phone taking over', { timeout: 10_000 });
      await laptop.locator('#player .remote').getByText('Playing on another device').waitFor();
      // Stays paused: the laptop did not report its pause over the phone's state.
      const { viewer } = await t.gql('{ viewer { playback { playing deviceId } } }', {}, { session: true });
      t.assert(viewer.playback.playing === true && viewer.playback.deviceId !== await laptop.evaluate(
        () => `${localStorage.getItem('cadenza.device')}/${sessionStorage.getItem('cadenza.tab')}`,
      ), `the server has the phone playing: ${JSON.stringify(viewer.playback)}`);
      await phone.getByRole('button', { name: 'Pause', exact: true }).click();
    });
  } finally {
    await context.close();
  }
}
