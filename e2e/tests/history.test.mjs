// A note's history (issue 30): every version listed on the note's page, a version's
// changes against the current text (lines added and removed, the words changed marked),
// a version restored; the text a conflict choice discards kept as a set-aside version;
// a read-only share reads the history but restores nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, PASSWORD, api, createNoteApi, holdSession, inBrowser, registerUser, tokens, uniqueName,
} from '../lib.mjs';

const FIRST = 'Eggs\nFlour\nthe quick brown fox\nMilk';
const EDITS = [
  'Eggs\nFlour\nthe quick brown fox\nMilk\nButter',
  'Eggs\nthe quick brown fox\nMilk\nButter',
  'Eggs\nthe quick red fox\nMilk\nButter',
];

/** Edits the note shown on its page (Edit, the new content, Save) and waits until the
 * card reads again, which it does once the server has the save. */
async function editOnPage(page, id, content) {
  const card = page.locator('.note-page .note');
  await card.getByRole('button', { name: 'Edit' }).click();
  await card.getByLabel('Content').fill(content);
  await card.getByRole('button', { name: 'Save' }).click();
  await card.getByRole('button', { name: 'Edit' }).waitFor();
  const { access } = await tokens(page);
  const saved = await api(BASE, 'GET', `/api/notes/${id}/`, { token: access });
  assert.equal(saved.body.content, content);
}

/** The names of the versions the history lists, in order. */
async function versions(page) {
  const names = await page.locator('.versions li button > span:first-child').allTextContents();
  return names.map((n) => n.trim());
}

