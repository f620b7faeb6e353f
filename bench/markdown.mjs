// How long a 20 KB Markdown note takes to show, in headless Chromium against the real
// server: the note's text goes to the Markdown worker, which parses it off the page's
// thread and answers it as HTML, which the page inserts. Measured in the
// composer's preview, two ways, each to the first frame in which the preview holds the
// whole note:
// - shown: the text already in the composer, from the click that opens the preview (a
//   note rendered, as a card shows one: the component made, the worker's round trip,
//   the HTML inserted, the frame's style and layout);
// - typed: the preview open, from the input event that puts the text in the composer
//   (the same, after the browser has laid out 20 KB in the textarea first: the frame
//   that does it comes before the worker's answer can be handled).
// Reported, each the median of the runs after one warm-up: the time; the longest time
// between two frames meanwhile (16.7 ms at 60 Hz: the click came at a frame, so a note
// shown in the next frame takes about that); and the longest main-thread task.
//   node bench/markdown.mjs http://127.0.0.1:8000 [runs]

import { launch } from './chromium.mjs';

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 10);
if (!base) throw new Error('usage: node bench/markdown.mjs <base-url> [runs]');

const SENTENCE = 'The quick brown fox jumps over the lazy dog while the notes app keeps every word. ';

/** About 20 KB of Markdown. `dense`: every few words an element (headings, lists, tasks,
 * tables, code, links, tags: ~2,000 elements); otherwise prose, as most notes are, with a
 * heading, a list and some formatting per section (~300 elements). */
function note(seed, dense) {
  const parts = [];
  for (let i = 0; parts.join('\n').length < 20_000; i++) {
    parts.push(`## Section ${seed}-${i}`);
    if (dense) {
      parts.push(
        `Some **bold** and *emphasised* words, \`inline code\`, a [link](https://example.org/${i}) and #tag${i % 7}.`,
        `- [ ] a task ${i}\n- [x] a done task\n- a plain item with https://example.org/bare/${i}`,
        `| col a | col b |\n|---|---:|\n| ${i} | ${i * 2} |`,
        '```\nlet x = 1;\n```',
      );
    } else {
      parts.push(
        SENTENCE.repeat(4) + `Some **bold** words and a [link](https://example.org/${i}). #tag${i % 7}`,
        SENTENCE.repeat(5),
        `- ${SENTENCE}\n- ${SENTENCE}\n- [ ] ${SENTENCE}`,
      );
    }
  }
  return parts.join('\n\n');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const json = (method, path, body, token) =>
  fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then((r) => r.json());

const username = `bench${Date.now()}`;
await json('POST', '/api/user/register/', { username, password: 'plum-orchard-42' });
const pair = await json('POST', '/api/token/', { username, password: 'plum-orchard-42' });

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.evaluate(({ access, refresh }) => {
    localStorage.setItem('access', access);
    localStorage.setItem('refresh', refresh);
  }, pair);
  await page.goto(`${base}/`);
  await page.getByLabel('Title').fill('Long');
  for (const [dense, typed] of [[false, false], [true, false], [false, true], [true, true]]) {
  const kind = `${dense ? 'dense' : 'prose'}, ${typed ? 'typed' : 'shown'}`;
  const previewing = async () => (await page.getByRole('button', { name: 'Preview' }).getAttribute('aria-pressed')) === 'true';
  if ((await previewing()) !== typed) await page.getByRole('button', { name: 'Preview' }).click();
  const times = [];
  const frames = [];
  const longest = [];
  for (let run = 0; run <= runs; run++) {
    const text = note(run, dense);
    const result = await page.evaluate(async ([text, typed]) => {
      const area = document.getElementById('new-note-content');
      const preview = () => document.querySelector('.preview .markdown');
      const lastHeading = [...text.matchAll(/## (Section \S+)/g)].pop();
      let longTask = 0;
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) longTask = Math.max(longTask, entry.duration);
      });
      observer.observe({ type: 'longtask' });
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      const toggle = document.querySelector('.composer .actions button[aria-pressed]');
      if (!typed) {
        // Closed, with the text in place and laid out.
        if (toggle.getAttribute('aria-pressed') === 'true') toggle.click();
        area.value = text;
        area.dispatchEvent(new Event('input', { bubbles: true }));
        await frame();
        await frame();
      }
      const start = performance.now();
      if (typed) {
        area.value = text;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      } else {
        toggle.click();
      }
      const done = () => [...(preview()?.querySelectorAll('h5') ?? [])].some((h) => h.textContent === lastHeading[1]);
      // Each frame's callback also takes the time since the previous frame: a frame held
      // up by work shows as a long one.
      let previous = start;
      let longestFrame = 0;
      await new Promise((resolve) => {
        const check = () => {
          const now = performance.now();
          longestFrame = Math.max(longestFrame, now - previous);
          previous = now;
          if (done()) resolve();
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      const end = performance.now();
      observer.disconnect();
      return { ms: end - start, longestFrame, longTask, elements: preview().querySelectorAll('*').length };
    }, [text, typed]);
    if (run > 0) {
      times.push(result.ms);
      frames.push(result.longestFrame);
      longest.push(result.longTask);
    }
    if (run === 1) console.log(`${kind}: a ${text.length}-character note, ${result.elements} elements`);
  }
  const fmt = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
  console.log(`${kind}: to the frame that shows it: median ${median(times).toFixed(1)} ms  [${fmt(times)}]`);
  console.log(`${kind}: longest time between frames meanwhile (16.7 = no frame held up): median ${median(frames).toFixed(1)} ms`);
  console.log(`${kind}: longest main-thread task meanwhile (0 = none over 50 ms): median ${median(longest).toFixed(1)} ms`);
  }
} finally {
  await browser.close();
}
