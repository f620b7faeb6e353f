// The installable app and its service worker: installability as Chromium judges it, the
// app shell opening with the server gone, and a new build deployed under an open tab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inBrowser, signInWithForm, withOwnServer, workerInControl } from '../lib.mjs';

/** Replaces `pattern` in the file at `path`, which must hold it. */
async function rewrite(path, pattern, replacement) {
  const before = await readFile(path, 'utf8');
  const after = before.replace(pattern, replacement);
  assert.notEqual(after, before, `${path} holds ${pattern}`);
  await writeFile(path, after);
}

/**
 * Deploys the next build on `server`: a shell marked `<meta name=build content=next>`, its
 * worker (`dist/sw.js`) changed by `changeWorker`, served by the restarted server.
 */
async function deployNextBuild(server, changeWorker) {
  await server.stop();
  await rewrite(join(server.dist, 'index.html'), '<title>Notes</title>',
    '<title>Notes</title><meta name="build" content="next">');
  await changeWorker(join(server.dist, 'sw.js'));
  await server.start();
}

test('Chromium finds the app installable: a manifest with icons and a worker in control', async () => {
  await withOwnServer((server) =>
    inBrowser(async ({ context, page, errors }) => {
      await page.goto(`${server.url}/login`);
      await workerInControl(page);
      const cdp = await context.newCDPSession(page);
      const { errors: manifestErrors, data } = await cdp.send('Page.getAppManifest');
      assert.deepEqual(manifestErrors, []);
      const manifest = JSON.parse(data);
      assert.equal(manifest.display, 'standalone');
      assert.equal(manifest.start_url, '/');
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, []);
      for (const icon of manifest.icons) {
        const res = await fetch(new URL(icon.src, server.url));
        assert.equal(res.status, 200, icon.src);
        assert.equal(res.headers.get('content-type'), icon.type, icon.src);
      }
      assert.deepEqual(errors, []);
    }),
  );
});

test('with the server gone, a reload still opens the app', async () => {
  await withOwnServer((server) =>
    inBrowser(async ({ context, page }) => {
      await page.goto(`${server.url}/login`);
      await page.getByLabel('Username').waitFor();
      await workerInControl(page);
      // Every file of the build is in the worker's cache...
      const { listed, cached } = await page.evaluate(async () => {
        const source = await (await fetch('/sw.js')).text();
        const listed = JSON.parse(source.match(/FILES=(\[[^\]]*\])/)[1]);
        const cache = await caches.open((await caches.keys()).find((k) => k.startsWith('notes-')));
        const cached = (await cache.keys()).map((r) => new URL(r.url).pathname);
        return { listed, cached };
      });
      assert.ok(listed.includes('/index.html') && listed.some((f) => f.endsWith('.wasm')), listed.join());
      assert.deepEqual(cached.sort(), listed.sort());
      // ...and only there: the browser's own cache (which keeps hashed files for a year)
      // is emptied, so what opens below comes from the worker.
      await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
      await server.stop();
      await page.reload();
      await page.getByLabel('Username').waitFor();
      // Another page of the app, never visited, opens from the same cached shell.
      await page.goto(`${server.url}/register`);
      await page.getByRole('heading', { name: 'Register' }).waitFor();
    }),
  );
});

test('a build deployed under open tabs is offered in each, and Reload loads it', async () => {
  await withOwnServer((server) =>
    inBrowser(async ({ context, page, errors }) => {
      await page.goto(`${server.url}/login`);
      await page.getByLabel('Username').waitFor();
      await workerInControl(page);
      const prompt = (p) => p.getByText('A new version is ready');
      assert.equal(await prompt(page).count(), 0, 'the first install is not news');

      // The next build: another shell and another worker (another build id).
      await deployNextBuild(server, (worker) => rewrite(worker, /BUILD="[0-9a-f]+"/, 'BUILD="next"'));

      // A tab opened now runs the cached build while the browser installs the new one.
      const other = await context.newPage();
      await other.goto(`${server.url}/register`);
      await prompt(other).waitFor();
      assert.equal(await other.locator('meta[name=build]').count(), 0, 'still the old build');
      // The open tab looks when the network comes back (and when it is shown again, and
      // every half hour).
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await prompt(page).waitFor();

      await other.getByRole('button', { name: 'Reload' }).click();
      await other.locator('meta[name=build][content=next]').waitFor({ state: 'attached' });
      await other.getByLabel('Username').waitFor();
      assert.equal(await prompt(other).count(), 0);
      // The first tab did not choose: it keeps its build, and the offer, until it does.
      assert.equal(await page.locator('meta[name=build]').count(), 0);
      await page.getByRole('button', { name: 'Reload' }).click();
      await page.locator('meta[name=build][content=next]').waitFor({ state: 'attached' });
      assert.deepEqual(errors, []);
    }),
  );
});

test('a build without a worker releases the browsers that hold one', async () => {
  await withOwnServer((server) =>
    inBrowser(async ({ page }) => {
      await page.goto(`${server.url}/login`);
      await workerInControl(page);
      await deployNextBuild(server, (worker) => rm(worker));
      // The page looks for a new worker; the one it finds unregisters itself and loads the
      // page again, from the server.
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await page.locator('meta[name=build][content=next]').waitFor({ state: 'attached' });
      await page.getByLabel('Username').waitFor();
      assert.deepEqual(await page.evaluate(() => caches.keys()), []);
      assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null);
    }),
  );
});

test('the header says Offline while the server cannot be reached, until it answers again', async () => {
  await withOwnServer((server) =>
    inBrowser(async ({ context, page, errors }) => {
      const offline = page.getByRole('status').filter({ hasText: /^Offline$/ });
      await page.goto(`${server.url}/login`);
      await page.getByLabel('Username').waitFor();
      assert.equal(await offline.count(), 0);
      // The worker's script fetched first: a registration cut short by the server going
      // away is the browser's own console error, which this test is not about.
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

      // The server goes away: the next request finds no answer.
      await server.stop();
      await signInWithForm(page, 'nobody');
      await offline.waitFor();
      // It comes back: the page's probe finds it without anyone clicking.
      await server.start();
      await offline.waitFor({ state: 'detached' });

      // The browser's own word counts too, both ways.
      await context.setOffline(true);
      await offline.waitFor();
      await context.setOffline(false);
      await offline.waitFor({ state: 'detached' });
      assert.deepEqual(errors, []);
    }),
  );
});
