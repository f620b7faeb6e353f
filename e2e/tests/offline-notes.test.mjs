// Notes without a network: the device's copy opens and is searched offline, changes made
// offline wait on the device (across reloads) and reach the server once when it answers
// again, an edit overtaken meanwhile gets the conflict choice, and the queue follows its
// person through an expired token and an ended session; a creation whose answer was lost
// is sent again under its key and made once. The network is cut by stopping
// the test's own server (the service worker keeps serving the app's files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, createNoteApi, expiry, holdSession, inBrowser, registerUser, signInApi, signInWithForm,
  tokens, untilExpired, withOwnServer, workerInControl,
} from '../lib.mjs';

/** The user's notes on the server, by title. */
async function titlesOnServer(server, user) {
  const { access } = await signInApi(server.url, user.username);
  const res = await api(server.url, 'GET', '/api/notes/', { token: access });
  assert.equal(res.status, 200);
  return res.body.map((n) => n.title).sort();
}

/**
 * Opens the notes page of `user` online, with the worker in control and the device's copy
 * holding `count` notes; the browser's HTTP cache is emptied, so that what opens offline
 * comes from the worker and the device.
 */
async function openOnline({ context, page }, server, user, count) {
  await holdSession(page, server.url, user);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: /Your notes/ }).waitFor();
  await workerInControl(page);
  await page.waitForFunction(async (n) => {
    const hit = await caches.match('/device/notes.json');
    return hit !== undefined && (await hit.json()).length === n;
  }, count);
  await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
}

const offlineMark = (page) => page.getByRole('status').filter({ hasText: /^Offline$/ });
const card = (page, title) => page.locator('.note', { has: page.getByRole('heading', { name: title, exact: true }) });

test('offline, a reload shows the notes kept on the device, and search filters them', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    await createNoteApi(server.url, user.access, 'Groceries', 'Eggs, flour and milk');
    await createNoteApi(server.url, user.access, 'Trip', 'Train to Lyon #travel');
    await inBrowser(async (b) => {
      const { page, errors } = b;
      await openOnline(b, server, user, 2);
      await server.stop();

      const started = Date.now();
      await page.reload();
      await card(page, 'Groceries').waitFor();
      const shown = Date.now() - started;
      await card(page, 'Trip').waitFor();
      await offlineMark(page).waitFor();
      await page.getByText('You are offline').waitFor();
      console.log(`cached notes shown ${shown} ms after an offline reload`);

      await page.getByLabel('Search your notes').fill('LYON');
      await card(page, 'Groceries').waitFor({ state: 'detached' });
      await card(page, 'Trip').waitFor();
      // A tag from the strip (kept on the device too) filters as well.
      await page.getByLabel('Search your notes').fill('');
      await card(page, 'Groceries').waitFor();
      await page.getByRole('navigation', { name: 'Tags' }).getByRole('link', { name: /#travel/ }).click();
      await card(page, 'Groceries').waitFor({ state: 'detached' });
      await card(page, 'Trip').waitFor();
      assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch/.test(e)), []);
    });
  });
});

test('notes created, edited and deleted offline reach the server once when it is back', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    for (const title of ['Keep', 'Change me', 'Remove me']) {
      await createNoteApi(server.url, user.access, title, `${title} text`);
    }
    await inBrowser(async (b) => {
      const { page } = b;
      await openOnline(b, server, user, 3);
      await server.stop();
      const posts = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/notes/') && r.method() === 'POST') posts.push(r.url());
      });

      await page.getByLabel('Title').first().fill('Written offline');
      await page.getByLabel('Content').first().fill('On the train');
      await page.getByRole('button', { name: 'Add note' }).click();
      await card(page, 'Written offline').getByText('Waiting to sync').waitFor();

      await card(page, 'Change me').getByRole('button', { name: 'Edit' }).click();
      await page.locator('.note form').getByLabel('Title').fill('Changed offline');
      await page.locator('.note form').getByRole('button', { name: 'Save' }).click();
      await card(page, 'Changed offline').getByText('Waiting to sync').waitFor();

      await card(page, 'Remove me').getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('button', { name: 'Delete note' }).click();
      await card(page, 'Remove me').waitFor({ state: 'detached' });

      // Still offline, a reload keeps all three.
      await page.reload();
      await card(page, 'Written offline').waitFor();
      await card(page, 'Changed offline').waitFor();
      await page.getByText('3 changes are waiting to sync.').waitFor();
      assert.equal(await card(page, 'Remove me').count(), 0);
      assert.equal(await card(page, 'Change me').count(), 0);

      // The server returns: the page finds it and sends the changes, in order, once.
      const failedPosts = posts.length;
      await server.start();
      await offlineMark(page).waitFor({ state: 'detached', timeout: 15_000 });
      await page.getByText(/waiting to sync/).first().waitFor({ state: 'detached' });
      assert.deepEqual(await titlesOnServer(server, user), ['Changed offline', 'Keep', 'Written offline']);
      const { access } = await signInApi(server.url, user.username);
      const trash = await api(server.url, 'GET', '/api/notes/trash/', { token: access });
      assert.deepEqual(trash.body.map((n) => n.title), ['Remove me']);
      assert.equal(posts.length - failedPosts, 1, 'one creation sent');
      // Nothing is left to send: a reload online sends nothing more.
      await page.reload();
      await card(page, 'Written offline').waitFor();
      assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('queue:')).length), 0);
      assert.deepEqual(await titlesOnServer(server, user), ['Changed offline', 'Keep', 'Written offline']);
    });
  });
});

