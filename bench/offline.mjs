// How long the notes kept on the device take to show when the app is reloaded without a
// server: headless Chromium, a person with `count` notes (imported), the notes page opened
// once online (the service worker in control, the device's copy written), the browser's
// HTTP cache emptied and the server stopped; then each reload is timed from navigation to
// the first note's card on screen (the shell from the worker's cache, the wasm started,
// the list read from the device's copy). The same reloads online, just before, are the
// baseline. Reported: the medians of the runs, per size, and their ratio.
//   node bench/offline.mjs [runs] [count...]
import { launch, signedInPage } from './chromium.mjs';
import { ownServer } from '../e2e/own-server.mjs';

const runs = Number(process.argv[2] ?? 7);
const counts = process.argv.slice(3).map(Number);
if (counts.length === 0) counts.push(200, 2000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function call(url, method, path, token, body, type = 'application/json') {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  return res.json();
}

/** A person with `count` notes of a few hundred bytes each, and their token pair. */
async function person(url, count) {
  const credentials = { username: `bench${count}`, password: 'plum-orchard-42' };
  await call(url, 'POST', '/api/user/register/', null, credentials);
  const pair = await call(url, 'POST', '/api/token/', null, credentials);
  const notes = Array.from({ length: count }, (_, i) => ({
    title: `Note ${i}`,
    content: `Line one of note ${i}, with a #tag${i % 10} and some words.\n`.repeat(4),
    created_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  }));
  await call(url, 'POST', '/api/notes/import/', pair.access, { exported_at: '', notes });
  return pair;
}

const browser = await launch();
try {
  for (const count of counts) {
    const server = await ownServer();
    try {
      const pair = await person(server.url, count);
      const context = await browser.newContext();
      const page = await signedInPage(context, server.url, pair);
      await page.goto(`${server.url}/`);
      await page.locator('.note').first().waitFor({ timeout: 30_000 });
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      await page.waitForFunction(async (n) => {
        const hit = await caches.match('/device/notes.json');
        return hit !== undefined && (await hit.json()).length === n;
      }, count, { timeout: 60_000, polling: 500 });

      // Records, relative to the navigation's start, when the first card appears.
      await page.addInitScript(() => {
        const seen = () => {
          if (window.__shown === undefined && document.querySelector('.note')) window.__shown = performance.now();
        };
        new MutationObserver(seen).observe(document, { childList: true, subtree: true });
      });
      const reloads = async () => {
        const times = [];
        for (let i = 0; i < runs; i++) {
          await page.goto(`${server.url}/`, { waitUntil: 'commit' });
          await page.waitForFunction(() => window.__shown !== undefined, null, { timeout: 30_000 });
          times.push(await page.evaluate(() => window.__shown));
        }
        return times;
      };
      // Back to back: online (the shell from the worker, the first page of notes from the
      // server), then offline.
      const online = await reloads();
      await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
      await server.stop();
      const offline = await reloads();
      await context.close();
      const all = (xs) => xs.map((t) => t.toFixed(0)).join(', ');
      console.log(`${count} notes: first note shown online, median ${median(online).toFixed(0)} ms  [${all(online)}]`);
      console.log(`${count} notes: first note shown offline (from the device), median ${median(offline).toFixed(0)} ms  [${all(offline)}]; offline / online ${(median(offline) / median(online)).toFixed(2)}`);
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}