test('the versions of a note: listed, compared with the current text, and one restored', async () => {
  await inBrowser(async (b) => {
    const { page } = b;
    page.on('dialog', (d) => assert.fail(`unexpected ${d.type()} dialog: ${d.message()}`));
    // No event stream (a proxy that buffers it, say): a change elsewhere is not heard, and
    // the restore's `If-Match` is what stops it (with the stream, the history reloads
    // itself: tests/live.test.mjs).
    await page.route('**/api/events/', (route) => route.fulfill({ status: 503, headers: { 'retry-after': '30' }, body: '{}' }));
    await page.goto(`${BASE}/register`);
    await page.getByLabel('Username').fill(uniqueName('historian'));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();

    await page.getByLabel('Title').fill('Groceries');
    await page.getByLabel('Content').fill(FIRST);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('status').filter({ hasText: 'Note added.' }).waitFor();
    // By the keyboard: a click's press would move focus out of the composer, which then
    // folds and moves the link up from under the pointer before the click is done.
    await page.getByRole('link', { name: 'Groceries' }).press('Enter');
    await page.locator('.note-page').waitFor();
    assert.match(new URL(page.url()).pathname, /^\/notes\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').at(-1));
    for (const content of EDITS) await editOnPage(page, id, content);

    // The history is a chunk of its own, fetched when first opened.
    const chunks = [];
    page.on('request', (r) => {
      if (/\/split_history-[^/]*\.wasm$/.test(r.url())) chunks.push(r.url());
    });
    const opener = page.getByRole('button', { name: 'History' });
    assert.equal(await opener.getAttribute('aria-expanded'), 'false');
    await opener.click();
    await page.getByRole('heading', { name: 'History', level: 2 }).waitFor();
    await page.getByRole('list', { name: 'Versions, newest first' }).waitFor();
    assert.equal(await opener.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await versions(page), ['Current version', 'Version 3', 'Version 2', 'Version 1']);
    const one = page.locator('.versions li', { hasText: 'Version 1' });
    await one.getByText(new RegExp(`^\\+\\d+ −\\d+ lines · ${FIRST.length} characters$`)).waitFor();

    // Changed meanwhile (another device, the same person): restoring over the version
    // the history was opened on is refused, and says so.
    const { access } = await tokens(page);
    const elsewhere = await api(BASE, 'PUT', `/api/notes/${id}/`, {
      token: access, body: { title: 'Shopping', content: EDITS.at(-1) },
    });
    assert.equal(elsewhere.status, 200);
    await page.getByRole('button', { name: /^Version 2/ }).click();
    await page.getByRole('heading', { name: 'Version 2', level: 3 }).waitFor();
    await page.getByRole('button', { name: 'Restore this version' }).click();
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByText('The note changed meanwhile; reload the history.').waitFor();
    await page.getByRole('button', { name: 'Reload the history' }).click();
    await page.getByRole('list', { name: 'Versions, newest first' }).waitFor();
    assert.deepEqual(
      await versions(page),
      ['Current version', 'Version 4', 'Version 3', 'Version 2', 'Version 1'],
    );

    // Version 1 against the current text: its changes, marked by more than colour.
    await page.getByRole('button', { name: /^Version 1/ }).click();
    await page.getByRole('heading', { name: 'Version 1', level: 3 }).waitFor();
    const changes = page.getByRole('button', { name: 'Changes' });
    assert.equal(await changes.getAttribute('aria-pressed'), 'true');
    const diff = page.locator('.diff');
    await diff.waitFor();
    await page.locator('.diff-title del', { hasText: 'Groceries' }).waitFor();
    await page.locator('.diff-title ins', { hasText: 'Shopping' }).waitFor();
    const inserted = diff.locator('.line.insert', { hasText: 'Butter' });
    await inserted.waitFor();
    assert.equal(await inserted.locator('.sign').textContent(), '+');
    assert.equal((await inserted.locator('ins').textContent()).trim(), 'Added: Butter');
    const deleted = diff.locator('.line.delete', { hasText: 'Flour' });
    assert.equal(await deleted.locator('.sign').textContent(), '−');
    assert.equal((await deleted.locator('del').textContent()).trim(), 'Removed: Flour');
    // The word changed within a line, not the whole line.
    const fox = (op) => diff.locator(`.line.${op}`, { hasText: /the quick \w+ fox/ }).locator('mark');
    assert.deepEqual(await fox('insert').allTextContents(), ['red']);
    assert.deepEqual(await fox('delete').allTextContents(), ['brown']);
    await diff.locator('.line:not(.insert):not(.delete)', { hasText: 'Eggs' }).waitFor();

    // Its text, as Markdown.
    await page.getByRole('button', { name: 'Text' }).click();
    await page.locator('.version .markdown', { hasText: 'the quick brown fox' }).waitFor();
    assert.equal(await page.locator('.version .version-title').textContent(), 'Groceries');

    // Restored, after a confirmation: the page shows it, and a later edit saves over it.
    await page.getByRole('button', { name: 'Restore this version' }).click();
    await page.getByRole('button', { name: 'Keep the current text' }).click();
    await page.getByRole('button', { name: 'Restore this version' }).click();
    await page.getByText("Make this version the note's text again?").waitFor();
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Restored.' }).waitFor();
    await page.getByRole('heading', { name: 'History', level: 2 }).waitFor({ state: 'detached' });
    const card = page.locator('.note-page .note');
    await card.locator('h3', { hasText: 'Groceries' }).waitFor();
    await card.locator('.markdown', { hasText: 'Flour' }).waitFor();
    const saved = await api(BASE, 'GET', `/api/notes/${id}/`, { token: access });
    assert.deepEqual([saved.body.title, saved.body.content], ['Groceries', FIRST]);
    assert.equal(chunks.length, 1, 'the chunk was fetched once');

    await editOnPage(page, id, `${FIRST}\nJam`);
    const after = await api(BASE, 'GET', `/api/notes/${id}/`, { token: access });
    assert.equal(after.body.content, `${FIRST}\nJam`);
    // The history lists the restore's and the edit's replaced texts too.
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByRole('list', { name: 'Versions, newest first' }).waitFor();
    assert.equal((await versions(page)).length, 7);
    assert.deepEqual(b.errors, []);
  });
});

test('taking the saved version in a conflict keeps the discarded text as a set-aside version', async () => {
  const user = await registerUser(BASE);
  const note = await createNoteApi(BASE, user.access, 'Plan', 'first draft');
  await inBrowser(async (b) => {
    const { page, context } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/notes/${note.id}`);
    const card = page.locator('.note-page .note');
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Title').fill('Plan B');
    await card.getByLabel('Content').fill('my own words');
    const theirs = await api(BASE, 'PUT', `/api/notes/${note.id}/`, {
      token: user.access, body: { title: 'Plan', content: 'their words' },
    });
    assert.equal(theirs.status, 200);
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('This note was changed elsewhere while you were editing it.').waitFor();

    // The server cannot be reached: nothing is discarded, and the choice says why.
    const revisions = `**/api/notes/${note.id}/revisions/`;
    await context.route(revisions, (route) => route.abort('internetdisconnected'));
    await card.getByRole('button', { name: 'Take the saved version' }).click();
    await card.getByText("Your text could not be kept in the note's history, so it is still here").waitFor();
    assert.equal(await card.getByLabel('Content').inputValue(), 'my own words');
    await context.unroute(revisions);

    await card.getByRole('button', { name: 'Take the saved version' }).click();
    await card.locator('.markdown', { hasText: 'their words' }).waitFor();
    assert.equal(await card.getByLabel('Content').count(), 0, 'the edit is over');

    const list = await api(BASE, 'GET', `/api/notes/${note.id}/revisions/`, { token: user.access });
    assert.equal(list.status, 200);
    const aside = list.body.results.filter((r) => r.kind === 'set_aside');
    assert.equal(aside.length, 1, JSON.stringify(list.body.results));
    assert.equal(aside[0].title, 'Plan B');
    const kept = await api(BASE, 'GET', `/api/notes/${note.id}/revisions/${aside[0].revision}/`, { token: user.access });
    assert.equal(kept.body.content, 'my own words');
    const now = await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: user.access });
    assert.deepEqual([now.body.title, now.body.content], ['Plan', 'their words'], 'the note is theirs');

    // The history shows it, marked.
    await page.getByRole('button', { name: 'History' }).click();
    const entry = page.locator('.versions li', { hasText: 'Set aside' });
    await entry.locator('.badge').waitFor();
    await entry.getByRole('button').click();
    await page.getByRole('heading', { name: 'Text set aside', level: 3 }).waitFor();
    await page.locator('.diff .line.delete', { hasText: 'my own words' }).waitFor();
    // The aborted request is the only error the page logged.
    assert.ok(b.errors.every((e) => /Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(e)), JSON.stringify(b.errors));
  });
});

test('a note shared read only: its history is there to read, with nothing to restore', async () => {
  const alice = await registerUser(BASE);
  const bob = await registerUser(BASE);
  const note = await createNoteApi(BASE, alice.access, 'Rota', 'Mon: Ann');
  const share = await api(BASE, 'POST', `/api/notes/${note.id}/shares/`, {
    token: alice.access, body: { username: bob.username, permission: 'read' },
  });
  assert.equal(share.status, 201);
  const edit = await api(BASE, 'PUT', `/api/notes/${note.id}/`, {
    token: alice.access, body: { title: 'Rota', content: 'Mon: Ann\nTue: Ben' },
  });
  assert.equal(edit.status, 200);

  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, bob);
    await page.goto(`${BASE}/notes/${note.id}`);
    await page.getByText(`Shared by ${alice.username} · read only`).waitFor();
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByRole('button', { name: /^Version 1/ }).click();
    await page.locator('.diff .line.insert', { hasText: 'Tue: Ben' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Restore this version' }).count(), 0);
    assert.deepEqual(b.errors, []);
  });
  const list = await api(BASE, 'GET', `/api/notes/${note.id}/revisions/`, { token: bob.access });
  const restore = await fetch(`${BASE}/api/notes/${note.id}/revisions/${list.body.results[0].revision}/restore/`, {
    method: 'POST', headers: { authorization: `Bearer ${bob.access}`, 'if-match': '"2"' },
  });
  assert.equal(restore.status, 403);
});
