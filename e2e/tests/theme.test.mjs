// The colour theme: the system's until the header's switch chooses one, which this
// browser remembers; and both themes meet WCAG AA contrast, read from the computed
// colours of what each page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, createNoteApi, holdSession, inBrowser, registerUser } from '../lib.mjs';

const DARK_BG = 'rgb(18, 21, 28)';
const LIGHT_BG = 'rgb(245, 246, 248)';

const switchOf = (page) => page.getByRole('button', { name: 'Dark theme' });
const bodyBackground = (page) =>
  page.evaluate(() => getComputedStyle(document.body).backgroundColor);
// The colour the browser gives its bar: the theme-color whose media query matches first.
const barColour = (page) =>
  page.evaluate(() => [...document.querySelectorAll('meta[name=theme-color]')]
    .find((m) => !m.media || matchMedia(m.media).matches)?.content);
const [DARK_BAR, LIGHT_BAR] = ['#1b2029', '#2f5bd3'];

test('the theme follows the system until the switch chooses one, which a reload keeps', async () => {
  await inBrowser(async (b) => {
    const { page } = b;
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${BASE}/login`);
    await switchOf(page).waitFor();
    assert.equal(await switchOf(page).getAttribute('aria-pressed'), 'true');
    assert.equal(await bodyBackground(page), DARK_BG);
    assert.equal(await barColour(page), DARK_BAR);

    await switchOf(page).click();
    assert.equal(await switchOf(page).getAttribute('aria-pressed'), 'false');
    assert.equal(await bodyBackground(page), LIGHT_BG);
    assert.equal(await barColour(page), LIGHT_BAR, "the browser's bar follows the switch");

    // The choice holds over the system's, from the first paint of the next load.
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    assert.equal(await bodyBackground(page), LIGHT_BG);
    assert.equal(await barColour(page), LIGHT_BAR);
    await switchOf(page).waitFor();
    assert.equal(await switchOf(page).getAttribute('aria-pressed'), 'false');

    await page.emulateMedia({ colorScheme: 'light' });
    await switchOf(page).click();
    await page.reload();
    assert.equal(await bodyBackground(page), DARK_BG, 'dark chosen on a light system');
    assert.equal(await barColour(page), DARK_BAR);
    assert.deepEqual(b.errors, []);
  });
});

// Text under 4.5:1 against what is behind it (3:1 when large), and controls whose edge
// (border or fill) is under 3:1 against what surrounds them: WCAG 2.1 AA, 1.4.3 and 1.4.11.
function contrastFailures() {
  const parse = (colour) => {
    const [r, g, b, a = 1] = colour.match(/[\d.]+/g).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (x, y) => {
    const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour.a > 0.5) return colour;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const name = (e) => `${e.tagName.toLowerCase()}${e.className ? `.${e.className}` : ''} "${e.textContent.trim().slice(0, 30)}"`;
  const failures = [];
  let checked = 0;
  for (const e of document.body.querySelectorAll('*')) {
    const words = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!words || !visible(e) || e.disabled) continue;
    const style = getComputedStyle(e);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const r = ratio(parse(style.color), behind(e));
    checked += 1;
    if (r < (large ? 3 : 4.5)) failures.push(`text ${name(e)}: ${r.toFixed(2)}`);
  }
  for (const e of document.body.querySelectorAll('input, textarea, button, a.button')) {
    if (!visible(e) || e.disabled) continue;
    const style = getComputedStyle(e);
    const around = behind(e.parentElement);
    const edges = [];
    if (parseFloat(style.borderTopWidth) > 0) edges.push(ratio(parse(style.borderTopColor), around));
    const fill = parse(style.backgroundColor);
    if (fill.a > 0.5) edges.push(ratio(fill, around));
    const best = Math.max(0, ...edges);
    checked += 1;
    if (best < 3) failures.push(`control ${name(e)}: ${best.toFixed(2)}`);
  }
  return { checked, failures };
}

test('both themes meet WCAG AA contrast for text and controls on every page', async () => {
  const user = await registerUser(BASE);
  await createNoteApi(BASE, user.access, 'Groceries', 'Eggs, flour, milk.');
  for (const scheme of ['light', 'dark']) {
    await inBrowser(async (b) => {
      const { page } = b;
      await page.emulateMedia({ colorScheme: scheme });
      for (const [path, shows] of [['/login', 'Username'], ['/register', 'Username']]) {
        await page.goto(`${BASE}${path}`);
        await page.getByLabel(shows).waitFor();
        const { checked, failures } = await page.evaluate(contrastFailures);
        assert.ok(checked > 5, `${path} showed what it should`);
        assert.deepEqual(failures, [], `${scheme} ${path}`);
      }
      await holdSession(page, BASE, user);
      for (const [path, shows] of [['/', 'Groceries'], ['/account', 'Where you'], ['/trash', 'The trash is empty']]) {
        await page.goto(`${BASE}${path}`);
        await page.getByText(shows).first().waitFor();
        const { failures } = await page.evaluate(contrastFailures);
        assert.deepEqual(failures, [], `${scheme} ${path}`);
      }
      // The header's "Offline" mark, shown when the browser goes offline.
      await b.context.setOffline(true);
      await page.getByRole('status').filter({ hasText: /^Offline$/ }).waitFor();
      const { failures } = await page.evaluate(contrastFailures);
      assert.deepEqual(failures, [], `${scheme} offline`);
      await b.context.setOffline(false);
      assert.deepEqual(b.errors, []);
    });
  }
});
