// Trunk's post-build hook (Trunk.toml), release builds only:
// 1. splits the app's wasm: code behind Leptos's `#[lazy]` moves out of the main module
//    into chunks the browser fetches the first time it is called (see `split` below);
// 2. minifies the wasm-bindgen JS glue with terser, which Trunk's own minifier cannot
//    parse, and puts the minified files' digests into the `integrity` attributes Trunk
//    wrote for them, so subresource integrity still holds;
// 3. writes the service worker (`sw.js`, from frontend/service-worker.js) with the list
//    of every file of the build but the chunks and a build id made from all of them, so
//    the worker caches exactly this build and a new build is a new worker.
// terser and wasm-opt come from .tools/ (scripts/setup.sh), wasm-split-cli and
// wasm-bindgen from cargo install (the same).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('post-build: run by Trunk as a post_build hook (TRUNK_STAGING_DIR)');

const ROOT = new URL('..', import.meta.url).pathname;
const require = createRequire(new URL('../.tools/package.json', import.meta.url));
const { minify } = require('terser');

const sri = (content) => `sha384-${createHash('sha384').update(content).digest('base64')}`;
// A name's content hash as the server recognises one (server/src/http/spa.rs): 16 hex digits.
const nameHash = (content) => createHash('sha256').update(content).digest('hex').slice(0, 16);
// Chunks are fetched when first needed. The service worker keeps all but the operator's
// area (after the page has loaded, so the pages they serve open offline too): who is not
// an operator downloads nothing of the area.
const isChunk = (file) => /^(split|chunk)_[^/]*\.wasm$/.test(file);
const operatorsOnly = (file) => /^split_admin-/.test(file);
const LOADER = /^__wasm_split-[0-9a-f]{16}\.js$/;

