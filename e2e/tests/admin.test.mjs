// The operator's area: an operator made from the command line gives a person a storage
// quota and deactivates them, whose open tab is then signed out; makes an invitation a new person registers with; reads the
// log; gives the password again when a change needs a recent sign-in. Nobody else sees
// the area or downloads any of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  PASSWORD, api, holdSession, inBrowser, openBrowser, registerUser, signInApi, signInWithForm,
  uniqueName, where, withOwnServer,
} from '../lib.mjs';
import { SERVER_BIN } from '../own-server.mjs';

const OPERATOR_PASSWORD = 'lantern-quarry-58';

/** `server createsuperuser`, beside the running server, the password on standard input. */
function createSuperuser(server, username) {
  const made = spawnSync(SERVER_BIN, ['createsuperuser', '--username', username], {
    env: { PATH: process.env.PATH, DATABASE_URL: server.databaseUrl },
    input: `${OPERATOR_PASSWORD}\n`,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stdout, new RegExp(`Operator ${username} created`));
}

/** The area's chunk (`split_admin-*.wasm`), whenever the page or its worker fetched it. */
function recordChunks(page) {
  const fetched = [];
  page.context().on('request', (r) => {
    if (/\/split_admin-[^/]*\.wasm$/.test(new URL(r.url()).pathname)) fetched.push(r.url());
  });
  return fetched;
}

/** An operator's browser, signed in through the form (a fresh sign-in), on the area. */
async function openArea(b, base) {
  const { page } = b;
  await page.goto(`${base}/login`);
  await signInWithForm(page, 'root', OPERATOR_PASSWORD);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: "Operator's area" }).waitFor();
  assert.equal(where(page), '/admin');
}

test('an operator deactivates a person, whose open tab is then signed out', async () => {
  await withOwnServer(async (server) => {
    createSuperuser(server, 'root');
    const alice = await registerUser(server.url, uniqueName('alice'));
    const hers = await openBrowser();
    try {
      const fetched = recordChunks(hers.page);
      await holdSession(hers.page, server.url, alice);
      await hers.page.goto(`${server.url}/`);
      await hers.page.getByRole('link', { name: alice.username }).waitFor();
      assert.equal(await hers.page.getByRole('link', { name: 'Admin' }).count(), 0, 'no Admin link for her');

      await inBrowser(async (b) => {
        const chunks = recordChunks(b.page);
        await openArea(b, server.url);
        assert.ok(chunks.length > 0, 'the area came in a chunk of its own');
        const { page } = b;
        await page.getByRole('row', { name: new RegExp(alice.username) }).waitFor();
        await page.getByRole('link', { name: alice.username }).click();
        await page.getByRole('heading', { name: alice.username }).waitFor();
        await page.getByText('Their files take 0 B.').waitFor();
        await page.getByLabel('Quota in MB').fill('5');
        await page.getByRole('button', { name: 'Save the quota' }).click();
        await page.getByText('Quota saved.').waitFor();
        const files = await api(server.url, 'GET', '/api/attachments/', { token: alice.access });
        assert.equal(files.body.quota, 5_000_000, 'her quota is the one given');
        await page.getByRole('button', { name: 'Deactivate' }).click();
        await page.getByRole('form', { name: /Deactivate this account/ }).getByRole('button', { name: 'Deactivate' }).click();
        await page.getByText('Deactivated: they are signed out everywhere.').waitFor();
        await page.getByText('Deactivated', { exact: true }).waitFor();
        assert.deepEqual(b.errors, []);
      });

      // Her tab hears her session end (its event stream) and goes to sign in by itself.
      await hers.page.waitForURL(/\/login/, { timeout: 5_000 });
      assert.equal((await api(server.url, 'POST', '/api/token/', { body: { username: alice.username, password: PASSWORD } })).status, 401);
      assert.deepEqual(fetched, [], 'her browser downloaded nothing of the area');
      assert.deepEqual(hers.errors, []);
    } finally {
      await hers.close();
    }
  });
});

