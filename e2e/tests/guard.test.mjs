// The route guards: protected pages send strangers to sign in and back, guest pages send
// signed-in people home, and unknown paths get the not-found page with a 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, holdSession, inBrowser, registerUser, signInWithForm, createNoteApi, where } from '../lib.mjs';

test('a protected URL without tokens lands on /login?next=… and returns there after sign-in', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Kept', 'across sign-ins');
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/?view=all`);
    await page.waitForURL(/\/login\?/);
    assert.equal(where(page), '/login?next=/%3Fview%3Dall');
    await signInWithForm(page, user.username);
    await page.waitForURL(`${BASE}/?view=all`);
    await page.locator('.note h3', { hasText: 'Kept' }).waitFor();
    assert.deepEqual(b.errors, []);
  });
});

test('Back after a guard sent someone to sign in does not return to the guarded page', async () => {
  await inBrowser(async (b) => {
    const { page } = b;
    // Opened directly: the guard replaces the page it refused with the sign-in page.
    await page.goto(`${BASE}/register`);
    await page.getByRole('heading', { name: 'Register', level: 1 }).waitFor();
    await page.goto(`${BASE}/?view=all`);
    await page.waitForURL(/\/login\?next=/);
    await page.goBack();
    await page.getByRole('heading', { name: 'Register', level: 1 }).waitFor();
    assert.equal(where(page), '/register');

    // Reached by a link inside the app: the same.
    await page.getByRole('link', { name: 'Notes', exact: true }).click();
    await page.waitForURL(/\/login\?next=/);
    assert.equal(where(page), '/login?next=/');
    await page.goBack();
    await page.getByRole('heading', { name: 'Register', level: 1 }).waitFor();
    assert.equal(where(page), '/register');
    assert.deepEqual(b.errors, []);
  });
});

test('sign-in ignores a next that leaves the site', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login?next=//evil.example/`);
    await signInWithForm(page, user.username);
    await page.waitForURL(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();
  });
});

test('signed-in people who open /login or /register go to their notes', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    for (const path of ['/login', '/register']) {
      await page.goto(`${BASE}${path}`);
      await page.waitForURL(`${BASE}/`);
      await page.getByText('No notes yet.').waitFor();
    }
  });
});

test('an unknown path shows the not-found page with a 404 status', async () => {
  await inBrowser(async (b) => {
    const { page } = b;
    const response = await page.goto(`${BASE}/no/such/page`);
    assert.equal(response.status(), 404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.equal(await page.title(), 'Page not found · Notes');
    assert.equal(where(page), '/no/such/page');
    // The client routes themselves answer 200, with a trailing slash too.
    for (const [path, name] of [['/login', 'Sign in'], ['/register/', 'Register']]) {
      assert.equal((await page.goto(`${BASE}${path}`)).status(), 200);
      await page.getByRole('heading', { name, level: 1 }).waitFor();
    }
    assert.deepEqual(b.errors, []);
  });
});
