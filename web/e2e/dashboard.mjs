// End-to-end test of the dashboard in headless Chromium, run by
// internal/server/web's TestDashboardE2E against a real `vigil serve`
// (see there for the set-up). Every page: a screenshot into
// $VIGIL_E2E_ARTIFACTS and axe-core with no serious or critical violation;
// the overview and the finding page are compared with e2e/reference/*.png.
// VIGIL_UPDATE_SCREENSHOTS=1 rewrites the references.
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const base = env('VIGIL_URL');
const token = env('VIGIL_TOKEN');
const adminToken = env('VIGIL_ADMIN_TOKEN');
const mirror = env('VIGIL_MIRROR');
const out = env('VIGIL_E2E_ARTIFACTS');
const update = process.env.VIGIL_UPDATE_SCREENSHOTS === '1';
const refDir = join(here, 'reference');
mkdirSync(out, { recursive: true });

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through go test ./internal/server/web)`);
  return v;
}

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) {
    passed++;
    console.log('ok   ' + what);
  } else {
    failed++;
    console.log('FAIL ' + what);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.VIGIL_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', timezoneId: 'UTC', locale: 'en-US' });
const page = await context.newPage();
// CI shares two cores with the rest of go test ./...: be patient.
page.setDefaultTimeout(60000);
const problems = [];
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
page.on('console', (m) => {
  // Refused requests the test makes on purpose (401, 403) are logged by
  // Chromium as failed resource loads; anything else is a problem.
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4')) problems.push('console error: ' + m.text());
});
page.on('dialog', (d) => {
  problems.push('dialog opened: ' + d.message());
  d.dismiss();
});

async function axe(name) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) console.log(`  axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
  check(bad.length === 0, `axe on ${name}: no serious or critical violation (${res.violations.length} minor)`);
}

async function shot(name, compare) {
  // Times change from run to run: they are masked.
  const opts = { fullPage: true, animations: 'disabled', caret: 'hide', mask: [page.locator('time'), page.locator('.age'), page.locator('input[type=date]')], maskColor: '#777777' };
  const file = join(out, name + '.png');
  const buf = await page.screenshot({ ...opts, path: file });
  if (!compare) return;
  const ref = join(refDir, name + '.png');
  if (update || !existsSync(ref)) {
    if (!update && process.env.CI) {
      check(false, `reference screenshot ${ref} exists`);
      return;
    }
    mkdirSync(refDir, { recursive: true });
    writeFileSync(ref, buf);
    console.log(`  wrote reference ${ref}`);
    return;
  }
  const a = PNG.sync.read(buf);
  const b = PNG.sync.read(readFileSync(ref));
  if (a.width !== b.width || Math.abs(a.height - b.height) > 0) {
    check(false, `${name} screenshot is ${a.width}x${a.height}, reference ${b.width}x${b.height}`);
    return;
  }
  const diff = new PNG({ width: a.width, height: a.height });
  const n = pixelmatch(a.data, b.data, diff.data, a.width, a.height, { threshold: 0.2 });
  const ratio = n / (a.width * a.height);
  writeFileSync(join(out, name + '.diff.png'), PNG.sync.write(diff));
  check(ratio <= 0.01, `${name} screenshot within 1% of the reference (${(ratio * 100).toFixed(3)}% differ)`);
}

// sectionShot saves a screenshot of one section (into the artefacts only).
async function sectionShot(name, selector) {
  await page.locator(selector).screenshot({ path: join(out, name + '.png'), animations: 'disabled', caret: 'hide', mask: [page.locator(selector + ' time'), page.locator(selector + ' .age')], maskColor: '#777777' });
}

// loaded waits for the dashboard's data-loaded marker: every load the
// page started has finished and rendered.
async function loaded() {
  await page.waitForFunction(() => document.documentElement.dataset.loaded === 'true');
}

