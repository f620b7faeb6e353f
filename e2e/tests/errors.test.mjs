// Field errors beside their fields: the server's, and the same rules checked before
// sending; other refusals in the form-level message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, inBrowser, registerUser, signInWithForm } from '../lib.mjs';

test('the server\'s field errors appear beside their fields', async () => {
  const taken = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/register`);
    await page.getByLabel('Username').fill(taken.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    const error = page.locator('#username-error');
    await error.filter({ hasText: 'A user with that username already exists.' }).waitFor();
    assert.equal(await page.getByLabel('Username').getAttribute('aria-invalid'), 'true');
    assert.match(await page.getByLabel('Username').getAttribute('aria-describedby'), /username-error/);
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'false');
    // Focus moves to the field to fix, and the button is usable again.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'username');
    assert.equal(await page.getByRole('button', { name: 'Register' }).isEnabled(), true);
    assert.equal(new URL(page.url()).pathname, '/register');
  });
});

test('the server\'s rules are checked before sending', async () => {
  await inBrowser(async (b) => {
    const { page } = b;
    const requests = [];
    // The page asks who may register (a GET) when it opens; nothing else may go out.
    page.on('request', (r) => { if (r.url().includes('/api/') && r.method() !== 'GET') requests.push(r.url()); });
    await page.goto(`${BASE}/register`);
    await page.getByLabel('Username').fill('no spaces allowed');
    await page.getByLabel('Password').fill('12345678');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('#username-error', { hasText: 'Enter a valid username.' }).waitFor();
    const password = await page.locator('#password-error').textContent();
    assert.match(password, /This password is too common\./);
    assert.match(password, /This password is entirely numeric\./);
    assert.deepEqual(requests, [], 'nothing was sent');
  });
});

test('wrong credentials are a form-level message', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login`);
    await signInWithForm(page, user.username, 'not-the-password');
    const message = page.getByRole('alert').filter({ hasText: 'No active account found with the given credentials' });
    await message.waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.locator('#username-error').textContent(), '');
  });
});
