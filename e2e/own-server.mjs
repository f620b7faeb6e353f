// A release server of a test's (or a benchmark's) own, which it can stop and start: kept
// apart from lib.mjs, which needs the suite's servers, so that bench/ can use it too.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';

// How long a stopped server is given to exit before it is killed.
const WAIT = 10_000;

const ROOT = new URL('..', import.meta.url).pathname;
// What e2e/run.sh (and the benches) name, else the usual build outputs.
export const SERVER_BIN = process.env.SERVER_BIN || join(ROOT, 'target/release/server');
const SPA_DIST = process.env.SPA_DIST || join(ROOT, 'dist');

/** A free loopback port, as the kernel hands one out. */
async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/**
 * A release server of the test's own, for tests that take the network away (stop it) or
 * deploy a new build (restart it on another `dist`): its own SQLite database and a copy
 * of the built SPA in a scratch directory. `stop()` ends the process; `start()` starts it
 * again on the same port and database; `close()` stops it and removes the directory.
 * `settings` are its environment's variables over the defaults (`ACCESS_TOKEN_LIFETIME`),
 * or a function of its URL that answers them (`PUBLIC_URL`, a provider's client for it).
 */
export async function ownServer(settings = {}) {
  const { cp, mkdtemp: scratch } = await import('node:fs/promises');
  const { spawn } = await import('node:child_process');
  const { randomBytes } = await import('node:crypto');
  const dir = await scratch(join(tmpdir(), 'notes-own-'));
  const dist = join(dir, 'dist');
  await cp(SPA_DIST, dist, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    APP_ENV: 'development',
    JWT_SECRET: randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite://${join(dir, 'notes.db')}?mode=rwc`,
    STATIC_DIR: dist,
    LOG_FORMAT: 'text',
    ...(typeof settings === 'function' ? await settings(url) : settings),
  };
  let child = null;
  const server = {
    url,
    dist,
    /** Its database, for a command run beside it (`server createsuperuser`). */
    databaseUrl: env.DATABASE_URL,
    async start() {
      child = spawn(SERVER_BIN, [], { env, stdio: 'ignore' });
      for (let i = 0; i < 150; i += 1) {
        const up = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
        if (up?.ok) return;
        await sleep(100);
      }
      throw new Error(`the test's own server at ${url} did not become healthy`);
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(WAIT)]);
      child.kill('SIGKILL');
    },
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
