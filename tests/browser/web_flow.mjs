#!/usr/bin/env node
// Browser test of the web pages against the real server: headless Chromium
// (Debian's /usr/bin/chromium) driven by playwright-core.
//
// An editor lists a person and enrols a photo, a photo is ingested through
// the API, the editor confirms the automatic tag, a customer searches the
// person's name, sees the photo card, opens it and the face box is drawn
// over the face; the privacy officer sees the confirmation in the audit log.
// Every page's inputs must have a label. Screenshots of each page go to
// test-artifacts/browser/.
//
//   node tests/browser/web_flow.mjs [--binary PATH] [--data DIR]
//
// Environment (command-line options win):
//   FACETAG_BINARY     the facetag executable (default build/apps/facetag/facetag)
//   FACETAG_DATA       evaluation data (default <repo>/../shared/data)
//   FACETAG_CHROMIUM   the browser (default /usr/bin/chromium)
//   FACETAG_ARTIFACTS  screenshots (default <repo>/test-artifacts/browser)
//   FACETAG_WEB        the pages (default <repo>/web)
//   TMPDIR             where the temporary database and photo root are made
// Exit code 0 when every check passed, 1 otherwise.

import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const { values: args } = parseArgs({
  options: { binary: { type: 'string' }, data: { type: 'string' } },
});
const BINARY = path.resolve(args.binary || process.env.FACETAG_BINARY || path.join(REPO, 'build/apps/facetag/facetag'));
const DATA = path.resolve(args.data || process.env.FACETAG_DATA || path.join(REPO, '..', 'shared', 'data'));
const CHROMIUM = process.env.FACETAG_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.resolve(process.env.FACETAG_ARTIFACTS || path.join(REPO, 'test-artifacts', 'browser'));
const WEB = path.resolve(process.env.FACETAG_WEB || path.join(REPO, 'web'));
const PHOTOS = path.join(DATA, 'photos', 'face_recognition');
const ENROL_PHOTO = path.join(PHOTOS, 'examples', 'obama.jpg');     // labels.csv: Barack_Obama
const GROUP_PHOTO = path.join(PHOTOS, 'examples', 'two_people.jpg'); // multi_person.csv: left Obama, right Biden
const NOT_A_PHOTO = path.join(PHOTOS, 'labels.csv');
const PERSON = 'Barack Obama';
const LOCATION = '2024/05/two_people.jpg';

const WAIT_MS = 15_000;          // a page reacting to a click
const RECOGNITION_MS = 90_000;   // enrolment and ingest run the face networks

// ---------------------------------------------------------------------------
// Small test harness: named checks, stop at the first failure.

const started = Date.now();
let passed = 0;
let failed = 0;
let currentPage = null;  // for a screenshot when a step fails

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok ${passed + failed} - ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok ${passed + failed} - ${name}`);
    console.log(`  ${e instanceof CheckFailed ? e.message : (e.stack || e)}`.replace(/\n/g, '\n  '));
    e.reported = true;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// The server

const run = promisify(execFile);
let tmp = null;
let server = null;
let serverLog = '';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function createKey(db, role) {
  const { stdout } = await run(BINARY, ['--db', db, '--json', 'key', 'create', '--role', role,
    '--label', `browser test ${role}`]);
  const out = JSON.parse(stdout);
  check(typeof out.secret === 'string' && out.secret.startsWith('ft_'),
    `key create --role ${role} printed no ft_ secret: ${stdout}`);
  return out.secret;
}

async function startServer() {
  tmp = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'facetag-browser-'));
  const db = path.join(tmp, 'facetag.db');
  const photoRoot = path.join(tmp, 'photos');
  fs.mkdirSync(path.join(photoRoot, path.dirname(LOCATION)), { recursive: true });
  fs.copyFileSync(GROUP_PHOTO, path.join(photoRoot, LOCATION));

  const keys = {};
  for (const role of ['editor', 'ingest', 'customer', 'privacy']) keys[role] = await createKey(db, role);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = spawn(BINARY, ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`,
    '--photos', photoRoot, '--web', WEB], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => { serverLog = (serverLog + chunk).slice(-20_000); };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let exited = null;
  server.on('exit', (code, signal) => { exited = { code, signal }; });

  const deadline = Date.now() + 60_000;
  for (;;) {
    check(!exited, `the server exited during start-up (${JSON.stringify(exited)})`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    check(Date.now() < deadline, 'the server did not answer /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, keys };
}

async function stopServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

async function api(base, key, pathAndQuery, init = {}) {
  const r = await fetch(base + pathAndQuery, {
    ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers || {}) },
  });
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body, text };
}

