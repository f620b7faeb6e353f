// Editing safely: a note changed elsewhere is not silently overwritten, and text not yet
// saved is not lost to a stray click.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, createNoteApi, holdSession, inBrowser, registerUser, where } from '../lib.mjs';

test('saving over a version changed elsewhere asks: keep mine, or take the newer one', async () => {
  const user = await registerUser(BASE);
  const note = await createNoteApi(BASE, user.access, 'Plan', 'first draft');
  const elsewhere = (content) => api(BASE, 'PUT', `/api/notes/${note.id}/`, {
    token: user.access, body: { title: 'Plan', content },
  });
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    const card = page.locator('.note', { hasText: 'Plan' });
    const saves = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') saves.push(r.headers()['if-match']);
    });

    // Another device saves while this one edits: saving here is refused, nothing typed
    // is lost, and the newer version is shown.
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Content').fill('my version');
    assert.equal((await elsewhere('their version')).status, 200);
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('This note was changed elsewhere while you were editing it.').waitFor();
    await card.locator('blockquote', { hasText: 'their version' }).waitFor();
    assert.equal(await card.getByLabel('Content').inputValue(), 'my version');
    assert.equal(saves[0], '"1"', 'the save named the version it was editing');

    // Keeping mine saves over the version just shown.
    await card.getByRole('button', { name: 'Save mine over it' }).click();
    await card.locator('.markdown', { hasText: 'my version' }).waitFor();
    assert.equal(saves[1], '"2"');
    assert.equal((await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: user.access })).body.content, 'my version');

    // Or the newer version is taken, and the card shows it.
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Content').fill('another try');
    assert.equal((await elsewhere('their second version')).status, 200);
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('button', { name: 'Take the saved version' }).click();
    await page.locator('.note .markdown', { hasText: 'their second version' }).waitFor();
    assert.equal(await page.getByLabel('Content', { exact: true }).count(), 1, 'only the new-note form is open');
    assert.equal((await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: user.access })).body.content, 'their second version');
    assert.deepEqual(b.errors, []);
  });
});

test('leaving with unsaved text asks first, in the page and when the tab closes', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();
    await page.getByLabel('Title').fill('Half a thought');

    // A link in the app: the page asks, and staying keeps the text.
    const account = page.getByRole('link', { name: user.username });
    await account.click();
    const dialog = page.getByRole('alertdialog', { name: 'Leave without saving?' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Stay on this page');
    await dialog.getByRole('button', { name: 'Stay on this page' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(where(page), '/');
    assert.equal(await page.getByLabel('Title').inputValue(), 'Half a thought');

    // Closing the tab: the browser asks.
    const asked = new Promise((resolve) => page.once('dialog', (d) => { resolve(d.type()); d.dismiss(); }));
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');

    // Leaving on purpose leaves.
    const again = await b.context.newPage();
    await again.goto(`${BASE}/`);
    await again.getByText('No notes yet.').waitFor();
    await again.getByLabel('Content').fill('draft');
    await again.getByRole('link', { name: user.username }).click();
    await again.getByRole('button', { name: 'Leave' }).click();
    await again.waitForURL(`${BASE}/account`);
    await again.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    assert.deepEqual(b.errors, []);
  });
});
