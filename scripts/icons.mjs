// Renders the app's icons (style/icons/*.png, committed) from their SVG sources with
// headless Chromium, so the PNGs the manifest lists are drawn from the same source as
// the favicon's shape. Run after changing an SVG: node scripts/icons.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const dir = new URL('../style/icons/', import.meta.url);
// [source, output, size]: "any" icons keep their rounded corners; the maskable one and
// Apple's (which the system rounds itself) fill the square, the glyph inside the
// maskable safe zone (a circle of 40% of the size around the centre).
const ICONS = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
  ['maskable.svg', 'apple-touch-icon.png', 180],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  for (const [source, output, size] of ICONS) {
    const svg = readFileSync(new URL(source, dir)).toString('base64');
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<style>html,body{margin:0}img{display:block}</style>` +
        `<img src="data:image/svg+xml;base64,${svg}" width="${size}" height="${size}">`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: new URL(output, dir).pathname, omitBackground: true });
    console.log(`icons: ${output} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
