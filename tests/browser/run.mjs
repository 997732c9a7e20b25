// Walks the web app in headless Chromium: `node run.mjs <baseUrl>`.
//
// Runs every step module in steps/ (`NN-name.mjs`, in file-name order); each
// exports `async function run(t)` and gets the harness `t` (see `harness`
// below). Fails on the first failing step, on any uncaught page error, on
// any Content-Security-Policy violation, on any request to another origin,
// on an open dialog and on `window.__xss` being set. Prints a JSON summary on stdout, the log on
// stderr; on failure saves a screenshot and the page's HTML and says where.
//
// Environment: CADENZA_SCREENSHOTS (directory for `t.shot`, else a temp
// dir), CADENZA_BROWSER_STEPS (a substring: run only the steps whose file
// name contains it), CADENZA_BROWSER_TIMEOUT (seconds for the whole run,
// default 240), CHROMIUM (executable, default /usr/bin/chromium).
import { readdir, readFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const fixturesDir = resolve(here, '..', 'fixtures', 'audio');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);
/** Where the web app keeps its session (api/web/assets/js/session.js). */
const SESSION_KEY = 'cadenza.session';

const log = (...parts) => console.error('[browser]', ...parts);

class StepFailure extends Error {}

async function main() {
  const baseUrl = (process.argv[2] || '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(baseUrl)) {
    console.error('usage: node run.mjs <baseUrl>   (e.g. http://127.0.0.1:8080)');
    process.exit(2);
  }
  const artifacts = await mkdtemp(join(tmpdir(), 'cadenza-browser-'));
  const shotsDir = process.env.CADENZA_SCREENSHOTS
    ? resolve(process.env.CADENZA_SCREENSHOTS)
    : join(artifacts, 'screenshots');
  await mkdir(shotsDir, { recursive: true });
  const only = process.env.CADENZA_BROWSER_STEPS || '';
  const stepFiles = (await readdir(join(here, 'steps')))
    .filter((f) => /^\d+-.+\.mjs$/.test(f) && f.includes(only))
    .sort();
  const summary = { ok: false, baseUrl, steps: [], axe: [], screenshots: [], problems: [], artifacts };

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
  const timeoutSecs = Number(process.env.CADENZA_BROWSER_TIMEOUT || 240);
  const watchdog = setTimeout(async () => {
    log(`the run took more than ${timeoutSecs} s: stopping`);
    summary.problems.push(`timed out after ${timeoutSecs} s`);
    console.log(JSON.stringify(summary, null, 2));
    await browser.close().catch(() => {});
    process.exit(1);
  }, timeoutSecs * 1000);

  try {
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    const t = await harness({ browser, context, baseUrl, shotsDir, summary });
    for (const file of stepFiles) {
      const name = basename(file, '.mjs');
      const started = Date.now();
      log(`step file ${file}`);
      try {
        const module = await import(pathToFileURL(join(here, 'steps', file)).href);
        if (typeof module.run !== 'function') throw new Error(`${file} exports no run(t)`);
        await module.run(t);
        t.checkProblems(`after ${file}`);
        await t.expectNoXss();
        summary.steps.push({ file, ok: true });
        log(`ok ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        summary.steps.push({ file, ok: false, step: t.currentStep, error: String(error?.message || error) });
        const saved = await saveFailure(t.page, artifacts, name);
        log(`FAILED ${file}${t.currentStep ? ` at step "${t.currentStep}"` : ''}:\n${error?.stack || error}`);
        log(`page saved: ${saved.join(', ')}`);
        throw new StepFailure(`${file} failed`);
      }
    }
    if (stepFiles.length === 0) throw new StepFailure(`no step matches "${only}" in ${join(here, 'steps')}`);
    summary.ok = true;
  } catch (error) {
    if (!(error instanceof StepFailure)) log(error?.stack || String(error));
    summary.problems.push(String(error?.message || error));
  } finally {
    clearTimeout(watchdog);
    await browser.close().catch(() => {});
  }
  console.log(JSON.stringify(summary, null, 2));
  process.exit(summary.ok ? 0 : 1);
}

/** The object every step gets. */
async function harness({ browser, context, baseUrl, shotsDir, summary }) {
  const problems = [];
  const axeSource = await readFile(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const fixtures = Object.fromEntries(
    (await readdir(fixturesDir, { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => [e.name, join(fixturesDir, e.name)]),
  );

  const watch = (page) => {
    page.setDefaultTimeout(15_000);
    page.setDefaultNavigationTimeout(30_000);
    page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.stack || error}`));
    page.on('console', (message) => {
      const text = message.text();
      // Chromium reports every CSP violation in the console.
      if (/Content.Security.Policy/i.test(text)) problems.push(`CSP violation on ${page.url()}: ${text}`);
      else if (message.type() === 'error') {
        const source = message.location()?.url;
        log(`console error on ${page.url()}: ${text}${source ? ` (${source})` : ''}`);
      }
    });
    // The app talks only to its own server: no CDN, no fonts from elsewhere.
    const foreign = (url) => /^(https?|wss?):/.test(url) && new URL(url).host !== new URL(baseUrl).host;
    page.on('request', (request) => {
      if (foreign(request.url())) problems.push(`a request left the server's origin from ${page.url()}: ${request.url()}`);
    });
    page.on('websocket', (socket) => {
      if (foreign(socket.url())) problems.push(`a WebSocket left the server's origin from ${page.url()}: ${socket.url()}`);
    });
    page.on('dialog', async (dialog) => {
      problems.push(`a ${dialog.type()} dialog opened on ${page.url()}: ${dialog.message()}`);
      await dialog.dismiss().catch(() => {});
    });
  };
  context.on('page', watch);

  const t = {
    browser,
    context,
    baseUrl,
    fixtures,
    /** The page steps work on; a step may replace it (t.page = await t.newPage()). */
    page: await context.newPage(),
    currentStep: null,
    /** Absolute URL of a path on the server. */
    url: (path = '/') => new URL(path, `${baseUrl}/`).href,
    /** Another tab in the same browser context (same cookies and storage). */
    newPage: () => context.newPage(),
    /** Another browser context: a second device, with nothing shared. */
    async newDevice() {
      const other = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
      other.on('page', watch);
      return { context: other, page: await other.newPage() };
    },

    /** Runs `fn` as a named step: logged, and named in the failure report. */
    async step(name, fn) {
      const outer = t.currentStep;
      t.currentStep = outer ? `${outer} > ${name}` : name;
      log(`  - ${t.currentStep}`);
      await fn();
      t.checkProblems(`in step "${t.currentStep}"`);
      t.currentStep = outer;
    },

    /** Throws if a page error, CSP violation or dialog was seen. */
    checkProblems(where) {
      if (problems.length > 0) {
        const seen = problems.splice(0);
        summary.problems.push(...seen);
        throw new Error(`${where}:\n  ${seen.join('\n  ')}`);
      }
    },

    /**
     * Runs `fn`, which must make the page report a CSP violation (the
     * harness's own check that such reports reach it); the report is not a
     * failure.
     */
    async expectCspViolation(fn) {
      t.checkProblems('before expectCspViolation');
      await fn();
      await t.until(() => problems.some((p) => p.startsWith('CSP violation')), 'a CSP violation report', { timeout: 5_000 });
      const unexpected = problems.splice(0).filter((p) => !p.startsWith('CSP violation'));
      problems.push(...unexpected);
    },

    /** Asserts no page of any context ran the XSS fixture's payload. */
    async expectNoXss() {
      for (const ctx of browser.contexts()) {
        for (const page of ctx.pages()) {
          if (page.isClosed()) continue;
          const hit = await page.evaluate(() => window.__xss).catch(() => undefined);
          if (hit !== undefined) throw new Error(`window.__xss was set (${hit}) on ${page.url()}: markup from data ran`);
        }
      }
    },

    /** Screenshots of the current page at desktop and phone width. */
    async shot(name, { fullPage = false } = {}) {
      const page = t.page;
      const original = page.viewportSize() || DESKTOP;
      for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
        await page.setViewportSize(size);
        await settle(page);
        const path = join(shotsDir, `${name}-${label}.png`);
        await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
        summary.screenshots.push(path);
      }
      await page.setViewportSize(original);
      await settle(page);
    },

    /** Runs axe-core on the current page; fails on serious or critical violations. */
    async axe(name, { exclude = [] } = {}) {
      const page = t.page;
      // Evaluated over DevTools, so the page's `script-src 'self'` does not
      // block it (a <script> tag from addScriptTag would be).
      const present = await page.evaluate(() => typeof window.axe === 'object');
      if (!present) await page.evaluate(axeSource);
      const result = await page.evaluate(
        async (exclude) => {
          const r = await window.axe.run({ exclude: exclude.map((s) => [s]) }, { resultTypes: ['violations'] });
          return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
          }));
        },
        exclude,
      );
      const blocking = result.filter((v) => BLOCKING_IMPACTS.has(v.impact));
      summary.axe.push({
        name,
        url: page.url(),
        violations: result.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`),
      });
      for (const v of result.filter((v) => !BLOCKING_IMPACTS.has(v.impact))) {
        log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes)`);
      }
      if (blocking.length > 0) {
        const detail = blocking
          .map((v) => `${v.impact} ${v.id}: ${v.help} ${v.helpUrl}\n${v.nodes.map((n) => `      ${n.target}: ${n.summary}`).join('\n')}`)
          .join('\n  ');
        throw new Error(`axe on "${name}" (${page.url()}) found serious or critical violations:\n  ${detail}`);
      }
      return result;
    },

    /**
     * Calls the GraphQL API from the test: anonymously, with `token`, or,
     * with `session: true`, as the user signed in on the current page.
     * Returns `data`; throws on `errors` unless `allowErrors` (then returns
     * the whole body).
     */
    async gql(query, variables = {}, { token, session = false, allowErrors = false } = {}) {
      const bearer = session ? await t.sessionToken() : token;
      const response = await context.request.post(t.url('/graphql'), {
        // A connection of its own each time: a pooled one left idle past
        // the server's keep-alive can be closed just as it is reused, and
        // a POST on it fails with "socket hang up" (CI saw it once).
        headers: {
          accept: 'application/graphql-response+json',
          connection: 'close',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        data: { query, variables },
      });
      const body = await response.json().catch(async () => ({ errors: [{ message: await response.text() }] }));
      if (body.errors && !allowErrors) {
        throw new Error(`GraphQL error (${response.status()}): ${JSON.stringify(body.errors)}`);
      }
      return allowErrors ? body : body.data;
    },

    /** The access token of the session signed in on the current page. */
    async sessionToken() {
      const stored = await t.page.evaluate((key) => localStorage.getItem(key), SESSION_KEY);
      const token = stored && JSON.parse(stored).accessToken;
      if (!token) throw new Error(`no session in the page's localStorage (${SESSION_KEY}): is anyone signed in?`);
      return token;
    },

    /**
     * Drops files on `target` (a locator) as a drag and drop from the
     * desktop would: dragenter, dragover and drop with a DataTransfer
     * holding them. `files` are absolute paths, or { name, mimeType, buffer }.
     */
    async dropFiles(target, files) {
      const payload = await Promise.all(
        files.map(async (file) => {
          if (typeof file !== 'string') {
            return { name: file.name, type: file.mimeType || '', base64: Buffer.from(file.buffer).toString('base64') };
          }
          return { name: basename(file), type: mimeOf(file), base64: (await readFile(file)).toString('base64') };
        }),
      );
      const transfer = await target.page().evaluateHandle((payload) => {
        const dt = new DataTransfer();
        for (const f of payload) {
          const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
          dt.items.add(new File([bytes], f.name, { type: f.type }));
        }
        return dt;
      }, payload);
      for (const type of ['dragenter', 'dragover', 'drop']) {
        await target.dispatchEvent(type, { dataTransfer: transfer });
      }
      await transfer.dispose();
    },

    /** Fails with `message` unless `condition`. */
    assert(condition, message) {
      if (!condition) throw new Error(`assertion failed: ${message}`);
    },

    /** Polls `fn` until it returns a truthy value (bounded; default 10 s). */
    async until(fn, message, { timeout = 10_000, interval = 100 } = {}) {
      const end = Date.now() + timeout;
      for (;;) {
        const value = await fn();
        if (value) return value;
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for: ${message}`);
        await new Promise((r) => setTimeout(r, interval));
      }
    },

    log,
  };
  return t;
}

/** The MIME type a browser would give a dropped file, by its extension. */
function mimeOf(path) {
  const types = {
    mp3: 'audio/mpeg', flac: 'audio/flac', ogg: 'audio/ogg', opus: 'audio/ogg', wav: 'audio/wav',
    m4a: 'audio/mp4', aiff: 'audio/aiff', txt: 'text/plain', png: 'image/png', jpg: 'image/jpeg',
  };
  return types[path.split('.').pop().toLowerCase()] || '';
}

/** Waits for layout after a resize: fonts and two animation frames. */
async function settle(page) {
  await page.evaluate(
    () =>
      document.fonts.ready.then(
        () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
      ),
  );
}

async function saveFailure(page, dir, name) {
  const saved = [];
  if (!page || page.isClosed()) return saved;
  try {
    const png = join(dir, `failure-${name}.png`);
    await page.screenshot({ path: png, fullPage: true, timeout: 10_000 });
    saved.push(png);
  } catch (error) {
    log(`no failure screenshot: ${error.message}`);
  }
  try {
    const html = join(dir, `failure-${name}.html`);
    await writeFile(html, `<!-- ${page.url()} -->\n${await page.content()}`);
    saved.push(html);
  } catch (error) {
    log(`no failure HTML: ${error.message}`);
  }
  return saved;
}

await main();
