// Sharing a note: its own page, a link anyone can open (with JavaScript off and on, on a
// phone, never running what a note says), and two people on one note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASE, WAIT, api, createNoteApi, holdSession, inBrowser, openBrowser, registerUser, signInApi,
  workerInControl,
} from '../lib.mjs';

// What a shared note may try: every way of running script or loading from elsewhere.
const HOSTILE = [
  '# Plan for <b>Saturday</b>',
  '<script>window.__pwned = "script"</script>',
  '<img src="x" onerror="window.__pwned = \'onerror\'">',
  '[click me](javascript:window.__pwned=\'href\')',
  '<iframe src="https://example.com/"></iframe>',
  '<svg><script>window.__pwned = "svg"</script></svg>',
  '![pixel](http://127.0.0.1:9/pixel.png)',
  '',
  '- [ ] bring cake',
  '- [x] book the room',
].join('\n');

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'target', 'e2e');

/** Signs `pair`'s person in at `path` of the app in `page`, in a session of this
 * browser's own, as a second device would be: a pair another browser has used may have
 * been renewed there, and an old refresh token used again ends its session. */
async function openAs(page, pair, path) {
  await holdSession(page, BASE, await signInApi(BASE, pair.username));
  await page.goto(`${BASE}${path}`);
}

test('a link opens the note for anyone, without JavaScript too, runs nothing, and stops when revoked', async () => {
  const alice = await registerUser(BASE);
  const note = await createNoteApi(BASE, alice.access, 'Party <plan>', HOSTILE);
  let url;
  await inBrowser(async ({ page }) => {
    await openAs(page, alice, '/');
    // The list links each card's title to the note's page.
    await page.getByRole('link', { name: 'Party <plan>' }).click();
    await page.waitForURL(`${BASE}/notes/${note.id}`);
    await page.locator('.note-page .note h3', { hasText: 'Party <plan>' }).waitFor();
    assert.equal(await page.title(), 'Party <plan> · Notes');

    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByRole('heading', { name: 'Share this note' }).waitFor();
    await page.getByText('No links yet.').waitFor();
    await page.getByLabel('Works for').selectOption('day');
    await page.getByRole('button', { name: 'Make a link' }).click();
    const field = page.getByRole('textbox', { name: 'Link' });
    await field.waitFor();
    url = await field.inputValue();
    assert.match(url, new RegExp(`^${BASE}/s/[A-Za-z0-9_-]{22}$`));
    await page.getByText(/0 views · until /).waitFor();

    // Opened in this browser, whose service worker answers the app's pages, it is the
    // server's page, not the app's shell.
    await workerInControl(page);
    await page.goto(url);
    await page.locator('h1', { hasText: 'Party <plan>' }).waitFor();
    assert.equal(await page.locator('header.site-header').count(), 0, 'not the app');
    await page.goBack();
  });

  // Someone without an account, with JavaScript off.
  const plain = await openBrowser({ javaScriptEnabled: false });
  try {
    const answer = await plain.page.goto(url);
    assert.equal(answer.status(), 200);
    const headers = answer.headers();
    assert.match(headers['content-security-policy'], /script-src 'none'/);
    assert.equal(headers['x-robots-tag'], 'noindex');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    await plain.page.locator('h1', { hasText: 'Party <plan>' }).waitFor();
    await plain.page.getByText('bring cake').waitFor();
    assert.equal(
      await plain.page.locator('meta[property="og:title"]').getAttribute('content'),
      'Party <plan>',
    );
  } finally {
    await plain.close();
  }

  // With JavaScript on, on a phone: nothing the note says runs or loads, and the page
  // fits the screen.
  const phone = await openBrowser({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const requested = [];
    phone.page.on('request', (r) => requested.push(r.url()));
    await phone.page.goto(url);
    await phone.page.locator('h1', { hasText: 'Party <plan>' }).waitFor();
    const dom = await phone.page.evaluate(() => ({
      pwned: window.__pwned ?? null,
      scripts: document.querySelectorAll('script, iframe, object, embed').length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      javascriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
      wider: document.documentElement.scrollWidth > window.innerWidth,
    }));
    assert.deepEqual(dom, { pwned: null, scripts: 0, handlers: 0, javascriptLinks: 0, wider: false });
    assert.deepEqual(requested.filter((r) => !r.startsWith(url) && !r.startsWith(`${BASE}/favicon`)), [], 'nothing else was fetched');
    await mkdir(ARTIFACTS, { recursive: true });
    await phone.page.screenshot({ path: join(ARTIFACTS, 'shared-note-phone.png'), fullPage: true });
  } finally {
    await phone.close();
  }

  // Revoked from the dialog: the link is gone, and says no more than an unknown one.
  await inBrowser(async ({ page }) => {
    await openAs(page, alice, `/notes/${note.id}`);
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByText(/1 view · until /).waitFor();
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No links yet.').waitFor();
  });
  const gone = await fetch(url, { signal: AbortSignal.timeout(WAIT) });
  const unknown = await fetch(`${BASE}/s/AAAAAAAAAAAAAAAAAAAAAA`, { signal: AbortSignal.timeout(WAIT) });
  assert.deepEqual([gone.status, unknown.status], [404, 404]);
  assert.equal(await gone.text(), await unknown.text());
});

test('two people on one note: shared to edit, found, edited; made read only, no more Edit', async () => {
  const alice = await registerUser(BASE);
  const bob = await registerUser(BASE);
  const note = await createNoteApi(BASE, alice.access, 'Trip', 'Train at 9.');

  await inBrowser(async ({ page }) => {
    await openAs(page, alice, `/notes/${note.id}`);
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByText('Not shared with anyone yet.').waitFor();
    // A name nobody has is refused beside the field.
    await page.getByLabel('Username').fill('nobody-here');
    await page.getByRole('button', { name: 'Share', exact: true }).last().click();
    await page.locator('#share-username-error', { hasText: /./ }).waitFor();
    await page.getByLabel('Username').fill(bob.username);
    await page.getByLabel('May').selectOption('edit');
    await page.getByRole('button', { name: 'Share', exact: true }).last().click();
    await page.locator('.share-dialog li', { hasText: bob.username }).waitFor();
    // Her list says it is shared.
    await page.getByRole('link', { name: '← All notes' }).click();
    await page.locator('.note', { hasText: 'Trip' }).locator('.badge', { hasText: 'Shared' }).waitFor();
  });

  await inBrowser(async ({ page }) => {
    await openAs(page, bob, '/');
    await page.getByRole('link', { name: 'Shared with me' }).click();
    await page.getByRole('heading', { name: 'Shared with me' }).waitFor();
    const item = page.locator('.note', { hasText: 'Trip' });
    await item.getByText(`Shared by ${alice.username} · can edit`).waitFor();
    await item.getByRole('link', { name: 'Trip' }).click();
    await page.waitForURL(`${BASE}/notes/${note.id}`);
    await page.getByText(`Shared by ${alice.username} · can edit`).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete' }).isVisible(), false, 'only the owner deletes');
    assert.equal(await page.getByRole('button', { name: 'Share' }).count(), 0, 'only the owner shares');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Content').fill('Train at 9. Bring snacks.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.note .markdown', { hasText: 'Bring snacks.' }).waitFor();
  });
  const seen = await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: alice.access });
  assert.equal(seen.body.content, 'Train at 9. Bring snacks.', 'bob saved her note');

  // Alice makes it read only; Bob's page has no Edit any more.
  const shares = await api(BASE, 'GET', `/api/notes/${note.id}/shares/`, { token: alice.access });
  await inBrowser(async ({ page }) => {
    await openAs(page, alice, `/notes/${note.id}`);
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByLabel(`What ${bob.username} may do`).selectOption('read');
    await page.waitForFunction(async ([path, token]) => {
      const r = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
      return (await r.json())[0].permission === 'read';
    }, [`/api/notes/${note.id}/shares/`, alice.access], { timeout: WAIT });
  });
  assert.equal(shares.body[0].permission, 'edit');
  await inBrowser(async ({ page }) => {
    await openAs(page, bob, `/notes/${note.id}`);
    await page.getByText(`Shared by ${alice.username} · read only`).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Edit' }).isVisible(), false);
  });
});