test('an operator invites someone who registers with the link, and reads the log', async () => {
  await withOwnServer(async (server) => {
    createSuperuser(server, 'root');
    let link;
    await inBrowser(async (b) => {
      const { page } = b;
      await openArea(b, server.url);
      await page.getByRole('link', { name: 'Registration' }).click();
      await page.getByRole('radio', { name: /By invitation/ }).check();
      await page.getByText('Saved.').waitFor();
      await page.getByLabel('For whom (a note for you)').fill('For Sam');
      await page.getByRole('button', { name: 'Make an invitation' }).click();
      link = await page.locator('.made-invite code').textContent();
      assert.match(link, /\/register\?invite=[\w-]{22,}$/);
      assert.deepEqual(b.errors, []);
    });
    assert.equal((await api(server.url, 'GET', '/api/user/register/')).body.registration, 'invite');

    const sam = uniqueName('sam');
    await inBrowser(async (b) => {
      const { page } = b;
      await page.goto(`${server.url}/register`);
      await page.getByText('Registration here is by invitation').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Register' }).isVisible(), false);
      await page.goto(link);
      await page.getByText('You have an invitation').waitFor();
      await page.getByLabel('Username').fill(sam);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Register' }).click();
      await page.waitForURL(`${server.url}/`);
      assert.deepEqual(b.errors, []);
    });

    await inBrowser(async (b) => {
      const { page } = b;
      await openArea(b, server.url);
      await page.getByRole('link', { name: 'Registration' }).click();
      await page.getByText(new RegExp(`Used by ${sam}`)).waitFor();
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('cell', { name: 'Invitation used' }).waitFor();
      await page.getByLabel('What').selectOption('settings_changed');
      // The change was listed before the filter too: wait for the filtered list to
      // replace the whole one, not only for the change to show.
      await page.getByRole('cell', { name: 'Invitation used' }).waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: /Settings changed \(registration: open → invite\)/ }).waitFor();
      assert.deepEqual(b.errors, []);
    });
  });
});

test('a change after the sign-in window asks for the password, then goes through', async () => {
  await withOwnServer(async (server) => {
    createSuperuser(server, 'root');
    const bob = await registerUser(server.url, uniqueName('bob'));
    await inBrowser(async (b) => {
      const { page } = b;
      await openArea(b, server.url);
      await page.getByRole('link', { name: bob.username }).click();
      await page.getByRole('heading', { name: bob.username }).waitFor();
      await page.waitForTimeout(2500);
      await page.getByRole('button', { name: 'Make an operator' }).click();
      await page.getByRole('form', { name: /Make this person an operator/ }).getByRole('button', { name: 'Make an operator' }).click();
      await page.getByRole('heading', { name: "Confirm it's you" }).waitFor();
      await page.getByLabel('Your password').fill('not my password');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.locator('#reauth-password-error', { hasText: 'incorrectly' }).waitFor();
      await page.getByLabel('Your password').fill(OPERATOR_PASSWORD);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText('Now an operator.').waitFor();
      assert.equal(await page.getByRole('heading', { name: "Confirm it's you" }).count(), 0);
      assert.deepEqual(b.errors, []);
    });
    const promoted = await signInApi(server.url, bob.username);
    assert.equal((await api(server.url, 'GET', '/api/user/', { token: promoted.access })).body.is_admin, true);
  }, { ADMIN_REAUTH_WINDOW: '2s' });
});

test('a person who is not an operator is told so at /admin and downloads none of it', async () => {
  await withOwnServer(async (server) => {
    const carol = await registerUser(server.url, uniqueName('carol'));
    await inBrowser(async (b) => {
      const { page } = b;
      const fetched = recordChunks(page);
      await holdSession(page, server.url, carol);
      await page.goto(`${server.url}/admin`);
      await page.getByText('This area is for the server\'s operators.').waitFor();
      await page.goto(`${server.url}/account`);
      await page.getByRole('heading', { name: 'Recent activity' }).waitFor();
      await page.getByText('Account created').waitFor();
      assert.deepEqual(fetched, []);
      assert.deepEqual(b.errors, []);
    });
  });
});
