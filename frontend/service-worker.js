// The app's service worker, served as /sw.js. The post-build hook
// (scripts/post-build.mjs) fills in BUILD and FILES: every file of the build, so a new
// deployment is a new worker, and the list cannot miss a file.
//
// - Install: every file of the build goes into one cache named after the build.
// - Pages (navigations, but not the server's own paths) are the cached shell, and files
//   come from the cache, so the app opens without a network; what is not cached goes to
//   the network.
// - The API is never touched: its requests go to the network as if there were no worker.
// - A new build waits until the page's person chooses "Reload" (the page posts
//   "skip-waiting"), or until no tab runs the old one; then it takes over and deletes
//   the old build's cache.
const BUILD = '__BUILD__';
const FILES = __FILES__;
const CACHE = `notes-${BUILD}`;
const SHELL = '/index.html';
// Paths the server answers itself, never the app's pages.
const SERVER_PATHS = /^\/(api\/|healthz$|readyz$|sw\.js$)/;

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
      for (const key of await caches.keys()) {
        if (key.startsWith('notes-') && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || SERVER_PATHS.test(url.pathname)) return;
  const cached = request.mode === 'navigate' ? SHELL : request;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(cached, { ignoreSearch: request.mode === 'navigate' }))
      .then((hit) => hit || fetch(request)),
  );
});
