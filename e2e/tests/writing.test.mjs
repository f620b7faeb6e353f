// Notes worth writing in: Markdown shown safely, tasks ticked in place, #tags to filter
// by, pins, and a composer that keeps what is typed across a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, createNoteApi, holdSession, inBrowser, registerUser, signInWithForm, where } from '../lib.mjs';

const titles = (page) => page.locator('.note h3').allTextContents();
/** A card's Markdown once the worker has read it. */
const rendered = (card) => card.locator('.markdown:not(:has(.as-written))');

test('without the Markdown worker, notes show as written', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Plain', 'Some **bold** words\n- and a list');
  await inBrowser(async ({ context, page, errors }) => {
    // The worker's files cannot be had (a routed request cannot reach a service worker's
    // cache, so there is none here).
    await context.route('**/markdown_worker*', (route) => route.abort());
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    const written = page.locator('.note .markdown p.as-written');
    await written.waitFor();
    assert.equal(await written.textContent(), 'Some **bold** words\n- and a list');
    assert.equal(await page.locator('.note .markdown strong').count(), 0);
    assert.deepEqual(errors.filter((e) => !/markdown_worker|Failed to fetch|ERR_FAILED/.test(e)), []);
  }, { serviceWorkers: 'block' });
});

test('Markdown is shown as formatting, and markup that could run never does', async () => {
  const user = await registerUser(BASE);
  const hostile = [
    '<script>window.__xss = 1</script>',
    '<img src=x onerror="window.__xss = 2">',
    '[click](javascript:window.__xss=3) [data](data:text/html,<b>x</b>) [ok](https://example.org/a)',
    '![pic](https://example.org/p.png) &lt;script&gt; &#106;avascript:',
    '<div><b>unclosed *em',
    // Out of an attribute's quotes: a link's address, a task's label.
    '[quoted](https://example.org/q"onmouseover="window.__xss=4)',
    '- [ ] "><img src=x onerror="window.__xss=5">',
  ].join('\n\n');
  await createNoteApi(BASE, user.access, 'Hostile', hostile);
  await createNoteApi(BASE, user.access, 'Formatted',
    '# Heading\n\n**bold**, ~~gone~~ and `code`\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\nSee https://example.org/x.');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    const formatted = rendered(page.locator('.note', { hasText: 'Formatted' }));
    await formatted.locator('strong', { hasText: 'bold' }).waitFor();
    assert.equal(await formatted.locator('h4').textContent(), 'Heading');
    assert.equal(await formatted.locator('del').textContent(), 'gone');
    assert.equal(await formatted.locator('td.align-right').textContent(), '2');
    const autolink = formatted.getByRole('link', { name: 'https://example.org/x' });
    assert.equal(await autolink.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await autolink.getAttribute('target'), '_blank');

    const card = rendered(page.locator('.note', { hasText: 'Hostile' }));
    await card.locator('p').first().waitFor();
    // textContent: a block out of view (`content-visibility: auto`) has no innerText yet.
    const text = await card.textContent();
    for (const kept of ['<script>window.__xss = 1</script>', '<img src=x onerror=', '<script>', 'javascript:', '<div><b>unclosed']) {
      assert.ok(text.includes(kept), `${kept} shows as text in: ${text}`);
    }
    assert.equal(await card.locator('script, img, div, b, iframe, object, [onmouseover], [onerror]').count(), 0);
    const hrefs = await card.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, [
      'https://example.org/a',
      'https://example.org/p.png',
      'https://example.org/q"onmouseover="window.__xss=4',
    ], 'only web links, the picture as a link, quotes kept inside the address');
    const label = await card.locator('input[type=checkbox]').getAttribute('aria-label');
    assert.equal(label, '"><img src=x onerror="window.__xss=5">');
    await card.getByText('click').click();
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'nothing ran');
  });
});

