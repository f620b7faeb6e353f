// Two-step sign-in: turning it on from the account page, signing in with a code from
// the app or with a recovery code, and the list of where one is signed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BASE, api, holdSession, inBrowser, openBrowser, refreshApi, registerUser, signInWithForm,
  tokens, where,
} from '../lib.mjs';

const WRONG_CODE = 'That code is not right, or it has been used already.';
const EXPIRED = 'This sign-in has expired. Enter your password again.';
const RECOVERY_CODE = /^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/i;

// The authenticator app's side of RFC 6238, written here rather than taken from the
// server, so that the server is held to the standard and not to itself.
const STEP = 30;

/** RFC 4648 base32, as secrets are shown: any case, spaces and padding ignored. */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let value = 0;
  let bits = 0;
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const digit = alphabet.indexOf(c);
    if (digit < 0) throw new Error(`not base32: ${JSON.stringify(c)}`);
    value = ((value << 5) | digit) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The code for time step `step`: HMAC-SHA1 over the step, dynamically truncated. */
function totp(key, step, digits = 6) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 10 ** digits).padStart(digits, '0');
}

/**
 * An authenticator app holding `secret`. The server takes each step's code once and
 * then none older, and allows one step of drift: a second code within a step is the
 * next step's, and a code is never handed out so late in its step that it could be
 * judged in a later one.
 */
function authenticator(secret) {
  const key = base32(secret);
  let used = -Infinity;
  return {
    async code() {
      for (;;) {
        const now = Date.now() / 1000;
        const current = Math.floor(now / STEP);
        const step = Math.max(current, used + 1);
        if (now % STEP < STEP - 4 && step <= current + 1) {
          used = step;
          return totp(key, step);
        }
        await sleep((STEP - (now % STEP)) * 1000 + 50);
      }
    },
  };
}

/** Turns two-step sign-in on through the API; answers the app and the recovery codes. */
async function turnOnApi(user) {
  const setup = await api(BASE, 'POST', '/api/user/totp/', { token: user.access });
  assert.equal(setup.status, 200, JSON.stringify(setup.body));
  const app = authenticator(setup.body.secret);
  const confirmed = await api(BASE, 'POST', '/api/user/totp/confirm/', {
    token: user.access, body: { code: await app.code() },
  });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return { app, recoveryCodes: confirmed.body.recovery_codes };
}

/** Waits for the sign-in's second step, which keeps the sign-in page's address. */
async function askedForCode(page) {
  await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
  assert.equal(where(page), '/login');
}