// inked counts the canvas pixels a chart drew on (not transparent).
async function inked(testid) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid=${id}] canvas`);
    if (!c) return -1;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  }, testid);
}

async function openTotal() {
  await page.locator('[data-testid=open-total] span').waitFor();
  return Number(await page.locator('[data-testid=open-total] span').innerText());
}

// --- Not logged in: the API refuses, the login page shows. ---
{
  const r = await fetch(base + '/api/v1/summary');
  check(r.status === 401, `GET /api/v1/summary without a session: ${r.status}`);
  const home = await fetch(base + '/');
  const csp = home.headers.get('content-security-policy') || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), `CSP on /: ${csp}`);
  const html = await home.text();
  check(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'index.html has no inline script');
}
await page.goto(base + '/');
await page.getByLabel('API token').waitFor();
await shot('login', false);
await axe('login');

// A wrong token is refused with a clear error.
await page.getByLabel('API token').fill('vgl_' + 'A'.repeat(43));
await page.getByRole('button', { name: 'Log in' }).click();
await page.getByRole('alert').waitFor();
check((await page.getByRole('alert').innerText()).includes('not valid'), 'a wrong token is refused');

// --- Log in, with the keyboard. ---
await page.getByLabel('API token').fill(token);
await page.keyboard.press('Enter');
const before = await openTotal();
check(before > 0, `overview shows ${before} open findings`);
const cookies = await context.cookies();
let sc = cookies.find((c) => c.name === 'vigil_session');
check(sc && sc.httpOnly && sc.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
check(!(await page.evaluate(() => document.cookie)).includes('vigil_session'), 'the page cannot read the session cookie');

// CSRF: a state change with the cookie and a wrong (or no) token is refused.
{
  const codes = await page.evaluate(async () => {
    const body = JSON.stringify({ state: 'false_positive', reason: 'csrf probe' });
    const h = { 'Content-Type': 'application/json' };
    const a = await fetch('/api/v1/findings/1', { method: 'PATCH', body, headers: h });
    const b = await fetch('/api/v1/findings/1', { method: 'PATCH', body, headers: { ...h, 'X-CSRF-Token': 'wrong' } });
    return [a.status, b.status];
  });
  check(codes[0] === 403 && codes[1] === 403, `PATCH with the cookie but without / with a wrong CSRF token: ${codes}`);
}

await loaded();
check(/\d+ past their SLA, \d+ due within/.test(await page.locator('[data-testid=sla-breached]').innerText()), 'the overview shows SLA breaches and findings due soon');
check((await page.locator('section[aria-labelledby=oldest-h] tbody td:last-child time').count()) > 0, 'the oldest open findings show their SLA due dates');
// The worst scores and the oldest images (the image "img" built
// 2025-06-01 runs in prod; the server's limit is 90 days: too old).
{
  const rows = page.locator('[data-testid=worst-scores] tbody tr');
  const n = await rows.count();
  const grades = await page.locator('[data-testid=worst-scores] [data-testid=grade]').allInnerTexts();
  check(n === 4 && grades.length === 4 && grades.every((g) => /^(grade\s+)?[ABCDF]$/.test(g.trim())), `the overview's worst scores list the 4 projects with a grade as text (${grades.join(', ')})`);
  const api = await (await page.evaluate(async () => (await fetch('/api/v1/scores?limit=10')).json())).items;
  const shown = [];
  for (let i = 0; i < n; i++) shown.push((await rows.nth(i).innerText()).replace(/\s+/g, ' ').trim());
  check(api.every((p, i) => shown[i].startsWith(p.project + ' ') && shown[i].includes(' ' + p.score + ' ') && shown[i].endsWith(p.grade)), `the worst scores are the API's, lowest first (${shown.join(' | ')})`);
  const img = await page.locator('[data-testid=oldest-images] tbody tr').first().innerText();
  check(/^registry\.example\/img:1\s+img\s+prod\s+\d{3,} d\s+.*too old\s+2026-11-01 00:00 UTC\s+docker\.io\/library\/alpine:3\.22 declared$/.test(img.trim()), `the oldest images in production start with img in prod, over 100 days old, badged too old, running since its deployment, on its declared base (${img.replace(/\s+/g, ' ')})`);
}
await sectionShot('overview-scores', 'section[aria-labelledby=scores-h]');
await sectionShot('overview-oldest-images', 'section[aria-labelledby=oldest-images-h]');
await shot('overview', true);
await axe('overview');

// --- A new advisory upstream; the server refreshes; the overview shows it after a refresh. ---
{
  const p = await fetch(mirror + '/_control/publish', { method: 'POST' });
  check(p.status === 204, 'the mirror publishes VGL-E2E-0001');
  const r = await fetch(base + '/api/v1/admin/refresh', { method: 'POST', headers: { Authorization: 'Bearer ' + adminToken } });
  const body = await r.json();
  check(r.status === 200 && body.created >= 1, `refresh created ${body.created} finding(s)`);
}
await page.getByRole('button', { name: 'Refresh' }).click();
await page.waitForFunction((n) => Number(document.querySelector('[data-testid=open-total] span')?.textContent) === n + 1, before);
check((await openTotal()) === before + 1, `after the refresh the overview counts ${before + 1} open findings`);