test('a note whose answer was lost is made once, with what was written after, when the sync sends it again', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    await createNoteApi(server.url, user.access, 'Keep', 'Keep text');
    await inBrowser(async (b) => {
      const { context, page } = b;
      // The connection drops for the event stream too (it would otherwise bring the
      // creation's own event, and the list reloaded from the server would show the note
      // beside its copy waiting to sync).
      await context.route('**/api/events/', (route) => route.fulfill({ status: 503, headers: { 'retry-after': '30' }, body: '{}' }));
      await openOnline(b, server, user, 1);
      // The server makes the note, the connection drops before its answer arrives, and
      // the server stays out of reach until the note has been edited on the device.
      const posts = [];
      let cut = false;
      await context.route('**/api/**', async (route) => {
        const request = route.request();
        const creating = request.method() === 'POST' && new URL(request.url()).pathname === '/api/notes/';
        if (creating && posts.length === 0) {
          posts.push(request.headers()['idempotency-key']);
          await route.fetch();
          cut = true;
          return route.abort('connectionreset');
        }
        if (cut) return route.abort('connectionrefused');
        if (!creating) return route.continue();
        posts.push(request.headers()['idempotency-key']);
        const answer = await route.fetch();
        posts.push(answer.headers()['idempotent-replayed']);
        return route.fulfill({ response: answer });
      });

      await page.getByLabel('Title').first().fill('Written once');
      await page.getByLabel('Content').first().fill('Sent twice');
      await page.getByRole('button', { name: 'Add note' }).click();
      await card(page, 'Written once').getByText('Waiting to sync').waitFor();
      await card(page, 'Written once').getByRole('button', { name: 'Edit' }).click();
      await page.locator('.note form').getByLabel('Content').fill('Edited while waiting');
      await page.locator('.note form').getByRole('button', { name: 'Save' }).click();
      await card(page, 'Written once').getByText('Edited while waiting').waitFor();

      // The sync sends the creation again under the same key, then the edit over it.
      cut = false;
      await page.getByText(/waiting to sync/i).first().waitFor({ state: 'detached', timeout: 15_000 });
      assert.equal(posts.length, 3, `${posts}`);
      assert.match(posts[0], /^[0-9a-f]{26}$/);
      assert.equal(posts[1], posts[0], 'the same key, both times');
      assert.equal(posts[2], 'true', 'the server answered with the note it made the first time');
      const { access } = await signInApi(server.url, user.username);
      const listed = await api(server.url, 'GET', '/api/notes/', { token: access });
      assert.deepEqual(
        listed.body.map((n) => [n.title, n.content]),
        [['Written once', 'Edited while waiting'], ['Keep', 'Keep text']],
      );
      await page.reload();
      await card(page, 'Written once').waitFor();
      assert.equal(await card(page, 'Written once').count(), 1);
    });
  });
});

test('an offline edit of a note changed elsewhere meanwhile gets the conflict choice', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    const note = await createNoteApi(server.url, user.access, 'Plan', 'first draft');
    await inBrowser(async (b) => {
      const { page } = b;
      await openOnline(b, server, user, 1);
      // Another device saves; this page still has the first draft.
      const elsewhere = await api(server.url, 'PUT', `/api/notes/${note.id}/`, {
        token: user.access, body: { title: 'Plan', content: 'their version' },
      });
      assert.equal(elsewhere.status, 200);
      await server.stop();

      const plan = card(page, 'Plan');
      await plan.getByRole('button', { name: 'Edit' }).click();
      await page.locator('.note form').getByLabel('Content').fill('my offline version');
      await page.locator('.note form').getByRole('button', { name: 'Save' }).click();
      await plan.getByText('Waiting to sync').waitFor();

      await server.start();
      await page.getByText('This note was changed elsewhere while you were editing it.').waitFor({ timeout: 15_000 });
      await page.locator('.conflict blockquote', { hasText: 'their version' }).waitFor();
      assert.equal(await page.locator('.note form').getByLabel('Content').inputValue(), 'my offline version');
      const { access } = await signInApi(server.url, user.username);
      const read = () => api(server.url, 'GET', `/api/notes/${note.id}/`, { token: access });
      assert.equal((await read()).body.content, 'their version', 'nothing overwritten before the choice');

      await page.getByRole('button', { name: 'Save mine over it' }).click();
      await page.locator('.note .markdown', { hasText: 'my offline version' }).waitFor();
      assert.equal((await read()).body.content, 'my offline version');
      await page.getByText(/waiting to sync/).first().waitFor({ state: 'detached' });
    });
  });
});