async function enterCode(page, code) {
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** Waits until the sign-in has gone through to the (empty) notes, as any sign-in does. */
async function landsOnNotes(page) {
  await page.waitForURL(`${BASE}/`);
  await page.getByText('No notes yet.').waitFor();
}

async function signOut(page) {
  await page.getByRole('link', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(`${BASE}/login`);
  assert.deepEqual(await tokens(page), { access: null, refresh: null });
}

test('the test\'s code function meets RFC 6238\'s SHA-1 vectors', () => {
  const key = Buffer.from('12345678901234567890');
  assert.deepEqual(base32('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ'), key);
  for (const [seconds, code] of [[59, '94287082'], [1111111109, '07081804'], [1234567890, '89005924']]) {
    assert.equal(totp(key, Math.floor(seconds / STEP), 8), code, `at t=${seconds}`);
  }
});

test('enrolling from the account page, then signing in with a code', async () => {
  const user = await registerUser(BASE);
  await inBrowser(async (b) => {
    const { page } = b;
    await holdSession(page, BASE, user);
    await page.goto(`${BASE}/account`);
    const twoStep = page.locator('section', {
      has: page.getByRole('heading', { name: 'Two-step sign-in', level: 2 }),
    });
    await twoStep.getByText('Two-step sign-in is off.').waitFor();
    await twoStep.getByRole('button', { name: 'Set up two-step sign-in' }).click();

    // The QR code is for the phone; the secret as text is what this test's "app" reads.
    await twoStep.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const app = authenticator(await twoStep.locator('code#totp-secret').textContent());
    await twoStep.getByRole('button', { name: 'Cancel' }).waitFor();
    await twoStep.getByLabel('Code from the app', { exact: true }).fill(await app.code());
    await twoStep.getByRole('button', { name: 'Turn on' }).click();

    // The recovery codes are shown this once, with ways to keep them.
    await twoStep.getByRole('heading', { name: 'Your recovery codes', level: 3 }).waitFor();
    const codes = await twoStep.locator('ol.recovery-codes li code').allTextContents();
    assert.equal(codes.length, 10);
    for (const code of codes) assert.match(code, RECOVERY_CODE);
    assert.equal(new Set(codes).size, 10, 'no two recovery codes alike');
    // "Copied." only once the clipboard has them, one code a line.
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
    await twoStep.getByRole('button', { name: 'Copy codes' }).click();
    await twoStep.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${codes.join('\n')}\n`);
    const download = twoStep.getByRole('link', { name: 'Download codes' });
    assert.equal(await download.getAttribute('download'), 'notes-recovery-codes.txt');
    assert.equal(
      decodeURIComponent((await download.getAttribute('href')).split(',')[1]),
      `${codes.join('\n')}\n`,
    );
    await twoStep.getByRole('button', { name: 'I have saved them' }).click();
    await twoStep.getByText('Two-step sign-in is on.').waitFor();
    const me = await api(BASE, 'GET', '/api/user/', { token: user.access });
    assert.equal(me.body.totp_enabled, true);

    // From now on the password alone does not sign in.
    await signOut(page);
    await signInWithForm(page, user.username);
    await askedForCode(page);
    await page.getByText('Enter the 6-digit code from your authenticator app, or one of your recovery codes.').waitFor();
    assert.equal(await page.locator('#code').getAttribute('autocomplete'), 'one-time-code');
    assert.equal((await tokens(page)).access, null, 'no tokens before the code');

    await enterCode(page, '000000');
    await page.locator('#code-error', { hasText: WRONG_CODE }).waitFor();
    await enterCode(page, await app.code());
    await landsOnNotes(page);
    assert.ok((await tokens(page)).refresh, 'a pair is stored after the code');
    assert.deepEqual(b.errors, []);
  });
});

test('a recovery code signs in once', async () => {
  const user = await registerUser(BASE);
  const { recoveryCodes } = await turnOnApi(user);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login`);
    await signInWithForm(page, user.username);
    await askedForCode(page);
    await enterCode(page, recoveryCodes[0]);
    await landsOnNotes(page);

    await signOut(page);
    await signInWithForm(page, user.username);
    await askedForCode(page);
    await enterCode(page, recoveryCodes[0]);
    await page.locator('#code-error', { hasText: WRONG_CODE }).waitFor();
    assert.equal(where(page), '/login');

    // Only the one spent: the others still sign in.
    await enterCode(page, recoveryCodes[1]);
    await landsOnNotes(page);
    assert.deepEqual(b.errors, []);
  });
});

test('"Start again" returns to the password step', async () => {
  const user = await registerUser(BASE);
  await turnOnApi(user);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login`);
    await signInWithForm(page, user.username);
    await askedForCode(page);
    await page.getByRole('button', { name: 'Start again' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Code', { exact: true }).count(), 0);
    assert.equal(where(page), '/login');

    // And the password step leads to the code again, with a new challenge.
    await signInWithForm(page, user.username);
    await askedForCode(page);
    assert.deepEqual(b.errors, []);
  });
});

test('a sign-in whose challenge is gone starts again from the password', async () => {
  const user = await registerUser(BASE);
  const { app, recoveryCodes } = await turnOnApi(user);
  await inBrowser(async (b) => {
    const { page } = b;
    await page.goto(`${BASE}/login`);
    const answered = page.waitForResponse(
      (r) => r.url() === `${BASE}/api/token/` && r.request().method() === 'POST',
    );
    await signInWithForm(page, user.username);
    const { challenge } = await (await answered).json();
    await askedForCode(page);

    // Five minutes is long to wait: spending the page's challenge elsewhere leaves it
    // as unusable as expiry would, and the page's code is right but too late.
    const elsewhere = await api(BASE, 'POST', '/api/token/totp/', {
      body: { challenge, code: recoveryCodes[0] },
    });
    assert.equal(elsewhere.status, 200);
    await enterCode(page, await app.code());
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.locator('.form-message', { hasText: EXPIRED }).waitFor();
    await page.getByLabel('Password').waitFor();
    assert.equal(where(page), '/login');
    assert.deepEqual(await tokens(page), { access: null, refresh: null });
    assert.deepEqual(b.errors, []);
  });
});

test('ending another browser\'s session from the list', async () => {
  const user = await registerUser(BASE);
  // Registering signed in through the API: end that session, so that the list holds
  // just the two browsers.
  assert.equal((await api(BASE, 'POST', '/api/token/blacklist/', { body: { refresh: user.refresh } })).status, 200);
  const other = await openBrowser();
  try {
    await other.page.goto(`${BASE}/login`);
    await signInWithForm(other.page, user.username);
    await landsOnNotes(other.page);

    await inBrowser(async (b) => {
      const { page } = b;
      await page.goto(`${BASE}/login`);
      await signInWithForm(page, user.username);
      await landsOnNotes(page);
      await page.goto(`${BASE}/account`);
      await page.getByRole('heading', { name: /^Where you[’']re signed in$/, level: 2 }).waitFor();

      const rows = page.locator('ul.sessions > li.session');
      const thisBrowser = page.locator('.this-browser', { hasText: 'this browser' });
      await rows.nth(1).waitFor();
      assert.equal(await rows.count(), 2);
      const mine = rows.filter({ has: thisBrowser });
      const theirs = rows.filter({ hasNot: thisBrowser });
      assert.equal(await mine.count(), 1);
      assert.match(await mine.locator('.device').textContent(), /Chrome/);
      assert.match(await mine.locator('.ip').textContent(), /127\.0\.0\.1/);
      assert.match(await theirs.locator('.device').textContent(), /Chrome/);

      const held = await tokens(other.page);
      await theirs.getByRole('button', { name: /^Sign out/ }).click();
      await rows.nth(1).waitFor({ state: 'detached' });
      assert.equal(await rows.count(), 1);
      assert.equal(await mine.count(), 1, 'this browser\'s own row stays');
      assert.equal((await refreshApi(BASE, held.refresh)).status, 401, 'the other session ended');
      assert.ok((await tokens(page)).refresh, 'this browser is still signed in');
      assert.deepEqual(b.errors, []);
    });
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});
