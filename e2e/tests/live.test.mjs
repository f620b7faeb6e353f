// Changes reach every device and tab without a reload, over one stream per browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, api, createNoteApi, holdSession, openBrowser, registerUser, signInApi, where,
} from '../lib.mjs';

/** How many `/api/events/` requests `page` makes from now on. */
function streamsOpenedBy(page) {
  const seen = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/events/') seen.push(r.url()); });
  return seen;
}

/** A browser signed in as `pair` (a session of its own), on the notes page. */
async function device(pair) {
  const b = await openBrowser();
  b.streams = streamsOpenedBy(b.page);
  await holdSession(b.page, BASE, pair);
  await b.page.goto(`${BASE}/`);
  await b.page.locator('main').waitFor();
  return b;
}

const card = (page, title) => page.locator('.note', { has: page.locator('h3', { hasText: title }) });

test('a note written or edited on one device appears on the other without a reload', async () => {
  const user = await registerUser(BASE);
  const laptop = await device(user);
  const phone = await device(await signInApi(BASE, user.username));
  try {
    await laptop.page.getByLabel('Title').fill('Groceries');
    await laptop.page.getByLabel('Content').fill('milk');
    await laptop.page.getByRole('button', { name: 'Add note' }).click();
    await card(phone.page, 'Groceries').waitFor({ timeout: 5_000 });

    // Edited on the phone: the laptop shows the new text.
    const onPhone = card(phone.page, 'Groceries');
    await onPhone.getByRole('button', { name: 'Edit' }).click();
    await onPhone.getByLabel('Content').fill('milk, eggs');
    await onPhone.getByRole('button', { name: 'Save' }).click();
    await card(laptop.page, 'Groceries').getByText('milk, eggs').waitFor({ timeout: 5_000 });
    assert.deepEqual([...laptop.errors, ...phone.errors], []);
  } finally {
    await laptop.close();
    await phone.close();
  }
});

test('an edit in progress hears of a save elsewhere before its own save', async () => {
  const user = await registerUser(BASE);
  const note = await createNoteApi(BASE, user.access, 'Plan', 'first draft');
  const b = await device(user);
  try {
    const editing = card(b.page, 'Plan');
    await editing.getByRole('button', { name: 'Edit' }).click();
    await editing.getByLabel('Content').fill('my own words');
    // Saved meanwhile by another device.
    const other = await signInApi(BASE, user.username);
    const saved = await api(BASE, 'PATCH', `/api/notes/${note.id}/`, { token: other.access, body: { content: 'their words' } });
    assert.equal(saved.status, 200);
    const said = b.page.getByText('Changed on another device');
    await said.waitFor({ timeout: 5_000 });
    // The edit stays open with the person's text in it.
    assert.equal(await editing.getByLabel('Content').inputValue(), 'my own words');
    await b.page.getByRole('button', { name: 'Show changes' }).click();
    await b.page.getByText('This note was changed elsewhere while you were editing it.').waitFor();
    await b.page.locator('.conflict').getByText('their words').waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('an open note and its history follow a save elsewhere', async () => {
  const user = await registerUser(BASE);
  const note = await createNoteApi(BASE, user.access, 'Recipe', 'flour');
  const b = await device(user);
  try {
    await b.page.goto(`${BASE}/notes/${note.id}`);
    await b.page.locator('.note-page').getByText('flour').waitFor();
    await b.page.getByRole('button', { name: 'History' }).click();
    await b.page.getByRole('list', { name: 'Versions, newest first' }).waitFor();
    const saved = await api(BASE, 'PATCH', `/api/notes/${note.id}/`, { token: user.access, body: { content: 'flour, sugar' } });
    assert.equal(saved.status, 200);
    await b.page.locator('.note-page').getByText('flour, sugar').waitFor({ timeout: 5_000 });
    await b.page.locator('.versions li', { hasText: 'Version 1' }).waitFor({ timeout: 5_000 });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('seven tabs of one browser stay usable and all update, over one stream', async () => {
  const user = await registerUser(BASE);
  const b = await device(user);
  try {
    const tabs = [b.page];
    const opened = [b.streams];
    for (let i = 1; i < 7; i++) {
      const tab = await b.context.newPage();
      opened.push(streamsOpenedBy(tab));
      await tab.goto(`${BASE}/`);
      await tab.getByText('No notes yet.').waitFor();
      tabs.push(tab);
    }
    // The seventh tab writes, and every tab shows it.
    await tabs[6].getByLabel('Title').fill('From tab seven');
    await tabs[6].getByLabel('Content').fill('hello');
    await tabs[6].getByRole('button', { name: 'Add note' }).click();
    for (const tab of tabs) await card(tab, 'From tab seven').waitFor({ timeout: 5_000 });
    // Written elsewhere: every tab shows it too.
    await createNoteApi(BASE, user.access, 'From the API', 'x');
    for (const tab of tabs) await card(tab, 'From the API').waitFor({ timeout: 5_000 });
    // One stream for the browser, held by one tab.
    const holders = opened.map((seen, i) => [i, seen.length]).filter(([, n]) => n > 0);
    assert.equal(holders.length, 1, `tabs holding streams: ${JSON.stringify(holders)}`);

    // The holder closes: another takes over within 2 s.
    const [holder] = holders[0];
    await tabs[holder].close();
    const rest = tabs.filter((_, i) => i !== holder);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await createNoteApi(BASE, user.access, 'After the holder left', 'x');
    for (const tab of rest) await card(tab, 'After the holder left').waitFor({ timeout: 3_000 });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a session ended from another device signs that device out at once', async () => {
  const user = await registerUser(BASE);
  const phonePair = await signInApi(BASE, user.username);
  const phone = await device(phonePair);
  try {
    await phone.page.getByText('No notes yet.').waitFor();
    // Give the stream its moment to open.
    await phone.page.waitForTimeout(500);
    const sessions = await api(BASE, 'GET', '/api/user/sessions/', { token: user.access });
    const theirs = sessions.body.find((s) => !s.current);
    const ended = await api(BASE, 'DELETE', `/api/user/sessions/${theirs.id}/`, { token: user.access });
    assert.equal(ended.status, 204);
    // Without a click or a reload.
    await phone.page.waitForURL(/\/login/, { timeout: 5_000 });
    assert.match(where(phone.page), /^\/login/);
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.close();
  }
});

test('a change heard from elsewhere keeps the pages one opened', async () => {
  const user = await registerUser(BASE);
  const notes = [];
  for (let i = 1; i <= 23; i++) notes.push(await createNoteApi(BASE, user.access, `Note ${i}`, `number ${i}`));
  const b = await device(user);
  try {
    await b.page.getByRole('button', { name: 'Show more' }).click();
    await card(b.page, /^Note 1$/).waitFor();
    // The oldest note, on the second page, changed on another device.
    const other = await signInApi(BASE, user.username);
    const saved = await api(BASE, 'PATCH', `/api/notes/${notes[0].id}/`, { token: other.access, body: { content: 'changed elsewhere' } });
    assert.equal(saved.status, 200);
    await card(b.page, /^Note 1$/).getByText('changed elsewhere').waitFor({ timeout: 5_000 });
    assert.equal(await b.page.locator('.note').count(), 23);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
