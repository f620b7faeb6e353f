// Tabs share one session through localStorage and its `storage` event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, holdSession, inBrowser, registerUser, signInWithForm, tokens, where } from '../lib.mjs';

async function twoSignedInTabs(b, user) {
  const a = b.page;
  await holdSession(a, BASE, user);
  await a.goto(`${BASE}/`);
  await a.getByText('No notes yet.').waitFor();
  const other = await b.context.newPage();
  await other.goto(`${BASE}/`);
  await other.getByText('No notes yet.').waitFor();
  return [a, other];
}

test('signing out in one tab signs out the other', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const [a, other] = await twoSignedInTabs(b, user);
    await a.getByRole('link', { name: 'Sign out' }).click();
    await a.waitForURL(`${BASE}/login`);
    // The other tab follows without being touched.
    await other.waitForURL(/\/login\?next=/);
    assert.equal(where(other), '/login?next=/');
    await other.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await tokens(other), { access: null, refresh: null });
    // And the tab that signed out stays signed out: nothing the other did brought it back.
    assert.equal(where(a), '/login');
    assert.deepEqual(await tokens(a), { access: null, refresh: null });
    assert.deepEqual(b.errors, []);
  });
});

test('a pair renewed in one tab is used by the other', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const [a, other] = await twoSignedInTabs(b, user);
    const refreshesBy = (page) => {
      const seen = [];
      page.on('request', (r) => { if (r.url().endsWith('/api/token/refresh/')) seen.push(r.url()); });
      return seen;
    };
    const byA = refreshesBy(a);
    const byOther = refreshesBy(other);

    // Tab A finds its access token refused and renews the pair. The token is spoiled on
    // the way out of tab A only: spoilt in localStorage, it would reach the other tab too,
    // which could then meet the refusal first and renew the pair itself.
    let spoiled = false;
    await a.route('**/api/**', (route) => {
      const headers = route.request().headers();
      if (spoiled || !headers.authorization) return route.continue();
      spoiled = true;
      return route.continue({ headers: { ...headers, authorization: `${headers.authorization}x` } });
    });
    await a.reload();
    await a.getByText('No notes yet.').waitFor();
    assert.equal(byA.length, 1);
    const renewed = await tokens(a);
    assert.notEqual(renewed.refresh, user.refresh);

    // The other tab writes with that pair, without a refresh of its own.
    await other.getByLabel('Title').fill('From the other tab');
    await other.getByLabel('Content').fill('same session');
    await other.getByRole('button', { name: 'Add note' }).click();
    await other.locator('.note h3', { hasText: 'From the other tab' }).waitFor();
    assert.equal(byOther.length, 0, 'the other tab did not refresh');
    assert.deepEqual(await tokens(other), renewed);
    assert.deepEqual(b.errors, []);
  });
});

test('signing in in one tab moves another tab off the sign-in page', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const waiting = b.page;
    await waiting.goto(`${BASE}/login`);
    await waiting.getByRole('button', { name: 'Sign in' }).waitFor();
    const other = await b.context.newPage();
    await other.goto(`${BASE}/login`);
    await signInWithForm(other, user.username);
    await other.getByText('No notes yet.').waitFor();
    await waiting.getByText('No notes yet.').waitFor();
    assert.equal(where(waiting), '/');
    assert.deepEqual(b.errors, []);
  });
});
