// Trunk's post-build hook (Trunk.toml): minifies the wasm-bindgen JS glue with terser,
// which Trunk's own minifier cannot parse, and puts the minified files' digests into the
// `integrity` attributes Trunk wrote for them, so subresource integrity still holds.
// Release builds only; terser comes from .tools/ (scripts/setup.sh).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('minify-js: run by Trunk as a post_build hook (TRUNK_STAGING_DIR)');

const require = createRequire(new URL('../.tools/package.json', import.meta.url));
const { minify } = require('terser');

const sri = (content) => `sha384-${createHash('sha384').update(content).digest('base64')}`;

const indexPath = join(staging, 'index.html');
let index = readFileSync(indexPath, 'utf8');
for (const file of readdirSync(staging).filter((f) => f.endsWith('.js'))) {
  const path = join(staging, file);
  const source = readFileSync(path, 'utf8');
  const before = sri(source);
  // A worker's scripts (the Markdown worker, its loader) are classic scripts that the
  // worker loads by name, not modules the page lists: their global names stay, and they
  // have no integrity attribute to update.
  const listed = index.includes(before);
  if (!listed && !file.startsWith('markdown_worker')) {
    throw new Error(`minify-js: index.html has no integrity ${before} for ${file}`);
  }
  const { code } = await minify(source, {
    module: listed,
    compress: { passes: 2 },
    format: { comments: false },
  });
  writeFileSync(path, code);
  index = index.replaceAll(before, sri(code));
  console.log(`minify-js: ${file} ${source.length} -> ${code.length} bytes`);
}
writeFileSync(indexPath, index);
