// Times the dashboard's pages in headless Chromium (bench/ui-render.sh):
// each page is opened as a fresh navigation (a shared link) and is
// complete when the dashboard sets its data-loaded marker (<html
// data-loaded="true">: every load the page started has finished and
// rendered; src/loaded.ts). The time is the performance mark
// "vigil-data-loaded" (ms since navigation start, the Navigation Timing
// origin); time to first byte and DOMContentLoaded are shown beside it.
// RUNS times each, after one warm-up: the median and the worst.
import { chromium } from 'playwright-core';

const base = process.env.VIGIL_URL;
const token = process.env.VIGIL_TOKEN;
const runs = Number(process.env.RUNS || 5);
const target = Number(process.env.FINDINGS || 2000);
const browser = await chromium.launch({
  executablePath: process.env.VIGIL_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
page.setDefaultTimeout(120000);
await page.goto(base + '/');
await page.getByLabel('API token').fill(token);
await page.keyboard.press('Enter');
await page.waitForFunction(() => document.documentElement.dataset.loaded === 'true');

// The project whose open findings are nearest to FINDINGS (2,000), unless PROJECT names one.
const counts = await page.evaluate(async () => {
  const r = await (await fetch('/api/v1/metrics/remediation?kind=all')).json();
  return (r.by_project || []).map((g) => [g.key, g.open]);
});
let project = process.env.PROJECT;
if (!project) {
  counts.sort((a, b) => Math.abs(a[1] - target) - Math.abs(b[1] - target) || a[0].localeCompare(b[0]));
  project = counts.length ? counts[0][0] : '';
}
const open = (counts.find((c) => c[0] === project) || [project, 0])[1];

async function time(path) {
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.documentElement.dataset.loaded === 'true', null, { polling: 'raf' });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const mark = performance.getEntriesByName('vigil-data-loaded')[0];
    return { loaded: mark.startTime, ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd };
  });
}

const median = (xs) => xs[Math.floor(xs.length / 2)];
for (const [name, path] of [
  ['overview', '/'],
  [`project ${project} (${open} open findings)`, '/projects/' + encodeURIComponent(project)],
  ['trends', '/trends'],
]) {
  await time(path);
  const ts = [];
  for (let i = 0; i < runs; i++) ts.push(await time(path));
  const loaded = ts.map((t) => t.loaded).sort((a, b) => a - b);
  const ttfb = ts.map((t) => t.ttfb).sort((a, b) => a - b);
  const dcl = ts.map((t) => t.dcl).sort((a, b) => a - b);
  console.log(`${name}: complete median ${median(loaded).toFixed(0)} ms, worst ${loaded[loaded.length - 1].toFixed(0)} ms (first byte ${median(ttfb).toFixed(0)} ms, DOMContentLoaded ${median(dcl).toFixed(0)} ms; ${runs} runs)`);
}
await browser.close();
