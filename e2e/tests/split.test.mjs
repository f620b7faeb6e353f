// Code splitting: the operator's area (/admin), the account page, the trash and a note's
// history (among others) are wasm chunks of their own, not in the first download. The
// service worker keeps the account's, the trash's and the history's after the page has
// loaded (they open offline) but never the area's, which is fetched the first time an
// operator opens the page, client-side or by a direct load, and works once there (its
// handlers and its requests live in the chunk). The suite's main server has an operator
// from the start (e2e/run.sh: SUPERUSER_*).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, OPERATOR, holdSession, inBrowser, ready, registerUser, signInApi, signInWithForm, where,
  workerInControl,
} from '../lib.mjs';

const CHUNK = /\/(split|chunk)_[^/]*\.wasm$/;
const AREA = /\/split_admin-[^/]*\.wasm$/;

/**
 * Every same-origin path the page asked for, in order, and those its service worker
 * asked the network for (precaching, or passing on what it has not cached), as
 * `worker:<path>`.
 */
function recordRequests(context) {
  const paths = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== new URL(BASE).origin) return;
    paths.push(request.serviceWorker() ? `worker:${url.pathname}` : url.pathname);
  });
  return paths;
}

/** Follows a link to `path` inside the app, as a click on one of its own links does. */
async function follow(page, path) {
  await page.evaluate((href) => {
    const a = document.createElement('a');
    a.href = href;
    document.body.append(a);
    a.click();
    a.remove();
  }, path);
}

/** The area works: its list comes through the app's client, and a handler of the
 * chunk's (the search box) asks again. */
async function useTheArea(page) {
  await page.getByRole('heading', { name: "Operator's area", level: 1 }).waitFor();
  await page.locator('.admin-table').getByRole('link', { name: OPERATOR.username, exact: true }).waitFor();
  await page.getByRole('searchbox', { name: 'Username' }).fill(OPERATOR.username.slice(0, 3));
  await page.waitForFunction(
    (name) => [...document.querySelectorAll('.admin-table tbody th')].every((th) => th.textContent.startsWith(name)),
    OPERATOR.username.slice(0, 3),
  );
  await page.getByRole('searchbox', { name: 'Username' }).fill('');
}

test('the operator area is fetched only when first shown, then works', async () => {
  await inBrowser(async (b) => {
    const { page, context } = b;
    const paths = recordRequests(context);
    await page.goto(`${BASE}/login`);
    await signInWithForm(page, OPERATOR.username, OPERATOR.password);
    await page.waitForURL(`${BASE}/`);
    await ready(page);
    await workerInControl(page);
    const first = paths.filter((p) => /\.(wasm|js|css)$/.test(p));
    console.log(`first load asked for: ${[...new Set(first)].join(' ')}`);
    const byPage = (p) => !p.startsWith('worker:');
    // The event stream's chunk (and code it shares with others) comes once the app has
    // started, and the sign-in page's "Sign in with …" once it is up; no other page's
    // chunk does.
    const STREAM = /^\/split_stream-[^/]*\.wasm$/;
    const SIGN_IN = /^\/split_providers-[^/]*\.wasm$/;
    const chunks = paths.filter((p) => byPage(p) && CHUNK.test(p));
    assert.ok(chunks.every((p) => STREAM.test(p) || SIGN_IN.test(p) || /^\/chunk_/.test(p)), `no page's chunk: ${chunks}`);
    assert.equal(chunks.filter((p) => STREAM.test(p)).length, 1, 'the stream’s chunk, once');
    assert.deepEqual(paths.filter((p) => AREA.test(p)), [], 'nor the area in the worker’s');
    const cached = await page.evaluate(async () => {
      const urls = [];
      for (const key of await caches.keys()) {
        for (const request of await (await caches.open(key)).keys()) urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    assert.ok(cached.some((p) => p.endsWith('.wasm')), 'the worker precached the main module');
    assert.deepEqual(cached.filter((p) => AREA.test(p)), [], 'the area is not precached');
    assert.ok(cached.some((p) => /^\/split_account-/.test(p)), 'the account page is');
    assert.ok(cached.some((p) => /^\/split_trash-/.test(p)), 'and the trash');
    assert.ok(cached.some((p) => /^\/split_history-/.test(p)), 'and a note’s history');

    // A link inside the app: no page load, the chunk fetched once.
    await page.evaluate(() => { window.sameDocument = true; });
    await follow(page, '/admin');
    await useTheArea(page);
    assert.equal(where(page), '/admin');
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'client-side navigation');
    const fetched = paths.filter((p) => AREA.test(p));
    console.log(`chunks fetched on /admin: ${fetched.join(' ')}`);
    const asked = fetched.filter((p) => !p.startsWith('worker:'));
    assert.ok(asked.length >= 1, 'the chunk was fetched');
    assert.equal(new Set(asked).size, asked.length, 'each chunk once');
    // The worker controls the page and has no copy: it passed the request on.
    assert.deepEqual(fetched.filter((p) => p.startsWith('worker:')), asked.map((p) => `worker:${p}`));

    // Away and back: the module stays loaded.
    await follow(page, '/trash');
    await page.getByRole('heading', { name: 'Trash', level: 1 }).waitFor();
    await follow(page, '/admin');
    await useTheArea(page);
    assert.deepEqual(paths.filter((p) => AREA.test(p)), fetched, 'not fetched again');
    assert.deepEqual(b.errors, []);
  });
});

test('a direct load of /admin shows the operator area', async () => {
  const operator = await signInApi(BASE, OPERATOR.username, OPERATOR.password);
  await inBrowser(async (b) => {
    const { page, context } = b;
    await holdSession(page, BASE, operator);
    const paths = recordRequests(context);
    const response = await page.goto(`${BASE}/admin`);
    assert.equal(response.status(), 200);
    await useTheArea(page);
    assert.ok(paths.some((p) => AREA.test(p)));
    assert.deepEqual(b.errors, []);
  });
});

test('a stranger at /admin is sent to sign in, a person who is no operator is told so, and neither fetches the chunk', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page, context } = b;
    const paths = recordRequests(context);
    await page.goto(`${BASE}/admin`);
    await page.waitForURL(/\/login\?next=\/admin$/);
    await ready(page);
    await signInWithForm(page, user.username);
    await page.waitForURL(`${BASE}/admin`);
    await page.getByText("This area is for the server's operators.").waitFor();
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0, 'no Admin link for them');
    assert.deepEqual(paths.filter((p) => AREA.test(p)), []);
    assert.deepEqual(b.errors, []);
  });
});

test('a chunk that cannot be fetched is an error with a way to try again, not a crash', async () => {
  const operator = await signInApi(BASE, OPERATOR.username, OPERATOR.password);
  await inBrowser(async (b) => {
    const { page, context } = b;
    await holdSession(page, BASE, operator);
    const streaming = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/events/');
    await page.goto(`${BASE}/`);
    await ready(page);
    // The event stream's chunk is in (it comes at start); then no chunk can be fetched.
    await streaming;
    await context.route(CHUNK, (route) => route.abort('internetdisconnected'));
    await follow(page, '/admin');
    await page.getByText("Could not load the operator's area.").waitFor();
    // The loader logs the failed fetch; nothing else went wrong (no trap).
    assert.equal(b.errors.length, 1);
    assert.match(b.errors[0], /^TypeError: Failed to fetch/);
    await context.unroute(CHUNK);
    await page.getByRole('button', { name: 'Try again' }).click();
    await useTheArea(page);
    assert.equal(b.errors.length, 1);
  }, { serviceWorkers: 'block' });
});