// --- Open the new finding from the latest events. ---
await page.locator('section[aria-labelledby=events-h] li').first().getByRole('link', { name: /^finding / }).click();
await page.locator('[data-testid=summary]').waitFor();
const summary = await page.locator('[data-testid=summary]').innerText();
check(summary.includes('<script>window.__xss=1</script>'), 'the advisory summary is shown as text');
check((await page.evaluate(() => window.__xss)) === undefined, 'no script of the advisory ran');
check((await page.locator('main script, main img').count()) === 0, 'the advisory text made no element');
check((await page.locator('main a[href^="javascript:"]').count()) === 0, 'no javascript: link');
check((await page.locator('main a[href="https://example.org/advisories/VGL-E2E-0001"]').count()) === 1, 'the https reference is a link');
check((await page.locator('main').innerText()).includes('CVE-2099-0001'), 'the alias is shown');
check((await page.locator('main').innerText()).includes('1.3.1'), 'the fixed version is shown');
const findingURL = page.url();
await shot('finding', true);
await axe('finding');

// --- Accept it with a reason and an expiry. ---
await page.getByLabel('Accept the risk until a date').check();
await page.getByLabel('Reason (required)').fill('not reachable: left-pad is used at build time only');
await page.getByLabel(/Accepted until/).fill('2099-12-31');
await page.getByRole('button', { name: 'Save decision' }).click();
await page.getByText('Saved.').waitFor();
await page.locator('dl.facts .state-accepted').waitFor({ timeout: 10000 }).catch(() => {});
check((await page.locator('dl.facts').innerText()).includes('accepted'), 'the finding is accepted');
check((await page.locator('section[aria-labelledby=history-h]').innerText()).includes('not reachable'), 'the history shows the acceptance and its reason');
await shot('finding-accepted', false);

// --- The count drops. ---
await page.getByRole('link', { name: 'Overview' }).click();
await page.waitForFunction((n) => Number(document.querySelector('[data-testid=open-total] span')?.textContent) === n, before);
check((await openTotal()) === before, `the overview is back at ${before} open findings`);

