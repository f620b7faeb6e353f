// How long a note with 20 images takes to show them all (issue 31's budget: 1 s on
// loopback): headless Chromium against a release server of its own, a person whose note
// refers to 20 pictures (PNG, 1200×900, gradients with blocks of noise: ~0.3 MB each,
// as screenshots and pictures from the web weigh; a wider photo is shown by its 1,600 px
// copy). Each load is timed from navigation to the moment all 20 images are decoded from
// their `blob:` URLs (fetched with the token by the attachments' chunk), on the note's
// page: cold (a fresh browser context whose only visit so far is the sign-in page: the
// note's page, the Markdown worker, the files chunk and the images fetched for the first
// time) and warm (the same context again: the app from the worker, each image
// revalidated with its ETag). Reported: the medians and every run; with TIMELINE=1, the
// browser's resource timings of each load.
//   node bench/images.mjs [runs]
import { launch, signedInPage } from './chromium.mjs';
import { ownServer } from '../e2e/own-server.mjs';
import { png } from '../e2e/png.mjs';

const runs = Number(process.argv[2] ?? 5);
const IMAGES = 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A `width`×`height` picture: a gradient with blocks of noise, different for each `seed`. */
function photo(width, height, seed) {
  let state = seed * 2654435761 >>> 0;
  const across = Math.ceil(width / 4);
  const blocks = new Uint8Array(across * Math.ceil(height / 4)).map(() => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 24) & 0x3f;
  });
  return png(width, height, (x, y) => {
    const noise = blocks[(y >> 2) * across + (x >> 2)];
    return [(x * 255 / width + noise) & 0xff, (y * 255 / height + noise) & 0xff, (seed * 40 + noise) & 0xff];
  });
}

async function call(url, method, path, token, body) {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body instanceof FormData ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined || body instanceof FormData ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const server = await ownServer();
const browser = await launch();
try {
  const credentials = { username: 'photographer', password: 'plum-orchard-42' };
  await call(server.url, 'POST', '/api/user/register/', null, credentials);
  const pair = await call(server.url, 'POST', '/api/token/', null, credentials);
  let content = 'Photos from the trip.\n';
  let bytes = 0;
  for (let i = 0; i < IMAGES; i++) {
    const image = photo(1200, 900, i + 1);
    bytes += image.length;
    const form = new FormData();
    form.append('file', new Blob([image], { type: 'image/png' }), `photo-${i + 1}.png`);
    const file = await call(server.url, 'POST', '/api/attachments/', pair.access, form);
    content += `\n![photo ${i + 1}](${file.url})\n`;
  }
  const note = await call(server.url, 'POST', '/api/notes/', pair.access, { title: 'Trip', content });
  console.log(`${IMAGES} images, ${(bytes / IMAGES / 1e6).toFixed(2)} MB each on average`);

  const shownAt = async (page) => {
    await page.goto(`${server.url}/notes/${note.id}`, { waitUntil: 'commit' });
    await page.waitForFunction((count) => {
      const images = [...document.querySelectorAll('.note img.attachment')];
      return images.length === count
        && images.every((img) => img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0);
    }, IMAGES, { timeout: 30_000, polling: 'raf' });
    if (process.env.TIMELINE) {
      console.log(await page.evaluate(() => performance.getEntriesByType('resource')
        .map((e) => `${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)} ${e.name.replace(location.origin, '')}`).join('\n')));
    }
    return page.evaluate(() => performance.now());
  };
  // A pair of its own for each context: a refresh rotates the pair it renews.
  const signedIn = async (context) => {
    const pair = await call(server.url, 'POST', '/api/token/', null, credentials);
    return signedInPage(context, server.url, pair);
  };
  const cold = [];
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await signedIn(context);
    cold.push(await shownAt(page));
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
      .catch(() => page.reload());
    warm.push(await shownAt(page));
    await context.close();
  }
  const all = (xs) => xs.map((t) => t.toFixed(0)).join(', ');
  console.log(`cold: all ${IMAGES} shown ${median(cold).toFixed(0)} ms after navigation (median)  [${all(cold)}]`);
  console.log(`warm: all ${IMAGES} shown ${median(warm).toFixed(0)} ms after navigation (median)  [${all(warm)}]`);
} finally {
  await browser.close();
  await server.close();
}
