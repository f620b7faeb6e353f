// Finding a note among many: a search box that keeps its query in the URL, and a list
// that comes a page at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, createNoteApi, holdSession, inBrowser, registerUser, where } from '../lib.mjs';

const titles = (page) => page.locator('.note h3').allTextContents();

test('the search box filters as one types, and the URL keeps the search across reload and Back', async () => {
  const user = await registerUser(BASE);
  for (const [title, content] of [['Apples', 'green ones'], ['Bananas', 'yellow'], ['Pie', 'apple and cinnamon']]) {
    await createNoteApi(BASE, user.access, title, content);
  }
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.locator('.note h3', { hasText: 'Bananas' }).waitFor();
    const searches = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/notes/' && url.searchParams.has('search')) searches.push(url.searchParams.get('search'));
    });

    // Typing goes out once typing pauses, not once per key.
    await page.getByLabel('Search your notes').pressSequentially('APPLE', { delay: 30 });
    await page.waitForURL(`${BASE}/?q=APPLE`);
    await page.getByRole('heading', { name: /Notes matching “APPLE”/ }).waitFor();
    // The heading comes with the URL; the cards when the answer does.
    await page.locator('.note h3', { hasText: 'Pie' }).waitFor();
    assert.deepEqual(await titles(page), ['Pie', 'Apples']);
    assert.deepEqual(searches, ['APPLE'], 'one request for five keystrokes');

    // A reload keeps the search, in the box and in the list.
    await page.reload();
    await page.locator('.note h3', { hasText: 'Pie' }).waitFor();
    assert.equal(await page.getByLabel('Search your notes').inputValue(), 'APPLE');
    assert.deepEqual(await titles(page), ['Pie', 'Apples']);

    // Nothing found says so.
    await page.getByLabel('Search your notes').fill('cherry');
    await page.getByText('No notes match “cherry”.').waitFor();
    assert.equal(where(page), '/?q=cherry');

    // Leaving and coming Back brings the search back.
    await page.getByRole('link', { name: 'Notes', exact: true }).click();
    await page.locator('.note h3', { hasText: 'Bananas' }).waitFor();
    assert.equal(await page.getByLabel('Search your notes').inputValue(), '');
    assert.deepEqual(await titles(page), ['Pie', 'Bananas', 'Apples']);
    await page.goBack();
    await page.getByText('No notes match “cherry”.').waitFor();
    assert.equal(await page.getByLabel('Search your notes').inputValue(), 'cherry');
    assert.deepEqual(b.errors, []);
  });
});

test('a change heard from elsewhere while one types leaves the search box as typed', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Apples', 'green ones');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.locator('.note h3', { hasText: 'Apples' }).waitFor();
    // The stream is open once a change made elsewhere shows: the list was loaded before
    // the change was made.
    await createNoteApi(BASE, user.access, 'Bananas', 'yellow');
    await page.locator('.note h3', { hasText: 'Bananas' }).waitFor();
    const reloads = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/notes/' && !url.searchParams.has('search')) reloads.push(Date.now());
    });

    // Keys keep coming faster than the search waits for, so the URL still has no
    // search when the change is heard and the list reloads.
    const box = page.getByLabel('Search your notes');
    const words = 'apples from the orchard';
    const typing = box.pressSequentially(words, { delay: 100 });
    await new Promise((done) => setTimeout(done, 250));
    await createNoteApi(BASE, user.access, 'Cherries', 'red');
    await typing;
    const typed = Date.now();
    assert.ok(reloads.some((at) => at < typed), 'the change was heard while typing');
    assert.equal(await box.inputValue(), words);
    await page.waitForURL(`${BASE}/?q=apples%20from%20the%20orchard`);
    await page.getByText('No notes match “apples from the orchard”.').waitFor();
    assert.deepEqual(b.errors, []);
  });
});

test('a long list comes a page at a time, with the count', async () => {
  const user = await registerUser(BASE);
  for (let i = 1; i <= 23; i++) await createNoteApi(BASE, user.access, `Note ${i}`, `number ${i}`);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.getByText('Showing 20 of 23.').waitFor();
    assert.equal(await page.locator('.note').count(), 20);
    assert.equal((await titles(page))[0], 'Note 23');

    // Deleting one first: the next page still brings every other note, once.
    const first = page.locator('.note').first();
    await first.getByRole('button', { name: 'Delete' }).click();
    await first.getByRole('button', { name: 'Delete note' }).click();
    // 19 at once; 20 when the tab has heard its own delete from the server and reloaded.
    await page.getByText(/^Showing (19|20) of 22\.$/).waitFor();
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.locator('.note h3', { hasText: /^Note 1$/ }).waitFor();
    const shown = await titles(page);
    assert.equal(shown.length, 22);
    assert.equal(new Set(shown).size, 22, 'no note twice');
    assert.equal(await page.getByRole('button', { name: 'Show more' }).count(), 0);
    assert.deepEqual(b.errors, []);
  });
});