// --- Every other page: project, artifact, search; keyboard focus is visible. ---
await page.locator('section[aria-labelledby=worst-h]').getByRole('link', { name: 'shop' }).click();
await page.locator('#findings-h').waitFor();
await page.locator('section[aria-labelledby=findings-h] tbody tr').first().waitFor();
await loaded();
check((await page.locator('section[aria-labelledby=sla-h]').innerText()).includes('past their SLA'), 'the project page has its SLA view');
check((await page.locator('[data-testid=sla-due] time').count()) > 0, 'the project\'s findings show their SLA due dates');
// shop's score: its open findings are a medium and a low vulnerability,
// both with a fixed version, nothing in KEV, no SLA breached yet, no image:
// 100 - 30(1-e^(-3/25)) - 15(1-e^(-3/10)) = 92.7 -> 93, grade A.
{
  const sc = page.locator('section[aria-labelledby=score-h]');
  check((await sc.locator('[data-testid=score] > span').first().innerText()) === '93' && (await sc.locator('[data-testid=grade]').innerText()).trim().endsWith('A'), `shop's score is 93, grade A (${(await sc.locator('[data-testid=score]').innerText()).replace(/\s+/g, ' ')})`);
  const comps = await sc.locator('[data-testid=score-components] tbody tr').allInnerTexts();
  const names = ['vulnerabilities', 'fix_available', 'exploitation', 'sla_breaches', 'image_age', 'misconfigurations', 'secrets'];
  check(comps.length === 7 && names.every((c) => comps.some((r) => r.startsWith(c))), `the score's 7 components are listed (${comps.map((r) => r.split(/\s/)[0]).join(', ')})`);
  const vuln = comps.find((r) => r.startsWith('vulnerabilities')).split('\t').map((x) => x.trim());
  check(vuln[1] === '30' && vuln[2] === '3' && vuln[3] === '3.39' && vuln[4].length > 10, `the vulnerabilities component shows weight 30, value 3, penalty 3.39 and its explanation (${vuln.join(' | ')})`);
  check((await sc.locator('caption').count()) === 1 && (await sc.locator('th[scope=col]').count()) === 5, 'the components table has a caption and column headers');
  const ages = await page.locator('[data-testid=image-age]').allInnerTexts();
  check(ages.length === 1 && ages[0].includes('not an image'), `shop's deployment (an SBOM, not an image) has no image age (${ages.join(', ')})`);
}
await sectionShot('project-score', 'section[aria-labelledby=score-h]');
await shot('project', false);
await axe('project');
// The score per environment, with the keyboard; the choice is in the URL.
await page.locator('[data-testid=score-env]').focus();
await page.locator('[data-testid=score-env]').selectOption('prod');
await page.waitForURL(/env=prod/);
await loaded();
// data-loaded can still be true from the page before the choice: wait
// (bounded) for the section to be drawn again for prod.
await page.locator('section[aria-labelledby=score-h]', { hasText: 'In prod' }).waitFor({ timeout: 10000 }).catch(() => {});
check((await page.locator('section[aria-labelledby=score-h]').innerText()).includes('In prod'), 'the score section shows the score in prod (?env=prod)');
// An environment the project does not run in: the API's 404, said, with a way back.
await page.goto(base + '/projects/shop?env=nowhere');
await loaded();
{
  const err = await page.locator('section[aria-labelledby=score-h] [role=alert]').innerText();
  check(err.includes('HTTP 404') && err.includes('runs nothing in environment nowhere'), `the score in an environment where nothing runs says so (${err.replace(/\s+/g, ' ')})`);
  await page.locator('[data-testid=score-env]').selectOption('');
  await page.waitForURL((u) => !u.search.includes('env='));
  await loaded();
  check((await page.locator('section[aria-labelledby=score-h] [data-testid=score]').count()) === 1, 'choosing every environment shows the score again');
}
// img: an image built 2025-06-01; its age shows on its deployment, badged too old, and costs it score.
await page.goto(base + '/projects/img');
await loaded();
{
  const age = await page.locator('[data-testid=image-age]').first().innerText();
  check(/^\d{3,} d\s+.*too old$/.test(age.trim()), `img's deployment shows its image age and the too-old badge (${age.replace(/\s+/g, ' ')})`);
  const row = (await page.locator('[data-testid=score-components] tbody tr').allInnerTexts()).find((r) => r.startsWith('image_age'));
  const pen = Number(row.split('\t')[3]);
  check(pen > 0, `img's image_age component takes points away (${pen})`);
}
await sectionShot('project-freshness', 'section[aria-labelledby=deployments-h]');
await axe('project (image)');
await page.locator('section[aria-labelledby=artifacts-h] tbody a').first().click();
await page.getByLabel('Filter packages').waitFor();
await page.locator('section[aria-labelledby=packages-h] tbody tr').first().waitFor();
await page.getByLabel('Filter packages').fill('minimist');
await page.keyboard.press('Enter');
await page.waitForURL(/q=minimist/);
check((await page.locator('section[aria-labelledby=packages-h] tbody tr').count()) === 1, 'the package filter finds minimist (and it is in the URL)');
await shot('artifact', false);
await axe('artifact');

await page.goto(base + '/search?q=CVE-2099-0001&state=all');
await page.locator('section[aria-labelledby=findings-h] tbody tr').first().waitFor();
check((await page.locator('section[aria-labelledby=findings-h] tbody tr').count()) === 1, 'search by alias finds the finding (a shared link)');
await shot('search', false);
await axe('search');

// A bare package name: its findings in every version.
await page.goto(base + '/search?q=left-pad&state=all');
await page.locator('section[aria-labelledby=findings-h] tbody tr').first().waitFor();
check((await page.locator('[data-testid=search-as]').innerText()).includes('as a package name'), 'a bare word is searched as a package name');
check((await page.locator('section[aria-labelledby=findings-h] tbody tr').count()) === 1 && (await page.locator('section[aria-labelledby=findings-h] tbody').innerText()).includes('left-pad 1.3.0'), 'search by package name finds the left-pad finding');
await page.goto(base + '/search?q=no-such-package-anywhere');
await page.locator('section[aria-labelledby=findings-h] .empty').waitFor();
check(true, 'search by an unknown package name says there are no findings');

