// The app's service worker, served as /sw.js. The post-build hook
// (scripts/post-build.mjs) fills in BUILD and FILES: every file of the build but the
// operator's area's chunk, so a new deployment is a new worker, and the list cannot miss
// a file.
//
// - Install: every file of FILES goes into one cache named after the build, the chunks of
//   code split off the main module (`split_*.wasm`, `chunk_*.wasm`: pages fetched when
//   first opened) with them, after the page has loaded, so those pages open offline. The
//   operator's area (`split_admin-*.wasm`) is not among them: who is not an operator
//   downloads nothing of it; it goes to the network like any file not cached.
// - Pages (navigations, but not the server's own paths) are the cached shell, and files
//   come from the cache, so the app opens without a network; what is not cached goes to
//   the network.
// - The API is never touched: its requests go to the network as if there were no worker.
// - A new build waits until the page's person chooses "Reload" (the page posts
//   "skip-waiting"), or until no tab runs the old one; then it takes over. It keeps the
//   build before it, whose files tabs that have not reloaded yet may still ask for, and
//   deletes older ones.
const BUILD = '__BUILD__';
const FILES = __FILES__;
const CACHE = `notes-${BUILD}`;
const SHELL = '/index.html';
// Paths the server answers itself, never the app's pages: a note's public page (`/s/…`)
// included, which must always be the server's, never the app's shell.
const SERVER_PATHS = /^\/(api\/|s\/|healthz$|readyz$|sw\.js$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: 'reload' })))),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Oldest first: all but the newest other build go.
      const others = (await caches.keys()).filter((key) => key.startsWith('notes-') && key !== CACHE);
      for (const key of others.slice(0, -1)) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

/** This build's copy, else the build before's (for a tab still running it). */
async function cached(request, options) {
  const own = await (await caches.open(CACHE)).match(request, options);
  return own || caches.match(request, options);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || SERVER_PATHS.test(url.pathname)) return;
  const page = request.mode === 'navigate';
  event.respondWith(
    cached(page ? SHELL : request, { ignoreSearch: page }).then((hit) => hit || fetch(request)),
  );
});
