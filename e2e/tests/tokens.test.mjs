// Token lifetimes: an expired or refused access token is renewed without the person
// noticing; a refused refresh token ends the session on the sign-in page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE, SHORT, createNoteApi, expiry, holdSession, inBrowser, refreshApi, registerUser, storeTokens, tokens, untilExpired, where } from '../lib.mjs';

/** Records the page's calls to the refresh endpoint and their statuses. */
function watchRefreshes(page) {
  const seen = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/token/refresh/')) seen.push(r.status());
  });
  return seen;
}

/** A token whose payload (and so `exp`) reads fine but whose signature is wrong. */
function forge(token) {
  const [h, p, s] = token.split('.');
  return `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
}

test('an expired access token is refreshed transparently', async () => {
  const user = await registerUser(SHORT);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, SHORT, user);
    await page.goto(`${SHORT}/`);
    await page.getByText('No notes yet.').waitFor();

    // Let the 5-second access token expire while the page sits there. (Its event stream
    // ends with the token and renews the pair at once; a request would otherwise.)
    const refreshes = watchRefreshes(page);
    const before = await tokens(page);
    const wait = expiry(before.access) * 1000 - Date.now() + 1200;
    assert.ok(wait < 8000, `access token lives ${wait} ms more`);
    await sleep(Math.max(wait, 0));

    await page.getByLabel('Title').fill('After expiry');
    await page.getByLabel('Content').fill('still signed in');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.note h3', { hasText: 'After expiry' }).waitFor();

    assert.equal(where(page), '/');
    const after = await tokens(page);
    assert.notEqual(after.access, before.access, 'a new access token is stored');
    assert.notEqual(after.refresh, before.refresh, 'the refresh token was rotated');
    assert.ok(expiry(after.access) * 1000 > Date.now(), 'the new access token is alive');
    assert.ok(refreshes.length >= 1 && refreshes.every((s) => s === 200), `refreshes: ${refreshes}`);
    assert.deepEqual(b.errors, []);
  });
});

test('a deep link opened with an expired access token lands there after one refresh', async () => {
  const user = await registerUser(SHORT);
  await createNoteApi(SHORT, user.access, 'Deep', 'linked');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, SHORT, user);
    await untilExpired(user.access);

    const refreshes = watchRefreshes(page);
    await page.goto(`${SHORT}/?view=all`);
    await page.locator('.note h3', { hasText: 'Deep' }).waitFor();
    assert.equal(where(page), '/?view=all');
    assert.deepEqual(refreshes, [200], 'one refresh, then the page');
    assert.deepEqual(b.errors, []);
  });
});

test('a tab that regains focus renews a stale access token by itself', async () => {
  const user = await registerUser(SHORT);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, SHORT, user);
    await page.goto(`${SHORT}/`);
    await page.getByText('No notes yet.').waitFor();
    const before = await tokens(page);
    await untilExpired(before.access);

    const refreshes = watchRefreshes(page);
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    const deadline = Date.now() + 5000;
    while (refreshes.length === 0 && Date.now() < deadline) await sleep(100);
    assert.deepEqual(refreshes, [200], 'one refresh on focus, without any request of the page');
    // The pair is stored once the answer's body has been read.
    await page.waitForFunction((old) => localStorage.getItem('access') !== old, before.access);
    const after = await tokens(page);
    assert.notEqual(after.access, before.access);
    assert.ok(expiry(after.access) * 1000 > Date.now());
    assert.equal(where(page), '/');
  });
});

test('a 401 is answered by one refresh and one retry', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login`);
    // Good for ten minutes by its claims, refused by the server's signature check.
    await storeTokens(page, { access: forge(user.access), refresh: user.refresh });
    const refreshes = watchRefreshes(page);
    const notes = [];
    // The page of the list (not the device's copy of the whole list, fetched after it).
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/notes/' && url.searchParams.has('page')) notes.push(r.status());
    });
    await page.goto(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();
    // (A fresh browser's event stream then has the list loaded again, quietly: it may
    // have missed what changed before it was open.)
    assert.deepEqual(notes.slice(0, 2), [401, 200], 'refused once, then retried with the new token');
    assert.deepEqual(notes.filter((status) => status !== 200), [401], 'refused once only');
    assert.deepEqual(refreshes, [200], 'exactly one refresh');
    const after = await tokens(page);
    assert.notEqual(after.access, forge(user.access));
    assert.notEqual(after.refresh, user.refresh);
    assert.equal(where(page), '/');
  });
});

test('a bad refresh token ends on /login with the tokens cleared', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    // No usable access token: the guard's own refresh is refused.
    await holdSession(page, BASE, { access: 'garbage', refresh: 'not-a-refresh-token' });
    await page.goto(`${BASE}/`);
    await page.waitForURL(/\/login\?next=/);
    assert.equal(where(page), '/login?next=/');
    assert.deepEqual(await tokens(page), { access: null, refresh: null });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    // A refused request whose refresh is refused too: the API client gives up.
    await storeTokens(page, { access: forge(user.access), refresh: `${user.refresh}x` });
    await page.goto(`${BASE}/`);
    await page.waitForURL(/\/login\?next=/);
    assert.deepEqual(await tokens(page), { access: null, refresh: null });
    assert.deepEqual(b.errors, []);
  });
});

test('sign-out blacklists the refresh token on the server', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/logout`);
    await page.waitForURL(`${BASE}/login`);
    assert.deepEqual(await tokens(page), { access: null, refresh: null });
    const again = await refreshApi(BASE, user.refresh);
    assert.equal(again.status, 401);
  });
});