test('an edit made offline to a note whose share then ends is set aside to copy, never made a note of his own', async () => {
  const alice = await registerUser(BASE);
  const bob = await registerUser(BASE);
  const note = await createNoteApi(BASE, alice.access, 'Rota', 'Mon: Ann');
  const share = await api(BASE, 'POST', `/api/notes/${note.id}/shares/`, {
    token: alice.access, body: { username: bob.username, permission: 'edit' },
  });
  assert.equal(share.status, 201);

  await inBrowser(async ({ context, page }) => {
    await openAs(page, bob, '/');
    await page.getByRole('heading', { name: /Your notes/ }).waitFor();
    await workerInControl(page);
    await page.waitForFunction(async () => (await caches.match('/device/notes.json')) !== undefined);
    await page.goto(`${BASE}/notes/${note.id}`);
    await page.locator('.note h3', { hasText: 'Rota' }).waitFor();

    await context.setOffline(true);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Content').fill('Mon: Ann\nTue: Bob');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Waiting to sync').waitFor();
    // Offline, "Shared with me" lists it from the device, and finds it by a word.
    await page.getByRole('link', { name: 'Shared with me' }).click();
    await page.getByLabel('Search').fill('tue');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.note', { hasText: 'Rota' }).getByText(`Shared by ${alice.username} · can edit`).waitFor();

    // Meanwhile the share ends; then the network comes back.
    const ended = await api(BASE, 'DELETE', `/api/notes/${note.id}/shares/${share.body.id}/`, { token: alice.access });
    assert.equal(ended.status, 204);
    await context.setOffline(false);
    await page.goto(`${BASE}/`);
    const aside = page.getByRole('alert').filter({ hasText: 'Your edit of “Rota” was not saved' });
    await aside.waitFor({ timeout: 20_000 });
    assert.equal(await aside.getByRole('textbox', { name: 'Your text' }).inputValue(), 'Mon: Ann\nTue: Bob');
    const mine = await api(BASE, 'GET', '/api/notes/', { token: bob.access });
    assert.deepEqual(mine.body, [], 'not made a note of his own');
    const hers = await api(BASE, 'GET', `/api/notes/${note.id}/`, { token: alice.access });
    assert.equal(hers.body.content, 'Mon: Ann', 'and not written to hers');
    await aside.getByRole('button', { name: 'Discard' }).click();
    await aside.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('queue:') && localStorage.getItem(k).includes('Tue')).length), 0);
  });
});