// ---------------------------------------------------------------------------
// Page checks

// Every input, select and textarea must have a <label> tied to it.
async function checkLabels(page, where) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
      .filter((el) => !(el.labels && [...el.labels].some((l) => l.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 160)));
  check(unlabelled.length === 0, `${where}: inputs without a label:\n${unlabelled.join('\n')}`);
  const nameless = await page.evaluate(() =>
    [...document.querySelectorAll('button')]
      .filter((b) => !b.textContent.trim() && !b.getAttribute('aria-label'))
      .map((b) => b.outerHTML.slice(0, 160)));
  check(nameless.length === 0, `${where}: buttons without a name:\n${nameless.join('\n')}`);
  const noAlt = await page.evaluate(() =>
    [...document.querySelectorAll('img')].filter((i) => !i.hasAttribute('alt')).map((i) => i.outerHTML.slice(0, 160)));
  check(noAlt.length === 0, `${where}: images without alt text:\n${noAlt.join('\n')}`);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function newPage(browser, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  currentPage = page;
  return page;
}

async function signIn(page, key) {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#page').waitFor({ state: 'visible' });
}

// ---------------------------------------------------------------------------

async function main() {
  for (const [what, p] of [['facetag binary', BINARY], ['browser', CHROMIUM], ['enrolment photo', ENROL_PHOTO],
    ['group photo', GROUP_PHOTO], ['web pages', path.join(WEB, 'layout.html')]]) {
    if (!fs.existsSync(p)) {
      console.error(`web_flow: ${what} not found: ${p} (run scripts/setup.sh; FACETAG_DATA for the data)`);
      process.exit(1);
    }
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    console.error(`web_flow: playwright-core is not installed in ${HERE}/node_modules (run scripts/setup.sh)`);
    process.exit(1);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  let browser = null;
  const errors = [];  // uncaught exceptions in the pages
  try {
    let base, keys;
    await step('the server starts on a free loopback port with a new database', async () => {
      ({ base, keys } = await startServer());
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });

    // --- editor: the list, adding a person, enrolment -----------------------
    const editor = await newPage(browser, errors);
    await step('editor page: sign-in form is labelled; the key signs in', async () => {
      await editor.goto(`${base}/editor.html`);
      await checkLabels(editor, 'editor sign-in');
      await editor.getByLabel('API key').fill('ft_not_a_key');
      await editor.getByRole('button', { name: 'Sign in' }).click();
      await editor.locator('#signin-status.error', { hasText: 'not valid' }).waitFor();
      check(await editor.locator('#page').isHidden(), 'the page is shown after a wrong key');
      await signIn(editor, keys.editor);
      await editor.locator('#list-status', { hasText: '0 persons listed' }).waitFor();
    });

    await step('editor: a person is not listed unless all three criteria are confirmed', async () => {
      await editor.getByLabel('Name', { exact: true }).fill(PERSON);
      await editor.getByLabel('Aliases').fill('Obama, President Obama');
      await editor.getByLabel('Justification').fill('44th President of the United States; in the news every week.');
      await editor.getByLabel('A public figure').check();
      await editor.getByLabel('Recurring in the news').check();
      await editor.getByRole('button', { name: 'Add to the list' }).click();
      await editor.locator('#add-status.error', { hasText: 'all three criteria' }).waitFor();
      check(await editor.locator('#persons tbody tr[data-person]').count() === 0, 'a person was listed without all criteria');
    });

    await step('editor: adds the person with all three criteria; the list shows 0 profiles', async () => {
      await editor.getByLabel('Likely to be searched for by customers').check();
      const created = editor.waitForResponse((r) => r.url().endsWith('/api/v1/persons') && r.request().method() === 'POST');
      await editor.getByRole('button', { name: 'Add to the list' }).click();
      check((await created).status() === 201, `POST /api/v1/persons answered ${(await created).status()}, not 201`);
      await editor.locator('#add-status.ok', { hasText: `${PERSON} is listed` }).waitFor();
      const row = editor.locator('#persons tbody tr', { hasText: PERSON });
      await row.waitFor();
      check((await row.locator('td.profiles').textContent()).trim() === '0', 'a new person should have 0 profiles');
      check((await row.textContent()).includes('President Obama'), 'the aliases are not shown in the list');
      await editor.locator('#person-title', { hasText: PERSON }).waitFor();
    });

    await step('editor: adding the same name again shows the API’s error message', async () => {
      await editor.getByLabel('Name', { exact: true }).fill(PERSON);
      await editor.getByLabel('Justification').fill('Listed twice by mistake.');
      for (const l of ['A public figure', 'Recurring in the news', 'Likely to be searched for by customers']) {
        await editor.getByLabel(l).check();
      }
      const answer = editor.waitForResponse((r) => r.url().endsWith('/api/v1/persons') && r.request().method() === 'POST');
      await editor.getByRole('button', { name: 'Add to the list' }).click();
      const response = await answer;
      check(response.status() === 409, `a duplicate name answered ${response.status()}, not 409`);
      const message = (await response.json()).error.message;
      check(message, 'the 409 has no error message');
      const shown = editor.locator('#add-status.error');
      await shown.waitFor();
      check((await shown.textContent()).includes(message), `the page does not show the API's message "${message}"`);
      await editor.getByLabel('Name', { exact: true }).fill('');
      await editor.getByLabel('Justification').fill('');
    });

    await step('editor: a file that is not a photo is refused with the API’s message', async () => {
      // What the API answers to this upload (it stores nothing)...
      const personId = await editor.locator('#persons tbody tr', { hasText: PERSON }).getAttribute('data-person');
      const direct = await api(base, keys.editor, `/api/v1/persons/${personId}/profiles`, {
        method: 'POST', body: fs.readFileSync(NOT_A_PHOTO), headers: { 'Content-Type': 'text/csv' },
      });
      check(direct.status >= 400 && direct.status < 500 && direct.body && direct.body.error,
        `a CSV upload answered ${direct.status}: ${direct.text}`);
      const message = direct.body.error.message;
      // ...is what the page shows.
      await editor.getByLabel('Photos of this person').setInputFiles(NOT_A_PHOTO);
      await editor.getByRole('button', { name: 'Enrol', exact: true }).click();
      await editor.locator('#enrol-results li.error', { hasText: message }).waitFor();
      await editor.locator('#enrol-status.error').waitFor();
    });

    await step('editor: enrols a photo by upload; the profile count becomes 1', async () => {
      await editor.getByLabel('Photos of this person').setInputFiles(ENROL_PHOTO);
      await editor.getByRole('button', { name: 'Enrol', exact: true }).click();
      await editor.locator('#enrol-status.ok', { hasText: `1 photo enrolled for ${PERSON}` }).waitFor({ timeout: RECOGNITION_MS });
      await editor.locator('#person-profiles', { hasText: '1' }).waitFor();
      const row = editor.locator('#persons tbody tr', { hasText: PERSON });
      await row.locator('td.profiles', { hasText: '1' }).waitFor();
      await checkLabels(editor, 'editor.html');
    });

    // --- ingest through the API ---------------------------------------------
    let photoId;
    await step('ingest: POST /api/v1/photos stores two_people.jpg and names the person', async () => {
      const bytes = fs.readFileSync(GROUP_PHOTO);
      const r = await api(base, keys.ingest, `/api/v1/photos?location=${encodeURIComponent(LOCATION)}`, {
        method: 'POST', body: bytes, headers: { 'Content-Type': 'image/jpeg' },
      });
      check(r.status === 200 || r.status === 201, `ingest answered ${r.status}: ${r.text}`);
      // docs/http-api.md: {"photo_id", "faces"}; the server: {"photo": {"id", "faces"}}.
      const photo = r.body.photo || r.body;
      photoId = r.body.photo_id ?? photo.id;
      check(photoId, `ingest gave no photo id: ${r.text}`);
      const faces = photo.faces || [];
      check(faces.length >= 2, `two_people.jpg: ${faces.length} faces found, 2 expected`);
      const names = faces.map((f) => (f.person && f.person.name) || f.name).filter(Boolean);
      check(names.includes(PERSON), `two_people.jpg: ${PERSON} not recognised after enrolment (names: ${names.join(', ') || 'none'})`);
    });

    // --- editor: review -----------------------------------------------------
    await step('review page: the automatic tag with its thumbnail; the unknown face', async () => {
      await editor.goto(`${base}/review.html`);  // same tab: the key is kept
      await editor.locator('#page').waitFor({ state: 'visible' });
      const card = editor.locator('#auto-list li', { hasText: PERSON }).first();
      await card.waitFor();
      await editor.waitForFunction((sel) => {
        const img = document.querySelector(sel);
        return img && img.complete && img.naturalWidth > 0;
      }, '#auto-list li img');
      const unknown = editor.locator('#unknown-list li').first();
      await unknown.waitFor();
      await checkLabels(editor, 'review.html');
      await screenshot(editor, 'review');
    });

    await step('review: the editor confirms the tag with the keyboard', async () => {
      const card = editor.locator('#auto-list li', { hasText: PERSON }).first();
      await card.getByRole('button', { name: 'Confirm' }).focus();
      await editor.keyboard.press('Enter');
      await card.locator('.outcome', { hasText: `Confirmed: ${PERSON}` }).waitFor();
    });

    await step('editor page: the person’s recent photos show the ingested photo', async () => {
      await editor.goto(`${base}/editor.html`);
      await editor.locator('#persons tbody').getByRole('button', { name: PERSON }).click();
      await editor.locator('#person-title', { hasText: PERSON }).waitFor();
      await editor.waitForFunction(() => {
        const img = document.querySelector('#recent img');
        return img && img.complete && img.naturalWidth > 0;
      });
      check(await editor.evaluate(() => document.activeElement.id) === 'person-title',
        'choosing a person does not move focus to their details');
      await screenshot(editor, 'editor');
    });

    // --- customer: search and the face box ----------------------------------
    const customer = await newPage(browser, errors);
    await step('search page: signs in; the person field suggests the name; keyboard chooses it', async () => {
      await customer.goto(`${base}/index.html`);
      await signIn(customer, keys.customer);
      await checkLabels(customer, 'index.html');
      const input = customer.getByLabel('Person', { exact: true });
      await input.pressSequentially('bar', { delay: 30 });
      await customer.getByRole('option', { name: PERSON }).waitFor();
      check(await input.getAttribute('aria-expanded') === 'true', 'the suggestion list is not announced as expanded');
      await input.press('ArrowDown');
      await input.press('Enter');
      check(await input.inputValue() === PERSON, `choosing the suggestion left "${await input.inputValue()}" in the field`);
    });

    await step('search: the photo card shows with its image, the name and the confirmation', async () => {
      await customer.getByRole('button', { name: 'Search', exact: true }).click();
      const card = customer.locator(`#results button.card[data-photo="${photoId}"]`);
      await card.waitFor();
      check((await card.textContent()).includes(PERSON), 'the card does not name the person');
      check((await card.textContent()).includes('confirmed'), 'the card does not show the editor’s confirmation');
      await customer.waitForFunction((sel) => {
        const img = document.querySelector(sel);
        return img && img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:');
      }, `#results button.card[data-photo="${photoId}"] img`);
      await screenshot(customer, 'search');
    });

    await step('search: the card opens the photo with the face box over the person’s face', async () => {
      const card = customer.locator(`#results button.card[data-photo="${photoId}"]`);
      await card.click();
      const dialog = customer.locator('#detail');
      await dialog.waitFor({ state: 'visible' });
      const box = customer.locator(`#detail .face-box[data-name="${PERSON}"]`);
      await box.waitFor();
      await customer.waitForFunction(() => {
        const img = document.getElementById('detail-image');
        return img.complete && img.naturalWidth > 0;
      });
      const img = await customer.locator('#detail-image').boundingBox();
      const b = await box.boundingBox();
      check(img && b && img.width > 100, 'the detail image is not shown');
      // Where the API says the face is, scaled to the shown image.
      const meta = await api(base, keys.customer, `/api/v1/photos/${photoId}`);
      check(meta.status === 200, `GET /api/v1/photos/${photoId} answered ${meta.status}`);
      const face = meta.body.faces.find((f) => ((f.person && f.person.name) || f.person || f.name) === PERSON);
      check(face, `the photo's metadata has no face named ${PERSON}`);
      const sx = img.width / meta.body.width;
      const sy = img.height / meta.body.height;
      const want = { x: img.x + face.box.x * sx, y: img.y + face.box.y * sy, width: face.box.width * sx, height: face.box.height * sy };
      const TOL = 3;  // px: rounding of percentages
      for (const k of ['x', 'y', 'width', 'height']) {
        check(Math.abs(b[k] - want[k]) <= TOL,
          `face box ${k} is ${b[k].toFixed(1)} px, the API's box scaled to the shown image is ${want[k].toFixed(1)} px`);
      }
      // Independently of the API: the box lies on the image, has a face's
      // shape and size, and sits on the left person (Obama is on the left).
      check(b.x >= img.x - 1 && b.y >= img.y - 1 && b.x + b.width <= img.x + img.width + 1 &&
        b.y + b.height <= img.y + img.height + 1, 'the face box leaves the image');
      check(b.width > 0.05 * img.width && b.width < 0.6 * img.width, `the face box is ${b.width} px wide on a ${img.width} px image`);
      check(b.height / b.width > 0.7 && b.height / b.width < 1.8, `the face box's shape ${b.width}×${b.height} is not a face's`);
      check(b.x + b.width / 2 < img.x + img.width / 2, `${PERSON}'s box is not on the left person`);
      const label = box.locator('.face-name');
      check((await label.textContent()).trim() === PERSON, 'the box is not labelled with the name');
      check(await label.isVisible(), 'the name by the box is not visible');
      await screenshot(customer, 'photo-detail');
    });

    await step('search: Escape closes the photo and focus returns to its card', async () => {
      await customer.keyboard.press('Escape');
      await customer.locator('#detail').waitFor({ state: 'hidden' });
      const focused = await customer.evaluate(() => document.activeElement && document.activeElement.dataset.photo);
      check(String(focused) === String(photoId), 'focus did not return to the photo card');
    });

    await step('search: a date range before the photo finds nothing; clearing it finds it again', async () => {
      await customer.getByLabel('To date').fill('2000-01-01');
      await customer.getByRole('button', { name: 'Search', exact: true }).click();
      await customer.locator('#search-status', { hasText: `No photos of ${PERSON}` }).waitFor();
      check(await customer.locator('#results li').count() === 0, 'photos shown outside the date range');
      await customer.getByLabel('To date').fill('');
      await customer.getByRole('button', { name: 'Search', exact: true }).click();
      await customer.locator(`#results button.card[data-photo="${photoId}"]`).waitFor();
    });

    await step('roles: a customer on the editor page is told it is not for their key', async () => {
      await customer.goto(`${base}/editor.html`);
      await customer.locator('#signin .notice', { hasText: 'for the editor role' }).waitFor();
      check(await customer.locator('#page').isHidden(), 'the editor page is shown to a customer key');
    });

    // --- privacy officer: the audit log ---------------------------------------
    const privacy = await newPage(browser, errors);
    await step('privacy page: the audit log shows the confirmation; filtering by action works', async () => {
      await privacy.goto(`${base}/privacy.html`);
      await signIn(privacy, keys.privacy);
      const table = privacy.locator('#audit-table');
      await table.locator('tbody tr[data-id]', { hasText: 'tag.confirm' }).first().waitFor();
      for (const action of ['person.add', 'profile.add']) {
        check(await table.locator('tbody tr[data-id]', { hasText: action }).count() >= 1, `the audit log shows no ${action}`);
      }
      await screenshot(privacy, 'privacy');
      await privacy.getByLabel('Action').fill('tag.confirm');
      await privacy.getByRole('button', { name: 'Show', exact: true }).click();
      await privacy.locator('#audit-status', { hasText: /entr(y|ies) on page 1/ }).waitFor();
      const actions = await table.locator('tbody tr[data-id] td:nth-child(4)').allTextContents();
      check(actions.length >= 1 && actions.every((a) => a.trim() === 'tag.confirm'),
        `filtered by action tag.confirm, the table shows: ${actions.join(', ')}`);
      await checkLabels(privacy, 'privacy.html');
    });

    await step('no page threw an uncaught error', async () => {
      check(errors.length === 0, errors.join('\n'));
    });
  } catch (e) {
    if (!e.reported) {
      failed++;
      console.log(`not ok ${passed + failed} - ${e.stack || e}`);
    }
    if (currentPage) await currentPage.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {});
    if (serverLog) console.log(`--- server log (last lines) ---\n${serverLog.split('\n').slice(-30).join('\n')}`);
  } finally {
    if (browser) await browser.close();
    await stopServer();
  }
  console.log(`screenshots in ${ARTIFACTS}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
