// Trunk's post-build hook (Trunk.toml), release builds only:
// 1. minifies the wasm-bindgen JS glue with terser, which Trunk's own minifier cannot
//    parse, and puts the minified files' digests into the `integrity` attributes Trunk
//    wrote for them, so subresource integrity still holds;
// 2. writes the service worker (`sw.js`, from frontend/service-worker.js) with the list
//    of every file of the build and a build id made from their contents, so the worker
//    caches exactly this build and a new build is a new worker.
// terser comes from .tools/ (scripts/setup.sh).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('post-build: run by Trunk as a post_build hook (TRUNK_STAGING_DIR)');

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
    throw new Error(`post-build: index.html has no integrity ${before} for ${file}`);
  }
  const { code } = await minify(source, {
    module: listed,
    compress: { passes: 2 },
    format: { comments: false },
  });
  writeFileSync(path, code);
  index = index.replaceAll(before, sri(code));
  console.log(`post-build: ${file} ${source.length} -> ${code.length} bytes`);
}
writeFileSync(indexPath, index);

// Every file of the build, as the server serves it.
const WORKER = 'sw.js';
const files = readdirSync(staging, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(staging, join(entry.parentPath, entry.name)).split(sep).join('/'))
  .filter((file) => file !== WORKER)
  .sort();
const build = createHash('sha256');
for (const file of files) build.update(`${file}\0`).update(readFileSync(join(staging, file)));
const template = readFileSync(new URL('../frontend/service-worker.js', import.meta.url), 'utf8');
const worker = template
  .replace("'__BUILD__'", JSON.stringify(build.digest('hex').slice(0, 16)))
  .replace('__FILES__', JSON.stringify(files.map((file) => `/${file}`)));
const { code } = await minify(worker, { compress: { passes: 2 }, format: { comments: false } });
writeFileSync(join(staging, WORKER), code);
console.log(`post-build: ${WORKER} caches ${files.length} files, ${code.length} bytes`);
