// Moving around the app: links and the back and forward buttons change the page without
// loading it again (a marker left on `window` survives only if the page never reloads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, inBrowser, registerUser, signInWithForm, where } from '../lib.mjs';

const heading = (page, name) => page.getByRole('heading', { name, level: 1 }).waitFor();

test('links and the back and forward buttons move inside the app without a page load', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login`);
    await heading(page, 'Sign in');
    await page.evaluate(() => { window.__notesMarker = 'still here'; });
    const marker = () => page.evaluate(() => window.__notesMarker);

    await page.getByRole('navigation').getByRole('link', { name: 'Register' }).click();
    await heading(page, 'Register');
    assert.equal(where(page), '/register');

    await page.goBack();
    await heading(page, 'Sign in');
    assert.equal(where(page), '/login');
    await page.goForward();
    await heading(page, 'Register');
    assert.equal(where(page), '/register');
    assert.equal(await marker(), 'still here', 'no page load so far');

    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await heading(page, 'Sign in');
    await signInWithForm(page, user.username);
    await page.getByText('No notes yet.').waitFor();
    assert.equal(where(page), '/');
    assert.equal(await marker(), 'still here', 'signing in does not reload the app');

    // A page that does not exist, reached from inside the app, is the not-found page.
    await page.evaluate(() => {
      history.pushState(null, '', '/no/such/page');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await page.getByRole('heading', { level: 1 }).filter({ hasText: /not found/i }).waitFor();
    await page.goBack();
    await page.getByText('No notes yet.').waitFor();
    assert.equal(await marker(), 'still here');
    assert.deepEqual(b.errors, []);
  });
});
