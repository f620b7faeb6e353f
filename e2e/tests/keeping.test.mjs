// Never lose a note: a delete can be undone at once or restored from the trash later, and
// a person's notes go out as a file and come back in, in another account too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { BASE, api, createNoteApi, holdSession, inBrowser, registerUser } from '../lib.mjs';

const titles = (page) => page.locator('.note h3').allTextContents();

test('a deleted note comes back with Undo, in its place', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Older', 'first');
  const note = await createNoteApi(BASE, user.access, 'Groceries', 'Eggs, flour, milk.');
  await createNoteApi(BASE, user.access, 'Newer', 'last');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    const card = page.locator('.note', { hasText: 'Groceries' });
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByRole('button', { name: 'Delete note' }).click();
    await page.getByText('Note deleted ·').waitFor();
    assert.deepEqual(await titles(page), ['Newer', 'Older']);
    assert.equal((await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: user.access })).status, 404);

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('Note restored.').waitFor();
    assert.deepEqual(await titles(page), ['Newer', 'Groceries', 'Older']);
    await page.reload();
    await page.locator('.note h3', { hasText: 'Groceries' }).waitFor();
    const back = await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: user.access });
    assert.equal(back.body.content, 'Eggs, flour, milk.');
    assert.deepEqual(b.errors, []);
  });
});

test('the Trash page restores a note, deletes one for good and empties itself', async () => {
  const user = await registerUser(BASE);
  const ids = [];
  for (const title of ['Keep me', 'Forget me', 'Also gone']) {
    const note = await createNoteApi(BASE, user.access, title, `${title} text`);
    await api(BASE, 'DELETE', `/api/notes/${note.id}/`, { token: user.access });
    ids.push(note.id);
  }
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.getByRole('link', { name: 'Trash' }).click();
    await page.getByRole('heading', { name: 'Trash' }).waitFor();
    await page.locator('.note h3', { hasText: 'Keep me' }).waitFor();
    assert.deepEqual(await titles(page), ['Also gone', 'Forget me', 'Keep me']);

    await page.locator('.note', { hasText: 'Keep me' }).getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Note restored').waitFor();
    page.once('dialog', (dialog) => dialog.accept());
    await page.locator('.note', { hasText: 'Forget me' }).getByRole('button', { name: 'Delete for good' }).click();
    await page.getByText('Note deleted for good.').waitFor();
    assert.deepEqual(await titles(page), ['Also gone']);
    assert.equal((await api(BASE, 'POST', `/api/notes/${ids[1]}/restore/`, { token: user.access })).status, 404);

    await page.getByRole('button', { name: 'Empty trash…' }).click();
    await page.getByRole('button', { name: 'Empty trash', exact: true }).click();
    await page.getByText('The trash is empty.').first().waitFor();
    const trash = await api(BASE, 'GET', '/api/notes/trash/', { token: user.access });
    assert.deepEqual(trash.body, []);

    await page.getByRole('link', { name: 'Notes', exact: true }).click();
    await page.locator('.note h3', { hasText: 'Keep me' }).waitFor();
    assert.deepEqual(b.errors, []);
  });
});

test('Undo in a filtered list, and the Trash page paged while notes leave it', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Standup', 'at ten #work');
  await createNoteApi(BASE, user.access, 'Groceries', 'eggs #home');
  for (let n = 1; n <= 22; n += 1) {
    const note = await createNoteApi(BASE, user.access, `Old ${n}`, 'gone');
    await api(BASE, 'DELETE', `/api/notes/${note.id}/`, { token: user.access });
  }
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/?tag=work`);
    const card = page.locator('.note', { hasText: 'Standup' });
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByRole('button', { name: 'Delete note' }).click();
    await page.getByText('No notes tagged #work.').waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator('.note h3', { hasText: 'Standup' }).waitFor();
    assert.deepEqual(await titles(page), ['Standup'], 'only what the filter shows');

    await page.goto(`${BASE}/trash`);
    await page.locator('.note h3', { hasText: 'Old 22' }).waitFor();
    assert.equal(await page.locator('.note').count(), 20);
    await page.locator('.note', { hasText: 'Old 22' }).getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Note restored').waitFor();
    const more = page.getByRole('button', { name: 'Show more' });
    for (let click = 0; click < 3 && (await more.count()) > 0; click += 1) {
      await more.click();
      await page.getByRole('button', { name: 'Loading…' }).waitFor({ state: 'detached' });
    }
    const shown = await titles(page);
    assert.equal(shown.length, 21, shown.join(', '));
    assert.equal(new Set(shown).size, 21, 'no note twice');
    assert.deepEqual(b.errors, []);
  });
});

test('notes downloaded as Markdown from one account import into another, once', async () => {
  const alice = await registerUser(BASE);
  await createNoteApi(BASE, alice.access, 'Recipe: bread?', '# Bread\n\nflour, water #baking');
  await createNoteApi(BASE, alice.access, 'Groceries', 'Eggs, flour, milk.');
  let file;
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, alice);
    await page.goto(`${BASE}/account`);
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download as Markdown' }).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /^notes-\d{4}-\d{2}-\d{2}\.zip$/);
    file = `${process.env.TMPDIR ?? '/tmp'}/notes-e2e-${process.pid}.zip`;
    await download.saveAs(file);
    await page.getByText('Your notes are downloaded.').waitFor();
    assert.deepEqual(b.errors, []);
  });

  const bob = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, bob);
    await page.goto(`${BASE}/account`);
    await page.getByLabel('Import notes from a file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported 2 notes.').waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Nothing new: you have all 2 notes already.').waitFor();
    await page.goto(`${BASE}/`);
    await page.locator('.note h3', { hasText: 'Groceries' }).waitFor();
    assert.deepEqual((await titles(page)).sort(), ['Groceries', 'Recipe: bread?']);
    const tags = await api(BASE, 'GET', '/api/tags/', { token: bob.access });
    assert.deepEqual(tags.body, [{ name: 'baking', count: 1 }]);
    assert.deepEqual(b.errors, []);
  });
  await rm(file, { force: true });
});
