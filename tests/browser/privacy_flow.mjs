#!/usr/bin/env node
// Browser test of the privacy officer's page against the real server:
// headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
//
// A request is registered and refused (first without a reason: refused by
// the server, shown), a name and a photo are looked up (the photo answer
// says it was discarded), the access export is offered, the audit log
// verifies, a purge dry run counts, an opt-out is made and listed. Every
// input must have a label. Screenshots go to test-artifacts/browser/.
//
//   node tests/browser/privacy_flow.mjs [--binary PATH]
// Environment as web_flow.mjs: FACETAG_BINARY, FACETAG_DATA, FACETAG_CHROMIUM,
// FACETAG_ARTIFACTS, FACETAG_WEB, TMPDIR. Exit code 0 when every check passed.

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
const { values: args } = parseArgs({ options: { binary: { type: 'string' } } });
const BINARY = path.resolve(args.binary || process.env.FACETAG_BINARY || path.join(REPO, 'build/apps/facetag/facetag'));
const DATA = path.resolve(process.env.FACETAG_DATA || path.join(REPO, '..', 'shared', 'data'));
const CHROMIUM = process.env.FACETAG_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.resolve(process.env.FACETAG_ARTIFACTS || path.join(REPO, 'test-artifacts', 'browser'));
const WEB = path.resolve(process.env.FACETAG_WEB || path.join(REPO, 'web'));
const EXAMPLES = path.join(DATA, 'photos', 'face_recognition', 'examples');
const WAIT_MS = 15_000;
const RECOGNITION_MS = 90_000;

const run = promisify(execFile);
let passed = 0;
let failed = 0;
class CheckFailed extends Error {}
function check(condition, message) { if (!condition) throw new CheckFailed(message); }
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${passed + failed} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${passed + failed} - ${name}\n  ${(e instanceof CheckFailed ? e.message : e.stack || e)}`);
    throw e;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function main() {
  const { chromium } = await import('playwright-core');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'facetag-privacy-browser-'));
  const db = path.join(tmp, 'facetag.db');
  const common = ['--db', db, '--key', path.join(tmp, 'config', 'secret.key')];
  const key = async (role) => JSON.parse((await run(BINARY, [...common, '--json', 'key', 'create',
    '--role', role])).stdout).secret;
  const keys = { privacy: await key('privacy'), editor: await key('editor') };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(BINARY, [...common, 'serve', '--listen', `127.0.0.1:${port}`, '--web', WEB,
    '--export-dir', path.join(tmp, 'exports')], { stdio: 'ignore' });
  let browser = null;
  const errors = [];
  try {
    await step('the server starts', async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
        check(Date.now() < deadline, 'no answer from /healthz within 60 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    });
    await step('an editor lists Barack Obama with a profile (API)', async () => {
      const auth = { Authorization: `Bearer ${keys.editor}` };
      const r = await fetch(`${base}/api/v1/persons`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Barack Obama', justification: '44th president',
          criteria: { public_figure: true, recurring_in_news: true, likely_searched: true } }) });
      check(r.status === 201, `POST /persons: ${r.status}`);
      const { id } = await r.json();
      const e = await fetch(`${base}/api/v1/persons/${id}/profiles`, { method: 'POST',
        headers: { ...auth, 'Content-Type': 'image/jpeg' }, body: fs.readFileSync(path.join(EXAMPLES, 'obama.jpg')) });
      check(e.status === 201, `enrol: ${e.status}`);
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => d.accept());

    await step('privacy page: signs in; every input has a label', async () => {
      await page.goto(`${base}/privacy.html`);
      await page.getByLabel('API key').fill(keys.privacy);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#page').waitFor({ state: 'visible' });
      await page.locator('#requests-status').waitFor();
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => !['hidden', 'submit', 'button', 'reset'].includes(el.type))
        .filter((el) => !(el.labels && [...el.labels].some((l) => l.textContent.trim())))
        .map((el) => el.outerHTML.slice(0, 120)));
      check(unlabelled.length === 0, `inputs without a label:\n${unlabelled.join('\n')}`);
    });

    await step('a request is registered with its due date', async () => {
      await page.getByLabel('Kind', { exact: true }).selectOption('removal');
      await page.getByLabel('Received on').fill('2026-01-31');
      await page.getByLabel('Requester', { exact: true }).fill('A. Person');
      await page.getByLabel('Contact', { exact: true }).fill('a@example.org');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.locator('#request-add-status', { hasText: 'due 2026-02-28' }).waitFor();
      await page.locator('article.card', { hasText: 'overdue' }).waitFor();
    });

    await step('a refusal without a reason is refused; with one it is recorded', async () => {
      await page.getByLabel('Verdict').selectOption('refused');
      await page.locator('#decide-1-decision').fill('kept in the archive');
      await page.getByRole('button', { name: 'Decide' }).click();
      await page.locator('#decide-1-status.error', { hasText: 'reason' }).waitFor();
      await page.locator('#decide-1-reason').fill('the photos document a public office');
      await page.getByRole('button', { name: 'Decide' }).click();
      await page.locator('article.card', { hasText: 'the photos document a public office' }).waitFor();
    });

    await step('a name and a photo are looked up; the photo answer says it was discarded', async () => {
      await page.getByLabel('Name or alias').fill('barack obama');
      await page.getByRole('button', { name: 'Look up name' }).click();
      await page.locator('#lookup-answer', { hasText: 'is on the list' }).waitFor();
      await page.getByLabel('Photo of the requester').setInputFiles(path.join(EXAMPLES, 'obama2.jpg'));
      await page.getByRole('button', { name: 'Look up photo' }).click();
      await page.locator('#lookup-answer', { hasText: 'discarded' }).waitFor({ timeout: RECOGNITION_MS });
    });

    await step('the access export is offered as a zip', async () => {
      await page.getByRole('button', { name: 'Access export for Barack Obama' }).click();
      await page.locator('#lookup-answer a[download]').waitFor();
    });

    await step('the audit log verifies; a purge dry run counts', async () => {
      await page.getByRole('button', { name: 'Verify the audit log' }).click();
      await page.locator('#audit-verify', { hasText: 'Intact' }).waitFor();
      await page.getByRole('button', { name: 'Purge: dry run' }).click();
      await page.locator('#purge-report', { hasText: 'Would purge' }).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'privacy.png'), fullPage: true });
    });

    await step('an opt-out removes the person and appears among the records', async () => {
      await page.getByRole('button', { name: 'Opt Barack Obama out' }).click();
      await page.locator('#lookup-status', { hasText: 'opted out' }).waitFor();
      await page.locator('#suppressions', { hasText: 'Record 1' }).waitFor();
    });

    await step('no script errors', async () => {
      check(errors.length === 0, `page errors:\n${errors.join('\n')}`);
    });
  } catch { /* reported by step */ } finally {
    if (browser) await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
