// A person's first visit: register, sign in, write, edit and delete a note, and keep
// the session across a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, WAIT, inBrowser, signInWithForm, tokens, uniqueName, where } from '../lib.mjs';

test('register, sign in, create, edit and delete a note, reload keeps the session', async () => {
  await inBrowser(async (b) => {
    const { page } = b;
    const username = uniqueName('reader');

    await page.goto(`${BASE}/register`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();

    // A new account signs straight in and lands on its (empty) notes.
    await page.waitForURL(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();
    assert.ok((await tokens(page)).access, 'an access token is stored after registering');

    // Sign out and back in with the new account.
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    assert.deepEqual(await tokens(page), { access: null, refresh: null });
    await signInWithForm(page, username);
    await page.waitForURL(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();

    // Create two; the newest comes first.
    for (const [title, content] of [['Groceries', 'milk\n  eggs'], ['Ideas', 'write tests first']]) {
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Content').fill(content);
      await page.getByRole('button', { name: 'Add note' }).click();
      await page.locator('.note h3', { hasText: title }).waitFor();
    }
    assert.deepEqual(await page.locator('.note h3').allTextContents(), ['Ideas', 'Groceries']);
    // Shown as Markdown: a line break in a paragraph stays one.
    await page.locator('.note .markdown p:not(.as-written)').last().waitFor();
    assert.equal(await page.locator('.note .markdown p').last().innerHTML(), 'milk<br>eggs');
    assert.equal(await page.getByRole('status').first().textContent(), 'Note added.');
    assert.equal(await page.getByText('No notes yet.').count(), 0);

    // A blank title is refused beside the field, before any request.
    await page.getByLabel('Title').fill('   ');
    await page.getByLabel('Content').fill('something');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('#new-note-title-error', { hasText: 'This field may not be blank.' }).waitFor();
    assert.equal(await page.locator('#new-note-title').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'new-note-title');
    await page.getByLabel('Title').fill('');
    await page.getByLabel('Content').fill('');

    // Edit "Groceries" in place.
    // The card keeps its place while its text turns into fields.
    const groceries = page.locator('.note').nth(1);
    await groceries.getByRole('button', { name: 'Edit' }).click();
    const editTitle = groceries.getByLabel('Title');
    assert.equal(await editTitle.inputValue(), 'Groceries');
    await editTitle.fill('Shopping');
    await groceries.getByLabel('Content').fill('milk, eggs, bread');
    await groceries.getByRole('button', { name: 'Save' }).click();
    const shopping = page.locator('.note', { hasText: 'Shopping' });
    await shopping.locator('.markdown', { hasText: 'milk, eggs, bread' }).waitFor();
    assert.deepEqual(await page.locator('.note h3').allTextContents(), ['Ideas', 'Shopping']);

    // Saving without a change is fine too, and the card goes back to reading.
    await shopping.getByRole('button', { name: 'Edit' }).click();
    await shopping.getByRole('button', { name: 'Save' }).click();
    await shopping.getByRole('button', { name: 'Edit' }).waitFor();
    assert.equal(await shopping.locator('.markdown').textContent(), 'milk, eggs, bread');

    // Delete asks in the page first; keeping it changes nothing.
    page.on('dialog', (d) => assert.fail(`unexpected ${d.type()} dialog: ${d.message()}`));
    await shopping.getByRole('button', { name: 'Delete' }).click();
    await shopping.getByText('You can restore it from there.').waitFor();
    await shopping.getByRole('button', { name: 'Keep it' }).click();
    await shopping.getByRole('button', { name: 'Delete' }).click();
    await shopping.getByRole('button', { name: 'Delete note' }).click();
    await page.locator('.note', { hasText: 'Shopping' }).waitFor({ state: 'detached' });
    assert.deepEqual(await page.locator('.note h3').allTextContents(), ['Ideas']);

    // A reload keeps the session and shows what the server has.
    await page.reload();
    await page.locator('.note h3', { hasText: 'Ideas' }).waitFor();
    assert.equal(where(page), '/');
    assert.equal(await page.locator('.note').count(), 1);

    // The last one gone, the empty state is back.
    const ideas = page.locator('.note', { hasText: 'Ideas' });
    await ideas.getByRole('button', { name: 'Delete' }).click();
    await ideas.getByRole('button', { name: 'Delete note' }).click();
    await page.getByText('No notes yet.').waitFor({ timeout: WAIT });

    assert.deepEqual(b.errors, [], 'no errors in the console');
  });
});
