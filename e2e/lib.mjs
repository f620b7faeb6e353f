// Shared by the browser tests: a fresh headless Chromium per test, and helpers that talk
// to the real server the way the SPA does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ownServer } from './own-server.mjs';

export { ownServer };

export const BASE = process.env.NOTES_URL;
/** The operator the main server made at start-up (e2e/run.sh: SUPERUSER_*). */
export const OPERATOR = {
  username: process.env.NOTES_OPERATOR,
  password: process.env.NOTES_OPERATOR_PASSWORD,
};
export const SHORT = process.env.NOTES_SHORT_URL;
if (!BASE || !SHORT) throw new Error('NOTES_URL and NOTES_SHORT_URL must be set (run e2e/run.sh)');

// Every wait in the suite is bounded by these.
export const WAIT = 10_000;

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * A browser with a fresh profile; `close()` removes it. `options` go to Playwright's
 * context (`serviceWorkers: 'block'`, for a test that routes the app's own files).
 */
export async function openBrowser(options = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'notes-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    timeout: 30_000,
    ...options,
  });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  const errors = [];
  const watch = (page) => {
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      // CSP violations and wasm panics surface here.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    page: context.pages()[0] ?? (await context.newPage()),
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Runs `story` in a fresh browser ([`openBrowser`]), closed afterwards whatever happens. */
export async function inBrowser(story, options = {}) {
  const b = await openBrowser(options);
  try {
    await story(b);
  } catch (e) {
    // A timeout after a wasm panic or a CSP refusal says so, rather than only what it waited for.
    if (b.errors.length) e.message += `\nerrors in the page meanwhile: ${JSON.stringify(b.errors)}`;
    // And what the page showed instead, for a failure that happens only now and then.
    const shown = await b.page
      .evaluate(() => `${location.pathname}${location.search}: ${document.body.innerText}`)
      .catch((err) => `(unreadable: ${err})`);
    e.message += `\nthe page showed: ${JSON.stringify(shown.slice(0, 800))}`;
    throw e;
  } finally {
    await b.close();
  }
}

let counter = 0;
/** A username no other test uses. */
export function uniqueName(prefix = 'user') {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid}${counter}`;
}
export const PASSWORD = 'plum-orchard-42';

/** Calls the API as a client written for it would: JSON in and out, bounded in time. */
export async function api(base, method, path, { token, body } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const post = (base, path, body, token) => api(base, 'POST', path, { token, body });

/** Another session of a registered user: a fresh sign-in through the API. */
export async function signInApi(base, username, password = PASSWORD) {
  const res = await post(base, '/api/token/', { username, password });
  if (res.status !== 200) throw new Error(`token: ${res.status}`);
  return { username, ...res.body };
}

/** Registers through the API and returns the sign-in pair. */
export async function registerUser(base, username = uniqueName()) {
  const reg = await post(base, '/api/user/register/', { username, password: PASSWORD });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  return signInApi(base, username);
}

export async function createNoteApi(base, access, title, content) {
  const res = await post(base, '/api/notes/', { title, content }, access);
  if (res.status !== 201) throw new Error(`note: ${res.status}`);
  return res.body;
}

export async function refreshApi(base, refresh) {
  return post(base, '/api/token/refresh/', { refresh });
}

/** Signs in through the sign-in form of the page it is on. */
export async function signInWithForm(page, username, password = PASSWORD) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Puts a pair in the page's storage, as a signed-in tab would have it. */
export async function storeTokens(page, pair) {
  await page.evaluate(([a, r]) => {
    localStorage.setItem('access', a);
    localStorage.setItem('refresh', r);
  }, [pair.access, pair.refresh]);
}

/** Opens the app at `base` and stores `pair` as a signed-in tab holds it. */
export async function holdSession(page, base, pair) {
  await page.goto(`${base}/login`);
  // Once the app has started: one that starts after the tokens are stored sends itself
  // home, racing the test's own next navigation.
  await ready(page);
  await storeTokens(page, pair);
}

export async function tokens(page) {
  return page.evaluate(() => ({
    access: localStorage.getItem('access'),
    refresh: localStorage.getItem('refresh'),
  }));
}

/** The path and query of the page. */
export function where(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** Waits (bounded) until the SPA has mounted and rendered the page's heading. */
export async function ready(page) {
  await page.locator('main h1, main h2').first().waitFor({ state: 'visible' });
}

/** Seconds since the epoch as the token's `exp` says, without checking it. */
export function expiry(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
}

/** Waits until `token` has expired, with a second to spare for rounding. */
export async function untilExpired(token) {
  await sleep(Math.max(expiry(token) * 1000 - Date.now() + 1200, 0));
}

/** Runs `story` with a server of its own ([`ownServer`]), closed afterwards whatever happens. */
export async function withOwnServer(story, settings = {}) {
  const server = await ownServer(settings);
  try {
    await story(server);
  } finally {
    await server.close();
  }
}

/**
 * Waits (bounded) until a service worker controls the page. A page whose navigation began
 * before the first worker was active is not among the clients that worker claims, and
 * stays uncontrolled until it loads again: then it is reloaded once.
 */
export async function workerInControl(page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const controlled = () => page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 3000 });
  if (!(await controlled().then(() => true, () => false))) {
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  }
}
