// Single sign-on: "Sign in with …" through the OpenID provider's own sign-in page (the
// one scripts/oidc.sh starts, TEST_OIDC_ISSUER), landing on the notes page with an
// account made for the identity; then, with no password, a fresh sign-in at the provider
// confirms setting one, after which the provider can be unlinked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, inBrowser, signInApi, tokens, where, withOwnServer } from '../lib.mjs';

const ISSUER = process.env.TEST_OIDC_ISSUER;
const NAME = 'Example SSO';

/** A client of this server's own at the provider, and the settings that use it. */
async function signInWithProvider(url) {
  const answer = await fetch(`${ISSUER}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [`${url}/api/auth/oidc/callback/`] }),
  });
  assert.equal(answer.status, 201, 'the provider registers a client');
  const client = await answer.json();
  return {
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: client.client_id,
    OIDC_CLIENT_SECRET: client.client_secret,
    OIDC_NAME: NAME,
    PUBLIC_URL: url,
  };
}

/** The provider's own form, as a person fills it in. */
async function atProvider(page, login) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(`${login}-password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('signing in through the provider lands on the notes page, and its proof sets a first password', async () => {
  assert.ok(ISSUER, 'TEST_OIDC_ISSUER names the test provider (run under scripts/oidc.sh)');
  await withOwnServer(async (server) => {
    await inBrowser(async (b) => {
      const { page } = b;
      await page.goto(`${server.url}/login`);
      await page.getByRole('link', { name: `Sign in with ${NAME}` }).click();
      await page.waitForURL((url) => url.href.startsWith(ISSUER));
      await atProvider(page, 'alice');
      await page.waitForURL(`${server.url}/`);
      await page.locator('#notes-heading').waitFor();
      const pair = await tokens(page);
      assert.ok(pair.access && pair.refresh, 'the tokens are stored; none was in a URL');
      assert.equal(new URL(page.url()).hash, '', 'the one-time code left the address');

      // The account page: the identity, and no password yet.
      await page.goto(`${server.url}/account`);
      const providers = page.locator('section', { has: page.getByRole('heading', { name: 'Sign-in providers' }) });
      await providers.getByText(`${NAME} · alice`).waitFor();
      const setting = page.locator('section', { has: page.getByRole('heading', { name: 'Set a password' }) });
      await setting.getByRole('button', { name: `Confirm with ${NAME}` }).click();
      // A fresh sign-in, although the provider's session is alive.
      await page.waitForURL((url) => url.href.startsWith(ISSUER));
      await atProvider(page, 'alice');
      await page.waitForURL(`${server.url}/account`);
      await setting.getByText(`Confirmed with ${NAME}.`).waitFor();
      await setting.getByLabel('New password').fill(PASSWORD);
      await setting.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Your password has been changed.').waitFor();
      await page.getByRole('heading', { name: 'Change your password' }).waitFor();
      assert.equal(where(page), '/account');
      await signInApi(server.url, 'alice', PASSWORD); // throws unless 200

      // With a password, the provider may go.
      await providers.getByRole('button', { name: 'Unlink alice' }).click();
      await providers.getByText(`${NAME} · alice`).waitFor({ state: 'detached' });
      await providers.getByRole('button', { name: `Link ${NAME}` }).waitFor();
      assert.deepEqual(b.errors, []);
    });
  }, signInWithProvider);
});

test('a refusal at the provider comes back to the sign-in page as words', async () => {
  await withOwnServer(async (server) => {
    await inBrowser(async (b) => {
      const { page } = b;
      // A sign-in whose state the server never issued.
      await page.goto(`${server.url}/api/auth/oidc/callback/?state=forged&code=x`);
      await page.waitForURL(`${server.url}/login`);
      await page.getByText('This sign-in expired or was used already. Start again.').waitFor();
      assert.deepEqual(b.errors, []);
    });
  }, signInWithProvider);
});
