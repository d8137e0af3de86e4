// Times the dashboard's pages in headless Chromium (bench/serve-ui.sh):
// from navigation start until every section has rendered (none busy, no
// loading placeholder), RUNS times each, after one warm-up. Prints the
// median and the worst, and how many findings the project's page counts.
import { chromium } from 'playwright-core';

const base = process.env.VIGIL_URL;
const token = process.env.VIGIL_TOKEN;
const project = process.env.PROJECT || 'team-07';
const runs = Number(process.env.RUNS || 5);
const browser = await chromium.launch({
  executablePath: process.env.VIGIL_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
await page.goto(base + '/');
await page.getByLabel('API token').fill(token);
await page.keyboard.press('Enter');
await page.locator('[data-testid=open-total]').waitFor({ timeout: 60000 });

async function time(path) {
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.waitForFunction(
    () => document.querySelector('main section') && !document.querySelector('[aria-busy=true], .loading'),
    null,
    { timeout: 60000, polling: 'raf' },
  );
  return page.evaluate(() => performance.now());
}

for (const [name, path] of [
  ['overview', '/'],
  [`project ${project}`, '/projects/' + encodeURIComponent(project)],
  [`project ${project}, all states`, '/projects/' + encodeURIComponent(project) + '?state=all'],
]) {
  await time(path);
  const ms = [];
  for (let i = 0; i < runs; i++) ms.push(await time(path));
  ms.sort((a, b) => a - b);
  console.log(`${name}: median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms, worst ${ms[ms.length - 1].toFixed(0)} ms (${runs} runs)`);
}
const open = await page.evaluate(async (p) => {
  let n = 0;
  let cursor = '';
  for (;;) {
    const r = await (await fetch(`/api/v1/findings?project=${encodeURIComponent(p)}&state=open&limit=1000${cursor ? '&cursor=' + cursor : ''}`)).json();
    n += r.items.length;
    if (!r.next_cursor) return n;
    cursor = encodeURIComponent(r.next_cursor);
  }
}, project);
console.log(`project ${project} has ${open} open findings`);
await browser.close();
