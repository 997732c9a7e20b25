// A storefront page on another origin, in headless Chromium: served once
// from a listed origin and once from an unlisted one, each calling Cadenza
// (see storefront/). Prints one JSON line: what each saw.
//
//   node cors.mjs API_BASE TOKEN STREAM_URL LISTED_PORT UNLISTED_PORT
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [api, token, stream, listedPort, unlistedPort] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const files = {
  "/": ["storefront/index.html", "text/html; charset=utf-8"],
  "/storefront.js": ["storefront/storefront.js", "text/javascript"],
  "/graphql-ws.min.js": [
    resolve(here, "..", "clients", "node_modules", "graphql-ws", "umd", "graphql-ws.min.js"),
    "text/javascript",
  ],
};

function serve(port) {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    const file = files[path];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    const body = await readFile(file[0].startsWith("/") ? file[0] : join(here, file[0]));
    response.writeHead(200, { "content-type": file[1] }).end(body);
  });
  return new Promise((ok) => server.listen(Number(port), "127.0.0.1", () => ok(server)));
}

const servers = [await serve(listedPort), await serve(unlistedPort)];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
});
const seen = {};
for (const [name, port] of [["listed", listedPort], ["unlisted", unlistedPort]]) {
  const page = await browser.newPage();
  const query = new URLSearchParams({ api, token, stream });
  await page.goto(`http://127.0.0.1:${port}/?${query}`);
  await page.waitForFunction(() => window.__result, null, { timeout: 60000 });
  seen[name] = await page.evaluate(() => window.__result);
  await page.close();
}
await browser.close();
for (const server of servers) server.close();
console.log(JSON.stringify(seen));
