// Images and files in notes (issue 31): an image pasted into the composer uploads and
// shows in the note (fetched with the token into a `blob:` URL), opens whole on a click,
// and shows again after a reload with the server gone; a file chosen with "Attach files"
// shows as a chip with its size and downloads on a click; the account page counts the
// space; a file added while the server cannot be reached waits and uploads once it can;
// sign-out empties the device's copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holdSession, inBrowser, registerUser, withOwnServer, workerInControl } from '../lib.mjs';
import { png } from '../png.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const REFERENCE = /!\[board\.png\]\(\/api\/attachments\/([0-9a-f-]{36})\/\)/;

/** Pastes a file into `field` as the browser does when a copied image is pasted, once
 * the form takes files (the chunk that takes them is wired when the form is focused). */
async function paste(field, name, type, bytes) {
  await field.focus();
  await field.page().locator('.note-form textarea[data-takes-files]').waitFor();
  await field.evaluate((el, [name, type, bytes]) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], name, { type }));
    el.focus();
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, [name, type, [...bytes]]);
}

/** Waits until the note's image shows, decoded from a `blob:` URL: its natural width. */
async function shownImage(page) {
  const image = page.locator('.note img.attachment').first();
  await image.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('.note img.attachment');
    return img && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0;
  }).catch(async (e) => {
    throw new Error(`${e.message}\nthe image: ${await image.evaluate((img) => img.outerHTML)}`);
  });
  return image.evaluate((img) => img.naturalWidth);
}

test('a pasted image and an attached file: in the note, opened, counted, and shown offline', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    await inBrowser(async ({ context, page, errors }) => {
      page.on('dialog', (d) => assert.fail(`unexpected ${d.type()} dialog: ${d.message()}`));
      await holdSession(page, server.url, user);
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: /Your notes/ }).waitFor();
      await workerInControl(page);

      // The uploader is a chunk of its own, fetched when the form is first focused.
      const chunks = [];
      page.on('request', (r) => {
        if (/\/split_files-[^/]*\.wasm$/.test(r.url())) chunks.push(r.url());
      });
      await page.getByLabel('Title').fill('Whiteboard');
      const content = page.getByLabel('Content');
      await content.fill('From the meeting:\n');
      await paste(content, 'board.png', 'image/png', png(40, 30));
      await page.waitForFunction(
        (pattern) => new RegExp(pattern).test(document.querySelector('.note-form textarea').value),
        REFERENCE.source,
      );
      const text = await content.inputValue();
      assert.match(text, /^From the meeting:\n!\[board\.png\]/, 'the reference is where the cursor was');
      assert.equal(chunks.length, 1);
      const id = text.match(REFERENCE)[1];
      assert.equal(await page.locator('.uploads li').count(), 0, 'a finished upload leaves the list');

      // A file from the picker: a chip with its name and size.
      await page.locator('.note-form input[type=file]').setInputFiles({
        name: 'report.pdf', mimeType: 'application/pdf', buffer: PDF,
      });
      await page.waitForFunction(() => /\[report\.pdf\]\(\/api\/attachments\//.test(document.querySelector('.note-form textarea').value));
      const ids = [...(await content.inputValue()).matchAll(/\/api\/attachments\/([0-9a-f-]{36})\//g)].map((m) => m[1]);
      assert.equal(ids[0], id);
      assert.equal(
        await content.inputValue(),
        `From the meeting:\n![board.png](/api/attachments/${id}/)[report.pdf](/api/attachments/${ids[1]}/)`,
        'the file goes where the cursor was, after the image',
      );
      await page.getByRole('button', { name: 'Add note' }).click();
      await page.getByRole('status').filter({ hasText: 'Note added.' }).waitFor();
      // The composer folds once the focus leaves it: before the clicks below, so that
      // nothing moves under the pointer.
      await page.evaluate(() => document.activeElement.blur());
      await content.waitFor({ state: 'hidden' });

      assert.equal(await shownImage(page), 40);
      const chip = page.locator('.note a.attachment');
      await chip.locator('.size').filter({ hasText: `${PDF.length} B` }).waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), chip.click()]);
      assert.equal(download.suggestedFilename(), 'report.pdf');

      // A click shows the original whole, over the page.
      await page.locator('.note img.attachment').click();
      const whole = page.locator('dialog.attachment-whole');
      await whole.waitFor();
      await page.waitForFunction(() => document.querySelector('dialog.attachment-whole img')?.naturalWidth === 40);
      await whole.getByRole('button', { name: 'Close' }).click();
      await whole.waitFor({ state: 'detached' });

      await page.getByRole('link', { name: user.username }).click();
      await page.getByText(/^2 files take \d+ B of your 1\.0 GB\.$/).waitFor();
      await page.goto(`${server.url}/`);
      await shownImage(page);

      // Offline: the device's copy of what it has shown.
      await page.waitForFunction((path) => caches.match(path).then((hit) => hit !== undefined), `/api/attachments/${id}/?size=preview`);
      await server.stop();
      await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
      await page.reload();
      assert.equal(await shownImage(page), 40);
      await server.start();
      assert.deepEqual(errors, []);
    });
  });
});

test('a file added while the server cannot be reached waits, then uploads; sign-out forgets the copies', async () => {
  await withOwnServer(async (server) => {
    const user = await registerUser(server.url);
    await inBrowser(async ({ page }) => {
      await holdSession(page, server.url, user);
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: /Your notes/ }).waitFor();
      await workerInControl(page);
      await page.getByLabel('Title').fill('Later');
      // The chunk is in the worker's cache (precached), so it loads offline too.
      await server.stop();
      const content = page.getByLabel('Content');
      await paste(content, 'board.png', 'image/png', png(20, 10));
      const upload = page.locator('.uploads li', { hasText: 'board.png' });
      await upload.getByText('Waiting for the connection: it uploads when it returns.').waitFor();
      assert.match(await content.inputValue(), /^!\[Uploading board\.png… #\d+\]\(\)$/);
      await server.start();
      // The app finds the server again by its probe (every 5 s), and the upload then
      // tries again (every 3 s): longer than the suite's usual wait.
      await page.waitForFunction(
        (pattern) => new RegExp(pattern).test(document.querySelector('.note-form textarea').value),
        REFERENCE.source,
        { timeout: 30_000 },
      );
      await upload.waitFor({ state: 'detached' });

      await page.getByRole('button', { name: 'Add note' }).click();
      await page.getByRole('status').filter({ hasText: 'Note added.' }).waitFor();
      await shownImage(page);
      await page.waitForFunction(() => caches.keys().then((names) => names.some((n) => n.startsWith('device-'))));
      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login$/);
      assert.equal(await page.evaluate(() => caches.keys().then((names) => names.filter((n) => n.startsWith('device-')).length)), 0);
    });
  });
});
