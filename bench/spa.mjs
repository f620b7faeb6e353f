// Time from navigation to an interactive sign-in form, in headless Chromium against the
// real server: the moment the wasm has rendered the enabled username input (Leptos
// renders client-side, so the input exists only once the app runs and its handlers are
// attached with it). Cold loads use a fresh browser context each (empty HTTP cache);
// warm loads reload in one context (assets from cache, as for a returning visitor); slow
// loads are cold loads through Chromium's network emulation of a slow link (1.6 Mbps
// down, 750 kbps up, 150 ms round trip: DevTools' "Fast 3G" less its spare bandwidth).
//   node bench/spa.mjs http://127.0.0.1:8000 [runs]

import { launch } from './chromium.mjs';

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!base) throw new Error('usage: node bench/spa.mjs <base-url> [runs]');

// Records, relative to the navigation's start, when the enabled username input appears.
const probe = () => {
  const seen = () => {
    const input = document.getElementById('username');
    if (input && !input.disabled && window.__ready === undefined) window.__ready = performance.now();
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
};

async function measure(page) {
  await page.goto(`${base}/login`, { waitUntil: 'commit', timeout: 10_000 });
  await page.waitForFunction(() => window.__ready !== undefined, null, { timeout: 20_000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { ready: window.__ready, responseEnd: nav.responseEnd };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await launch();
try {
  const cold = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(probe);
    cold.push((await measure(page)).ready);
    await context.close();
  }
  const slow = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1e6) / 8,
      uploadThroughput: (750 * 1e3) / 8,
    });
    await page.addInitScript(probe);
    slow.push((await measure(page)).ready);
    await context.close();
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(probe);
  await measure(page); // fills the cache
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push((await measure(page)).ready);
  await context.close();

  const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`interactive sign-in form, cold (empty cache): median ${median(cold).toFixed(0)} ms  [${fmt(cold)}]`);
  console.log(`interactive sign-in form, warm (cached):      median ${median(warm).toFixed(0)} ms  [${fmt(warm)}]`);
  console.log(`interactive sign-in form, cold on a slow link: median ${median(slow).toFixed(0)} ms  [${fmt(slow)}] (budget 3000 ms)`);
} finally {
  await browser.close();
}
