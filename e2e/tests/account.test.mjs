// The account page: who is signed in, a new password, signing out everywhere, and
// deleting the account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, PASSWORD, SHORT, api, holdSession, inBrowser, openBrowser, refreshApi, registerUser,
  signInApi, tokens, where,
} from '../lib.mjs';

const NEW_PASSWORD = 'quince-harbour-73';

test('the header names who is signed in and leads to the account page', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.getByRole('link', { name: user.username }).click();
    await page.waitForURL(`${BASE}/account`);
    await page.getByText(`Signed in as ${user.username}, with us since`).waitFor();
    assert.equal(await page.title(), 'Your account · Notes');
    assert.deepEqual(b.errors, []);
  });
});

test('changing the password keeps this session and ends the others', async () => {
  const user = await registerUser(BASE);
  const other = await signInApi(BASE, user.username);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/account`);
    const form = page.locator('form', { has: page.getByLabel('New password') });

    // The rules are checked before sending, and the server's refusal shows beside its field.
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('123');
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#new-password-error', { hasText: 'too short' }).waitFor();
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#old-password-error', { hasText: 'Your old password was entered incorrectly' }).waitFor();

    const before = await tokens(page);
    await page.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password has been changed.').waitFor();
    const after = await tokens(page);
    assert.notEqual(after.refresh, before.refresh, 'the new pair replaced the stored one');
    assert.equal((await refreshApi(BASE, after.refresh)).status, 200, 'this session goes on');
    assert.equal((await refreshApi(BASE, other.refresh)).status, 401, 'the other session ended');
    await signInApi(BASE, user.username, NEW_PASSWORD); // throws unless 200
    assert.deepEqual(b.errors, []);
  });
});

test('signing out everywhere ends the session of another browser too', async () => {
  const user = await registerUser(SHORT);
  const elsewhere = await signInApi(SHORT, user.username);
  const second = await openBrowser();
  try {
    await holdSession(second.page, SHORT, elsewhere);
    await second.page.goto(`${SHORT}/`);
    await second.page.getByText('No notes yet.').waitFor();

    await inBrowser(async (b) => {
      const { page } = b;
      await holdSession(page, SHORT, user);
      await page.goto(`${SHORT}/account`);
      await page.getByRole('button', { name: 'Sign out everywhere…' }).click();
      await page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
      await page.waitForURL(`${SHORT}/login`);
      assert.deepEqual(await tokens(page), { access: null, refresh: null });
      assert.deepEqual(b.errors, []);
    });

    // The other browser hears its session ended (its event stream) and lands on the
    // sign-in page at once, without waiting for its access token to expire or a click.
    await second.page.waitForURL(/\/login\?next=/, { timeout: 5_000 });
    assert.deepEqual(await tokens(second.page), { access: null, refresh: null });
    assert.deepEqual(second.errors, []);
  } finally {
    await second.close();
  }
});

test('deleting the account takes the password, then the account and its notes are gone', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/account`);
    const form = page.locator('form', { has: page.getByLabel('Type your password to confirm') });
    await form.getByRole('button', { name: 'Delete my account' }).click();
    await page.locator('#delete-password-error', { hasText: 'This field may not be blank.' }).waitFor();
    await page.getByLabel('Type your password to confirm').fill('wrong password');
    await form.getByRole('button', { name: 'Delete my account' }).click();
    await page.locator('#delete-password-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(where(page), '/account');

    await page.getByLabel('Type your password to confirm').fill(PASSWORD);
    await form.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(`${BASE}/login`);
    assert.deepEqual(await tokens(page), { access: null, refresh: null });
    const signIn = await api(BASE, 'POST', '/api/token/', { body: { username: user.username, password: PASSWORD } });
    assert.equal(signIn.status, 401, 'the account is gone');
    assert.deepEqual(b.errors, []);
  });
});

test('an access token made on the account page reads notes from a script, and is revoked there', async () => {
  const user = await registerUser(BASE);
  await api(BASE, 'POST', '/api/notes/', { token: user.access, body: { title: 'Backed up', content: 'by a script' } });
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/account`);
    await page.getByLabel('What it is for').fill('nightly backup');
    await page.getByLabel('It may').selectOption('read');
    await page.getByRole('button', { name: 'Make token' }).click();
    const shown = page.locator('code.new-token');
    await shown.waitFor();
    const token = (await shown.textContent()).trim();
    assert.match(token, /^ntk_[0-9a-f]{64}$/);

    // The script: reads the notes, may not write them.
    const read = await api(BASE, 'GET', '/api/notes/', { token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.map((n) => n.title), ['Backed up']);
    const write = await api(BASE, 'POST', '/api/notes/', { token, body: { title: 'no', content: 'no' } });
    assert.equal(write.status, 403);

    // Listed with its use once the page is shown again; never the token itself.
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    const row = page.locator('li', { hasText: 'nightly backup' });
    await row.getByText('last used').waitFor();
    assert.equal(await page.getByText(token).count(), 0);
    await page.getByRole('button', { name: 'Revoke nightly backup' }).click();
    await page.getByText('No tokens yet.').waitFor();
    assert.equal((await api(BASE, 'GET', '/api/notes/', { token })).status, 401);
    assert.deepEqual(b.errors, []);
  });
});