// --- Trends: a snapshot taken now is today's point; every chart has its table. ---
{
  const r = await fetch(base + '/api/v1/admin/metrics/snapshot', { method: 'POST', headers: { Authorization: 'Bearer ' + adminToken } });
  check(r.status === 200, `POST /api/v1/admin/metrics/snapshot: ${r.status}`);
}
await page.getByRole('link', { name: 'Trends' }).click();
await page.waitForURL(/\/trends$/);
await loaded();
for (const id of ['chart-open', 'chart-sla', 'chart-compliance', 'chart-image-age']) {
  const n = await inked(id);
  check(n > 500, `trends: ${id} is drawn (${n} pixels)`);
}
check((await page.locator('[data-testid=chart-open] [role=img]').getAttribute('aria-label')).includes('CRITICAL'), 'the open-findings chart carries its numbers as text');
check((await page.locator('section[aria-labelledby=mttr-h] .empty').innerText()).includes('No finding was remediated'), 'MTTR without a remediated finding says so');
await shot('trends', false);
await axe('trends');
await page.getByRole('button', { name: 'Tables' }).click();
await page.waitForURL(/view=table/);
await loaded();
{
  const open = await page.locator('[data-testid=table-open] tbody tr').count();
  const total = Number(await page.locator('[data-testid=table-open] tbody tr:last-child td:last-child').innerText());
  check(open >= 1 && total > 0, `trends table: ${open} day(s), ${total} open findings on the last`);
  check((await page.locator('[data-testid=table-sla] tbody tr').count()) === open, 'the SLA table has a row per day');
  check((await page.locator('[data-testid=table-compliance] tbody').innerText()).includes('All'), 'the SLA compliance table has its total');
  const img = await page.locator('[data-testid=table-image-age] tbody').innerText();
  check(img.includes('img') && img.includes('prod'), 'the image age table lists the running image');
  check((await page.locator('[data-testid=table-image-age-buckets] tbody tr:last-child td').innerText()) === '1', 'the image built 2025-06-01 is over a year old');
}
await shot('trends-tables', false);
await axe('trends (tables)');
// The view is in the URL: a shared link opens the tables.
await page.goto(base + '/trends?view=table&days=90');
await loaded();
check((await page.locator('[data-testid=table-open]').count()) === 1 && (await page.getByLabel('Period').inputValue()) === '90', 'a shared trends link keeps its view and period');
// The image age of one project (its freshness API): img's image; shop runs none.
await page.goto(base + '/trends?view=table&project=img&environment=prod');
await loaded();
check((await page.locator('[data-testid=table-image-age] tbody tr').count()) === 1 && (await page.locator('[data-testid=table-image-age] tbody').innerText()).includes('img'), 'the image age of project img lists its image');
await page.goto(base + '/trends?view=table&project=shop');
await loaded();
check((await page.locator('section[aria-labelledby=image-age-h] .empty').count()) === 1, 'the image age of project shop (no image) says nothing runs');

await page.goto(findingURL);
await page.locator('[data-testid=summary]').waitFor();
await page.keyboard.press('Tab');
const focus = await page.evaluate(() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return { tag: el.tagName, outline: s.outlineStyle, width: s.outlineWidth };
});
check(focus.outline !== 'none' && focus.width !== '0px', `keyboard focus is visible (${focus.tag}: ${focus.outline} ${focus.width})`);