test('offline with an expired access token: the notes open, and the sync renews it first', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    await createNoteApi(server.url, user.access, 'Old note', 'text');
    await inBrowser(async (b) => {
      const { page } = b;
      await openOnline(b, server, user, 1);
      await server.stop();
      const { access } = await tokens(page);
      await untilExpired(access);

      await page.reload();
      await card(page, 'Old note').waitFor();
      await page.getByLabel('Title').first().fill('Written late');
      await page.getByLabel('Content').first().fill('after the token expired');
      await page.getByRole('button', { name: 'Add note' }).click();
      await card(page, 'Written late').getByText('Waiting to sync').waitFor();

      await server.start();
      await card(page, 'Written late').getByText('Waiting to sync').waitFor({ state: 'detached', timeout: 15_000 });
      assert.deepEqual(await titlesOnServer(server, user), ['Old note', 'Written late']);
      const renewed = await tokens(page);
      assert.notEqual(renewed.access, access);
      assert.ok(expiry(renewed.access) * 1000 > Date.now());
    });
  }, { ACCESS_TOKEN_LIFETIME: '4s' });
});

test('a session ended meanwhile keeps the queue for its person, and another never sees it', async () => {
  await withOwnServer(async (server) => {
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    await createNoteApi(server.url, alice.access, "Alice's note", 'text');
    await inBrowser(async (b) => {
      const { page } = b;
      // Its event stream down (as when the network goes just before the session ends), so
      // the page does not hear of the end; with it, the page signs out at once
      // (tests/live.test.mjs).
      await page.route('**/api/events/', (route) => route.fulfill({ status: 503, headers: { 'retry-after': '30' }, body: '{}' }));
      await openOnline(b, server, alice, 1);
      // The session ends elsewhere ("sign out everywhere"); this page does not know yet.
      const ended = await api(server.url, 'POST', '/api/token/blacklist/', { body: { refresh: (await tokens(page)).refresh } });
      assert.equal(ended.status, 200);
      await server.stop();
      await page.getByLabel('Title').first().fill('Kept for Alice');
      await page.getByLabel('Content').first().fill('written offline');
      await page.getByRole('button', { name: 'Add note' }).click();
      await card(page, 'Kept for Alice').getByText('Waiting to sync').waitFor();
      await untilExpired((await tokens(page)).access);

      // Back online, renewing is refused: the session is over, the queue is not.
      await server.start();
      await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
      assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('queue:')).length), 1);

      // Someone else signs in on this browser: nothing of Alice's shows or is sent.
      await signInWithForm(page, bob.username);
      await page.getByText('No notes yet.').waitFor();
      assert.equal(await card(page, 'Kept for Alice').count(), 0);
      assert.equal(await page.getByText(/waiting to sync/).count(), 0);
      assert.deepEqual(await titlesOnServer(server, bob), []);
      assert.deepEqual(await titlesOnServer(server, alice), ["Alice's note"]);
      await page.getByRole('link', { name: 'Sign out' }).click();

      // Alice signs in again: her change is sent.
      await signInWithForm(page, alice.username);
      await card(page, 'Kept for Alice').waitFor();
      await page.getByText(/waiting to sync/).first().waitFor({ state: 'detached' });
      assert.deepEqual(await titlesOnServer(server, alice), ["Alice's note", 'Kept for Alice']);
    });
  }, { ACCESS_TOKEN_LIFETIME: '4s' });
});

test('signing out with changes waiting asks first, then clears them from the device', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    await inBrowser(async (b) => {
      const { page } = b;
      await openOnline(b, server, user, 0);
      await server.stop();
      for (const title of ['One', 'Two']) {
        await page.getByLabel('Title').first().fill(title);
        await page.getByLabel('Content').first().fill('offline');
        await page.getByRole('button', { name: 'Add note' }).click();
        await card(page, title).getByText('Waiting to sync').waitFor();
      }
      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.getByText('2 changes have not synced yet.').waitFor();
      await page.getByRole('button', { name: 'Stay signed in' }).click();
      await card(page, 'One').waitFor();

      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign out anyway' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const left = await page.evaluate(async () => ({
        queues: Object.keys(localStorage).filter((k) => k.startsWith('queue:')),
        caches: (await caches.keys()).filter((k) => k.startsWith('device-')),
      }));
      assert.deepEqual(left, { queues: [], caches: [] });
    });
  });
});
