// The benchmarks' headless Chromium: Debian's own (never a downloaded one), driven by the
// e2e suite's playwright-core, with nothing running in the background to disturb a timing.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
}

/** A page of `context` on the app at `url`, holding `pair` as a signed-in tab does (put
 * in once the sign-in page has started, so the app does not race the next navigation). */
export async function signedInPage(context, url, pair) {
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.locator('main h1').waitFor();
  await page.evaluate(([a, r]) => {
    localStorage.setItem('access', a);
    localStorage.setItem('refresh', r);
  }, [pair.access, pair.refresh]);
  return page;
}
