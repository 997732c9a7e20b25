// The web app's timings in headless Chromium: `node bench.mjs <baseUrl>`,
// against a server with nothing in it (bench/web.sh starts one). Registers a
// listener, uploads ITEMS small tagged WAV files through the API, signs in
// through the page, then measures
//  - the locker page's first render: from navigation start to the first
//    locker row on screen (RUNS loads, the page reloaded each time);
//  - play: from the click on a row's play button to the audio element's
//    `playing` event (RUNS tracks).
// Prints a table on stdout. Not a test: no thresholds.
//
// The selectors the pages' authors chose are the constants below.
import { chromium } from 'playwright-core';
import { taggedWav } from './wav.mjs';

const ROW = '[data-testid="locker-row"]';
/** A row's play button, by its accessible name ("Play <title>"). */
const PLAY_BUTTON_NAME = /^play\b/i;
const AUDIO_ID = 'player-audio';
const LOCKER_PATH = '/#/locker';
const SIGN_IN_PATH = '/#/signin';
const EMAIL_LABEL = 'Email';
const PASSWORD_LABEL = 'Password';
const SIGN_IN_BUTTON = 'Sign in';

const ITEMS = Number(process.env.ITEMS || 1000);
const RUNS = Number(process.env.RUNS || 5);
const UPLOADS_AT_ONCE = 4;

const log = (...parts) => console.error('[bench]', ...parts);

/** A one-second WAV; the tone and tags make each file's bytes unique. */
function wav(i) {
  return taggedWav({
    seconds: 1,
    rate: 22050,
    hz: 220 + i,
    amplitude: 3000,
    tags: { INAM: `Song ${i}`, IART: `Artist ${i % 50}`, IPRD: `Album ${i % 200}`, IGNR: `Genre ${i % 7}`, ITRK: String((i % 12) + 1) },
  });
}

async function gql(baseUrl, query, variables = {}, token) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function upload(baseUrl, token, i) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadTrack(file: $f) { id } }', variables: { f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([wav(i)], { type: 'audio/wav' }), `${String(i).padStart(4, '0')}.wav`);
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = await response.json();
  if (body.errors) throw new Error(`upload ${i}: ${JSON.stringify(body.errors)}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

async function main() {
  const baseUrl = (process.argv[2] || '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(baseUrl)) {
    console.error('usage: node bench.mjs <baseUrl>');
    process.exit(2);
  }
  const email = `bench-${Date.now()}@example.com`;
  const password = 'bench password';
  const { register } = await gql(baseUrl, 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }', {
    input: { email, password, displayName: 'Bench' },
  });
  const token = register.accessToken;
  log(`uploading ${ITEMS} items, ${UPLOADS_AT_ONCE} at a time`);
  let next = 0;
  await Promise.all(
    Array.from({ length: UPLOADS_AT_ONCE }, async () => {
      while (next < ITEMS) await upload(baseUrl, token, next++);
    }),
  );

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    // Runs before the page's scripts (and outside its CSP): notes when the
    // first row is on screen, and when the player's audio starts playing.
    await page.addInitScript(
      ({ row, audioId }) => {
        const seen = () => {
          const el = document.querySelector(row);
          if (!el) return false;
          const box = el.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        };
        const observer = new MutationObserver(() => {
          if (window.__firstRowAt === undefined && seen()) {
            window.__firstRowAt = -1;
            requestAnimationFrame(() => {
              window.__firstRowAt = performance.now();
            });
            observer.disconnect();
          }
        });
        observer.observe(document, { childList: true, subtree: true, attributes: true });
        window.__playing = [];
        window.addEventListener('click', () => { window.__clickAt = performance.now(); }, true);
        window.addEventListener('playing', (e) => {
          if (e.target && e.target.id === audioId) window.__playing.push(performance.now());
        }, true);
      },
      { row: ROW, audioId: AUDIO_ID },
    );

    await page.goto(`${baseUrl}${SIGN_IN_PATH}`);
    await page.getByLabel(EMAIL_LABEL, { exact: true }).fill(email);
    await page.getByLabel(PASSWORD_LABEL, { exact: true }).fill(password);
    await page.getByRole('button', { name: SIGN_IN_BUTTON, exact: true }).click();
    await page.getByLabel(EMAIL_LABEL, { exact: true }).waitFor({ state: 'detached' });

    const renders = [];
    let rows = 0;
    for (let run = 0; run < RUNS; run++) {
      // A reload each time: a new document, timed from its navigation start.
      await page.goto(`${baseUrl}${LOCKER_PATH}`);
      await page.reload();
      await page.waitForFunction(() => window.__firstRowAt > 0).catch((error) => {
        throw new Error(`no ${ROW} on screen after a reload of ${LOCKER_PATH} (is the session kept across a reload? are the selectors at the top of bench.mjs the pages' own?): ${error.message}`);
      });
      renders.push(await page.evaluate(() => window.__firstRowAt));
      rows = await page.locator(ROW).count();
    }

    const plays = [];
    for (let run = 0; run < RUNS; run++) {
      const before = await page.evaluate(() => window.__playing.length);
      await page.locator(ROW).nth(run).getByRole('button', { name: PLAY_BUTTON_NAME }).first().click();
      await page.waitForFunction((n) => window.__playing.length > n, before);
      plays.push(await page.evaluate(() => window.__playing[window.__playing.length - 1] - window.__clickAt));
    }

    console.log(`| measure (${ITEMS} items, ${RUNS} runs) | median | min | max |`);
    console.log('|---|---|---|---|');
    console.log(`| locker page, navigation start to first row on screen (${rows} rows in the page) | ${ms(median(renders))} | ${ms(Math.min(...renders))} | ${ms(Math.max(...renders))} |`);
    console.log(`| play: click to the audio's \`playing\` event | ${ms(median(plays))} | ${ms(Math.min(...plays))} | ${ms(Math.max(...plays))} |`);
  } finally {
    await browser.close();
  }
}

await main();