test('ticking a task saves the note, and #tags filter from the strip and from a note', async () => {
  const user = await registerUser(BASE);
  const list = await createNoteApi(BASE, user.access, 'Shopping', '- [ ] milk\n- [ ] eggs #home');
  await createNoteApi(BASE, user.access, 'Standup', 'notes #work/meetings');
  await createNoteApi(BASE, user.access, 'Plan', 'the week #work');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    const shopping = page.locator('.note', { hasText: 'Shopping' });
    await rendered(shopping).getByRole('checkbox', { name: 'eggs #home' }).click();
    await rendered(page.locator('.note', { hasText: 'Shopping' })).getByRole('checkbox', { name: 'eggs #home', checked: true }).waitFor();
    const saved = await api(BASE, 'GET', `/api/notes/${list.id}/`, { token: user.access });
    assert.equal(saved.body.content, '- [ ] milk\n- [x] eggs #home', 'only the box changed');

    // The strip: each tag with what it finds; `work` takes in `work/meetings`.
    const strip = page.getByRole('navigation', { name: 'Tags' });
    await strip.getByRole('link', { name: '#work 2' }).waitFor();
    await strip.getByRole('link', { name: '#home 1' }).click();
    await page.waitForURL(`${BASE}/?tag=home`);
    await page.getByRole('heading', { name: /Notes tagged #home/ }).waitFor();
    assert.deepEqual(await titles(page), ['Shopping']);
    assert.equal(await strip.getByRole('link', { name: '#home 1' }).getAttribute('aria-current'), 'page');

    // A tag in a note is a link to the same filter, kept across a reload.
    await strip.getByRole('link', { name: 'All notes' }).click();
    await page.waitForURL(`${BASE}/`);
    await rendered(page.locator('.note', { hasText: 'Standup' })).getByRole('link', { name: '#work/meetings' }).click();
    await page.waitForURL(`${BASE}/?tag=work%2Fmeetings`);
    await page.getByRole('heading', { name: /Notes tagged #work\/meetings/ }).waitFor();
    assert.deepEqual(await titles(page), ['Standup']);
    await page.reload();
    await page.locator('.note h3', { hasText: 'Standup' }).waitFor();
    assert.deepEqual(await titles(page), ['Standup']);
    await page.goBack();
    await page.waitForURL(`${BASE}/`);
  });
});

test('a pinned note comes first and stays first after a reload', async () => {
  const user = await registerUser(BASE);
  for (const title of ['Oldest', 'Middle', 'Newest']) await createNoteApi(BASE, user.access, title, 'text');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.locator('.note h3', { hasText: 'Oldest' }).waitFor();
    assert.deepEqual(await titles(page), ['Newest', 'Middle', 'Oldest']);
    await page.locator('.note', { hasText: 'Oldest' }).getByRole('button', { name: 'Pin' }).click();
    await page.locator('.note h3', { hasText: 'Pinned · Oldest' }).waitFor();
    assert.deepEqual(await titles(page), ['Pinned · Oldest', 'Newest', 'Middle']);
    await page.reload();
    await page.locator('.note h3', { hasText: 'Oldest' }).waitFor();
    assert.deepEqual(await titles(page), ['Pinned · Oldest', 'Newest', 'Middle']);
    const unpin = page.locator('.note', { hasText: 'Oldest' }).getByRole('button', { name: 'Unpin' });
    assert.equal(await unpin.getAttribute('aria-pressed'), 'true');
    await unpin.click();
    await page.locator('.note h3', { hasText: /^Oldest$/ }).waitFor();
    assert.deepEqual(await titles(page), ['Newest', 'Middle', 'Oldest']);
  });
});

test('the composer opens when written in, keeps its text across a reload, and Ctrl+Enter saves', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    await page.getByText('No notes yet.').waitFor();
    const content = page.locator('#new-note-content');
    assert.equal(await content.isVisible(), false, 'collapsed to its title');
    await page.getByLabel('Title').fill('Draft');
    await content.fill('kept **safe**');
    await page.reload();
    await page.getByText('No notes yet.').waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), 'Draft');
    assert.equal(await content.inputValue(), 'kept **safe**');
    assert.equal(await content.isVisible(), true, 'open while it holds text');

    // A preview shows it as it will be shown, as it is typed.
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('region', { name: 'Preview' }).locator('strong', { hasText: 'safe' }).waitFor();
    await content.fill('kept **safe** and *sound*');
    await page.getByRole('region', { name: 'Preview' }).locator('em', { hasText: 'sound' }).waitFor();

    await content.press('Control+Enter');
    await rendered(page.locator('.note', { hasText: 'Draft' })).locator('em', { hasText: 'sound' }).waitFor();
    await page.reload();
    await page.locator('.note h3', { hasText: 'Draft' }).waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), '', 'a saved note leaves no draft');

    // Signing out forgets what was typed, after asking.
    await page.getByLabel('Title').fill('Private thought');
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('alertdialog', { name: 'Leave without saving?' }).getByRole('button', { name: 'Leave' }).click();
    await page.waitForURL(/\/login$/);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('draft:'))), []);
    await signInWithForm(page, user.username);
    await page.locator('.note h3', { hasText: 'Draft' }).waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), '');
  });
});

test('an edit survives a reload, and Esc leaves it after asking', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Letter', 'Dear Sam');
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/`);
    const card = page.locator('.note', { hasText: 'Letter' });
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Content').fill('Dear Sam, see you soon');
    await page.reload();
    await card.getByText('Unsaved changes to this note are kept on this device.').waitFor();
    await card.getByRole('button', { name: 'Resume editing' }).click();
    assert.equal(await card.getByLabel('Content').inputValue(), 'Dear Sam, see you soon');

    let asked = null;
    page.once('dialog', (dialog) => { asked = dialog.message(); dialog.accept(); });
    await card.getByLabel('Content').press('Escape');
    await card.getByRole('button', { name: 'Edit' }).waitFor();
    assert.equal(asked, 'Discard your changes to this note?');
    assert.equal(await rendered(card).textContent(), 'Dear Sam');
    await page.reload();
    await card.getByRole('button', { name: 'Edit' }).waitFor();
    assert.equal(await card.getByText('Unsaved changes').count(), 0, 'leaving the edit forgot it');
    assert.equal(where(page), '/');
  });
});