const PATH = [join(ROOT, '.tools/node_modules/.bin'), join(homedir(), '.cargo/bin'), process.env.PATH].join(delimiter);
function run(command, args) {
  const started = Date.now();
  execFileSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PATH } });
  console.log(`post-build: ${command} ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const indexPath = join(staging, 'index.html');
let index = readFileSync(indexPath, 'utf8');

/** Puts `content` in place of the staged `file`, and its digest in place of the old one. */
function replaceStaged(file, content) {
  const before = sri(readFileSync(join(staging, file)));
  if (!index.includes(before)) throw new Error(`post-build: index.html has no integrity ${before} for ${file}`);
  writeFileSync(join(staging, file), content);
  index = index.replaceAll(before, sri(content));
}

/** Reads an unsigned LEB128 number at `at`: [value, the offset after it]. */
function leb(bytes, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}

/** The module without the linker's custom sections (`linking`, `reloc.*`) that --emit-relocs adds. */
function withoutRelocations(wasm) {
  const kept = [wasm.subarray(0, 8)];
  for (let at = 8; at < wasm.length; ) {
    const start = at;
    const id = wasm[at++];
    const [size, body] = leb(wasm, at);
    at = body + size;
    if (id === 0) {
      const [length, name] = leb(wasm, body);
      const section = wasm.subarray(name, name + length).toString();
      if (section === 'linking' || section.startsWith('reloc.')) continue;
    }
    kept.push(wasm.subarray(start, at));
  }
  return Buffer.concat(kept);
}

/**
 * Code splitting. Trunk runs wasm-bindgen straight after cargo, so the `#[lazy]`
 * functions' imports (from `__wasm_split_placeholder__`) reach its glue unresolved.
 * Here the raw wasm cargo linked (with relocations, frontend/build.rs) is split by
 * wasm-split-cli into the main module, one `split_<name>` module per `#[lazy(name)]` and
 * `chunk_<n>` modules for code two of them share, plus `__wasm_split.js`, the loader
 * the main module imports them through; the main module goes through wasm-bindgen
 * again (keeping the linker's exports, which the chunks import) and, like the chunks,
 * through wasm-opt -Oz with the params in frontend/index.html. The results take the
 * place of Trunk's files under Trunk's names (the inline loader and its CSP hash stay
 * as they are); chunks and loader get content-hashed names, and the loader a
 * modulepreload link beside the glue's, so it does not wait for the glue.
 */
async function split() {
  const started = Date.now();
  const link = readFileSync(join(ROOT, 'frontend/index.html'), 'utf8').match(/<link data-trunk rel="rust" href="Cargo.toml"[^>]*>/s)?.[0];
  if (!link) throw new Error("post-build: no rust link for frontend's Cargo.toml in frontend/index.html");
  const profile = link.match(/data-cargo-profile-release="([^"]+)"/)[1];
  const params = (link.match(/data-wasm-opt-params="([^"]*)"/)?.[1] ?? '').split(/\s+/).filter(Boolean);
  // For twiggy and readable stack traces: NOTES_WASM_NAMES=1 keeps the functions' names
  // (with CARGO_PROFILE_WASM_RELEASE_STRIP=false, so the linker keeps them first).
  if (process.env.NOTES_WASM_NAMES === '1') params.push('-g');
  const metadata = execFileSync('cargo', ['metadata', '--format-version=1', '--no-deps', '--offline'], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
    env: { ...process.env, PATH },
  });
  // The file Trunk's cargo build just wrote, before wasm-bindgen.
  const raw = join(JSON.parse(metadata).target_directory, 'wasm32-unknown-unknown', profile, 'frontend.wasm');

  const glue = readdirSync(staging).find((f) => /^frontend-[0-9a-f]+\.js$/.test(f));
  if (!glue) throw new Error('post-build: no frontend-<hash>.js staged');
  const base = glue.slice(0, -'.js'.length);
  const work = mkdtempSync(join(tmpdir(), 'notes-split-'));
  try {
    // Nothing `#[lazy]`, nothing to split: Trunk's module only wants wasm-opt.
    if (!readFileSync(join(staging, glue), 'utf8').includes('__wasm_split_placeholder__')) {
      writeFileSync(join(work, 'bound.wasm'), withoutRelocations(readFileSync(join(staging, `${base}_bg.wasm`))));
      run('wasm-opt', ['-Oz', ...params, join(work, 'bound.wasm'), '-o', join(work, 'main.wasm')]);
      replaceStaged(`${base}_bg.wasm`, readFileSync(join(work, 'main.wasm')));
      console.log('post-build: no #[lazy] code, nothing split');
      return;
    }
    const out = join(work, 'split');
    run('wasm-split-cli', [raw, out, '--out-name', base, '--target', 'web']);
    // Named as Trunk names it before hashing: the name is in the wasm once per import.
    run('wasm-bindgen', ['--target=web', '--keep-lld-exports', '--no-typescript', `--out-dir=${join(work, 'bindgen')}`, '--out-name=frontend', join(out, `${base}.wasm`)]);
    run('wasm-opt', ['-Oz', ...params, join(work, 'bindgen', 'frontend_bg.wasm'), '-o', join(work, 'main.wasm')]);
    replaceStaged(`${base}_bg.wasm`, readFileSync(join(work, 'main.wasm')));

    let loader = readFileSync(join(out, '__wasm_split.js'), 'utf8');
    for (const file of readdirSync(out).filter((f) => isChunk(f))) {
      const optimised = join(work, `opt-${file}`);
      run('wasm-opt', ['-Oz', ...params, join(out, file), '-o', optimised]);
      const content = readFileSync(optimised);
      // split_admin_<number>.wasm (the number tells apart split names) -> split_admin-<hash>.wasm;
      // chunk_<number>.wasm (code two splits share) -> chunk_<number>-<hash>.wasm
      const name = `${file.slice(0, -'.wasm'.length).replace(/^(split_.+)_\d+$/, '$1')}-${nameHash(content)}.wasm`;
      const reference = `"./${file}"`;
      if (!loader.includes(reference)) throw new Error(`post-build: __wasm_split.js does not load ${file}`);
      loader = loader.replaceAll(reference, `"./${name}"`);
      writeFileSync(join(staging, name), content);
      console.log(`post-build: ${name} ${content.length} bytes`);
    }
    loader = (await minify(loader, { module: true, compress: { passes: 2 }, format: { comments: false } })).code;
    const loaderName = `__wasm_split-${nameHash(loader)}.js`;
    writeFileSync(join(staging, loaderName), loader);

    let js = readFileSync(join(work, 'bindgen', 'frontend.js'), 'utf8');
    // The import statement only: the wasm's own import keeps the module name the
    // splitter gave it (`"./__wasm_split.js": import1` in the glue's imports object).
    const imported = /\bfrom\s*(['"])\.\/__wasm_split\.js\1/g;
    if (!imported.test(js)) throw new Error('post-build: the glue does not import ./__wasm_split.js');
    js = js.replace(imported, `from './${loaderName}'`);
    replaceStaged(glue, js);
    const preload = index.match(new RegExp(`<link[^>]*href=(/?)${glue.replaceAll('.', '\\.')}[^>]*rel=modulepreload[^>]*>`));
    if (!preload) throw new Error(`post-build: no modulepreload link for ${glue} in index.html`);
    index = index.replace(preload[0], `${preload[0]}<link crossorigin href=${preload[1]}${loaderName} integrity=${sri(loader)} rel=modulepreload>`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`post-build: split in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
await split();

for (const file of readdirSync(staging).filter((f) => f.endsWith('.js') && !LOADER.test(f))) {
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

// Every file of the build, as the server serves it; all make the build id, and all but the
// operator's area are precached.
const WORKER = 'sw.js';
const files = readdirSync(staging, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(staging, join(entry.parentPath, entry.name)).split(sep).join('/'))
  .filter((file) => file !== WORKER)
  .sort();
const build = createHash('sha256');
for (const file of files) build.update(`${file}\0`).update(readFileSync(join(staging, file)));
const precached = files.filter((file) => !operatorsOnly(file));
const template = readFileSync(new URL('../frontend/service-worker.js', import.meta.url), 'utf8');
const worker = template
  .replace("'__BUILD__'", JSON.stringify(build.digest('hex').slice(0, 16)))
  .replace('__FILES__', JSON.stringify(precached.map((file) => `/${file}`)));
const { code } = await minify(worker, { compress: { passes: 2 }, format: { comments: false } });
writeFileSync(join(staging, WORKER), code);
console.log(`post-build: ${WORKER} caches ${precached.length} of ${files.length} files, ${code.length} bytes`);
