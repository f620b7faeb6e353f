// The client half of bench/events.sh: people registered, streams opened, writes timed,
// and wrk run beside them. BASE, SERVER_PID and JWT_SECRET come from the script.
import http from 'node:http';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const streams = Number(process.argv[2] || 10000);
const base = new URL(process.env.BASE);
const PER_PERSON = 8;
const WRITES = 200;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const rssMb = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${process.env.SERVER_PID}/status`, 'utf8'))[1]) / 1024;

function call(method, path, body, token) {
  return new Promise((resolve, reject) => {
    const data = body && JSON.stringify(body);
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    if (data) req.write(data);
    req.end();
  });
}

// An access token signed as the server signs them (its secret is the bench's own), so
// 1,250 people need no sign-in each.
function token(userId) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const claims = b64({ token_type: 'access', exp: now + 3600, iat: now, jti: crypto.randomUUID().replaceAll('-', ''), user_id: userId });
  const mac = crypto.createHmac('sha256', process.env.JWT_SECRET).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${mac}`;
}

async function inBatches(count, size, each) {
  const out = [];
  for (let at = 0; at < count; at += size) {
    const batch = [];
    for (let i = at; i < Math.min(count, at + size); i++) batch.push(each(i));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

// An open stream: calls `onNote` with each note event's data.
function open(tokenValue) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: base.hostname, port: base.port, path: '/api/events/', headers: { Authorization: `Bearer ${tokenValue}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      const stream = { res, onNote: null, buffer: '' };
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        stream.buffer += chunk;
        let end;
        while ((end = stream.buffer.indexOf('\n\n')) >= 0) {
          const block = stream.buffer.slice(0, end);
          stream.buffer = stream.buffer.slice(end + 2);
          if (block.startsWith('event: ready')) resolve(stream);
          else if (block.startsWith('event: note') && stream.onNote) {
            stream.onNote(JSON.parse(/^data: (.*)$/m.exec(block)[1]));
          }
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('stream did not open')));
  });
}

function wrk(tokenValue) {
  const out = execFileSync('wrk', ['-t', '2', '-c', '32', '-d', '10s', '--latency', '-H', `Authorization: Bearer ${tokenValue}`, `${base.origin}/api/notes/`], { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)[1];
  const ms = p99.endsWith('us') ? parseFloat(p99) / 1000 : p99.endsWith('ms') ? parseFloat(p99) : parseFloat(p99) * 1000;
  return { rate, p99: ms };
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

const people = Math.ceil(streams / PER_PERSON);
let started = Date.now();
const ids = await inBatches(people, 8, async (i) => {
  const made = await call('POST', '/api/user/register/', { username: `p${i}`, password: 'correct horse battery' });
  if (made.status !== 201) throw new Error(`register: ${made.status}`);
  return made.body.id;
});
const tokens = ids.map(token);
for (let i = 0; i < 20; i++) await call('POST', '/api/notes/', { title: `Note ${i}`, content: 'text' }, tokens[0]);
console.log(`  ${people} people registered in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const quiet = wrk(tokens[0]);
const before = rssMb();
started = Date.now();
const open_ = await inBatches(streams, 200, (i) => open(tokens[Math.floor(i / PER_PERSON)]));
console.log(`  ${streams} streams opened in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await new Promise((r) => setTimeout(r, 2000));
const after = rssMb();
console.log(`  server memory: ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB with ${streams} open: ${(((after - before) * 1024) / streams).toFixed(1)} KB a stream`);

// Writes by the person whose stream was opened last, heard on that stream.
const last = open_[streams - 1];
const writer = tokens[Math.floor((streams - 1) / PER_PERSON)];
const times = [];
for (let n = 0; n < WRITES; n++) {
  const heard = new Promise((resolve) => (last.onNote = resolve));
  const t0 = process.hrtime.bigint();
  const made = await call('POST', '/api/notes/', { title: `Timed ${n}`, content: 'text' }, writer);
  if (made.status !== 201) throw new Error(`create: ${made.status}`);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no event within 10 s')), 10_000));
  const note = await Promise.race([heard, timeout]);
  if (note.id !== made.body.id) throw new Error(`heard note ${note.id}, wrote ${made.body.id}`);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
console.log(`  write to event at stream ${streams}: p50 ${percentile(times, 0.5).toFixed(1)} ms, p99 ${percentile(times, 0.99).toFixed(1)} ms (${WRITES} writes)`);

const busy = wrk(tokens[0]);
console.log(`  GET /api/notes/ (wrk -c 32, 10 s): no streams ${quiet.rate.toFixed(0)} req/s p99 ${quiet.p99.toFixed(2)} ms; ` +
  `${streams} open ${busy.rate.toFixed(0)} req/s p99 ${busy.p99.toFixed(2)} ms (p99 ${(busy.p99 / quiet.p99).toFixed(2)}x)`);
for (const s of open_) s.res.destroy();
process.exit(0);