// --- Dark theme. ---
await page.getByRole('button', { name: 'Dark theme' }).click();
check((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'the theme toggle switches to dark');
await page.getByRole('link', { name: 'Overview' }).click();
await openTotal();
await shot('overview-dark', false);
await axe('overview (dark)');
await page.getByRole('link', { name: 'Trends' }).click();
await loaded();
check((await inked('chart-open')) > 500, 'the trends charts are drawn in the dark theme');
await shot('trends-dark', false);
await axe('trends (dark)');

// --- 175 days later: the medium findings (90-day SLA) are past it, the
// low ones (180 days) due within 7 days. The session (12 hours) has
// expired: the dashboard asks to log in again. ---
{
  const r = await fetch(base + '/api/v1/admin/clock', { method: 'POST', headers: { Authorization: 'Bearer ' + adminToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ advance: '4200h' }) });
  check(r.status === 200, `the test clock moves 175 days forward: ${r.status}`);
  // The browser's clock agrees with the server's, as it would in real life
  // (the trends page's period is counted from the browser's today).
  await page.clock.setFixedTime(new Date((await r.json()).now));
}
await page.goto(base + '/projects/shop');
await page.getByLabel('API token').waitFor();
check(true, 'after 175 days the session has expired and the login form shows');
await page.getByLabel('API token').fill(token);
await page.keyboard.press('Enter');
await loaded();
sc = (await context.cookies()).find((c) => c.name === 'vigil_session');
{
  const rows = page.locator('section[aria-labelledby=findings-h] tbody tr');
  const n = await rows.count();
  let breached = 0;
  let due = 0;
  for (let i = 0; i < n; i++) {
    const t = await rows.nth(i).innerText();
    if (t.includes('MEDIUM')) breached += t.includes('SLA breached') ? 1 : 0;
    if (t.includes('LOW')) due += t.includes('due soon') ? 1 : 0;
  }
  check(n === 2 && breached === 1 && due === 1, `the project's medium finding is badged "SLA breached", its low one "due soon" (${breached}, ${due} of ${n})`);
  check((await page.locator('section[aria-labelledby=sla-h] [data-testid=breached-MEDIUM]').innerText()) === '1', 'the project\'s SLA view counts the breach');
  // The breach costs score: 93 - 15(1-e^(-1/5)) = 90.0 -> 90.
  const sla = (await page.locator('[data-testid=score-components] tbody tr').allInnerTexts()).find((r) => r.startsWith('sla_breaches')).split('\t');
  const now = (await page.locator('section[aria-labelledby=score-h] [data-testid=score] > span').first().innerText()).trim();
  check(now === '90' && sla[2].trim() === '1' && sla[3].trim() === '2.72', `after 175 days shop's score is 90, its sla_breaches component 1 (penalty ${sla[3]})`);
}
await shot('project-sla', false);
await axe('project (SLA badges, dark)');
await page.getByRole('link', { name: 'Overview' }).click();
await loaded();
check(/^\d+ past their SLA/.test(await page.locator('[data-testid=sla-breached]').innerText()) && Number((await page.locator('[data-testid=sla-breached] span').innerText())) >= 2, 'the overview counts the breaches of both projects');

// --- The low finding is fixed after those 175 days: the trends page's MTTR
// says so, and the compliance counts it remediated in time. ---
{
  const auth = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
  const l = await (await fetch(base + '/api/v1/findings?project=shop&state=open&severity=low', { headers: auth })).json();
  const r = await fetch(base + '/api/v1/findings/' + l.items[0].id, { method: 'PATCH', headers: auth, body: JSON.stringify({ state: 'fixed', reason: 'upgraded lodash' }) });
  check(l.items.length === 1 && r.status === 200, `the low finding of shop is marked fixed: ${r.status}`);
}
await page.goto(base + '/trends?view=table');
await loaded();
{
  const mttr = await page.locator('[data-testid=table-mttr] tbody').innerText();
  check(/LOW\s+1\s+175\.0/.test(mttr), `the MTTR table shows the low finding fixed in 175 days (${mttr.replace(/\s+/g, ' ')})`);
  const all = await page.locator('[data-testid=table-compliance] tbody tr:last-child').innerText();
  check(/All\s+1\s+0\s+100\.0 %/.test(all), `the compliance table counts it remediated in time (${all.replace(/\s+/g, ' ')})`);
}
await page.getByRole('button', { name: 'Charts' }).click();
await loaded();
check((await inked('chart-mttr')) > 500, 'the MTTR chart is drawn');
await shot('trends-remediated', false);
await axe('trends (remediated, dark)');

// --- Log out: the session is gone server-side too. ---
await page.getByRole('button', { name: 'Log out' }).click();
await page.getByLabel('API token').waitFor();
check(true, 'logged out: the login form shows');
const after = await page.evaluate(async () => (await fetch('/api/v1/summary')).status);
check(after === 401, `GET /api/v1/summary after logout: ${after}`);
if (sc) {
  const r = await fetch(base + '/api/v1/summary', { headers: { Cookie: `vigil_session=${sc.value}` } });
  check(r.status === 401, `the old session cookie is refused after logout: ${r.status}`);
}

for (const p of problems) console.log('  ' + p);
check(problems.length === 0, 'no page error, console error or dialog');
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
