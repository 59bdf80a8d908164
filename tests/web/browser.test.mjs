// The browser app in Debian's chromium (headless, playwright-core) against a running stack
// (tests/web/browser_test.sh starts it and sets the environment). Every check reads what a
// person would see on the page, and what the JSON API then says is stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../clients/web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const BASE = process.env.BURNOUT_WEB_URL;
const SHOTS = process.env.SCREENSHOT_DIR;
const PHOTO = '../shared/data/faces/astronaut.png';
const JOURNAL = 'I am exhausted. Every day feels the same, the deadlines never stop and I cannot ' +
  'sleep. I used to love this work.';

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      '--use-fake-ui-for-media-stream', // grants camera and microphone without a prompt
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${process.env.BURNOUT_FAKE_VIDEO}`,
      `--use-file-for-fake-audio-capture=${process.env.BURNOUT_FAKE_AUDIO}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
});

after(async () => {
  await browser?.close();
});

// The JSON API as another client of the stack (to set up and to check what is stored).
async function api(method, token, body) {
  const res = await fetch(`${BASE}/api/v1/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function tokenFor(user, role = 'person') {
  const r = await api('SignIn', null, { user_id: user, role });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.token;
}

// A page whose console errors and failed requests fail the test.
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A live session's event stream is aborted on purpose when the page leaves it.
    // (and an object URL of a preview is revoked once it is replaced).
    if (!r.url().includes('/events') && !r.url().startsWith('blob:')) page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(BASE) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) {
      page.problems.push(`request outside the app: ${r.url()}`);
    }
  });
  return page;
}

async function signIn(page, user, role = 'person') {
  await page.goto(BASE);
  await page.getByLabel('User id').fill(user);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').filter({ hasText: user }).waitFor();
}

async function open(page, hash) {
  await page.goto(`${BASE}/#${hash}`);
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
}

// axe-core over the whole page: no serious or critical violation.
async function checkAccessibility(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${name}: ${JSON.stringify(serious, null, 1)}`);
  return result;
}

// The whole page, and the first screen: what a tired person sees before scrolling.
async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.first-screen.png`) });
}

async function visibleAlert(page) {
  return (await page.locator('#alerts').innerText()).trim();
}

const ana = 'pw-ana';
let anaToken;
let assessedId;

test('an assessment from the Assessment page round-trips into Results and History', async () => {
  anaToken = await tokenFor(ana);
  const page = await newPage();
  await signIn(page, ana);
  await open(page, '/assess');
  await page.getByLabel('How was your day?').fill(JOURNAL);
  await page.getByLabel('A WAV recording').setInputFiles(process.env.BURNOUT_FAKE_AUDIO);
  if (fs.existsSync(PHOTO)) await page.getByLabel('A photo (JPEG or PNG)').setInputFiles(PHOTO);
  await shot(page, '1-assessment');
  await page.getByRole('button', { name: 'Assess', exact: true }).click();
  await page.waitForURL(/#\/results\/.+/, { timeout: 60000 });
  assessedId = decodeURIComponent(page.url().split('#/results/')[1]);
  const headline = page.getByTestId('results-headline');
  await headline.waitFor();
  // At a glance: the level in words and a percentage, then the notice.
  assert.match(await headline.innerText(), /(low|moderate|high)/i);
  assert.match(await page.locator('main').innerText(), /not a diagnosis/i);

  // Stored: the API has it, with the three modalities the page sent.
  const stored = await api('GetAssessment', anaToken, { user_id: ana, assessment_id: assessedId });
  assert.equal(stored.status, 200, JSON.stringify(stored.json));
  const used = stored.json.modalities.filter((m) => m.used).map((m) => m.modality);
  assert.ok(used.includes('MODALITY_TEXT') && used.includes('MODALITY_VOICE'), used.join());
  // The journal's plain words and the page agree: this entry is not read as low risk.
  assert.notEqual(stored.json.risk.level, 'RISK_LEVEL_LOW');
  assert.match(await headline.innerText(), new RegExp(stored.json.risk.level.replace('RISK_LEVEL_', ''), 'i'));

  // History lists it; opening the row shows the same result.
  await open(page, '/history');
  const table = page.getByTestId('history-table');
  await table.waitFor();
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 1);
  await rows.first().getByRole('link').first().click();
  await page.waitForURL(new RegExp(`#/results/${encodeURIComponent(assessedId)}`));
  await page.getByTestId('results-headline').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the Real-Time page streams the fake camera and microphone and stores the summary', async () => {
  const page = await newPage();
  await signIn(page, ana);
  await open(page, '/live');
  await page.getByTestId('live-start').click();
  // Live: a fused risk and per-modality updates while it streams.
  await page.getByTestId('live-risk').filter({ hasText: /%/ }).waitFor({ timeout: 30000 });
  const updates = page.getByTestId('live-updates');
  await page.waitForFunction(() => {
    const list = document.querySelector('[data-testid="live-updates"]');
    return list && /voice/i.test(list.textContent) && /face/i.test(list.textContent);
  }, null, { timeout: 30000 });
  await page.waitForTimeout(6000);
  await shot(page, '2-real-time');
  assert.ok((await updates.innerText()).length > 0);
  await page.getByTestId('live-stop').click();
  const summary = page.getByTestId('live-summary');
  await summary.waitFor({ state: 'visible', timeout: 60000 });
  await page.getByTestId('live-results-link').waitFor();
  await shot(page, '2-real-time-summary');
  const text = await summary.innerText();
  assert.match(text, /beginning/i);

  // Stored: the newest assessment is the session, with both live modalities used.
  const history = await api('GetHistory', anaToken, { user_id: ana, limit: 5 });
  assert.equal(history.status, 200);
  const newest = history.json.assessments[0];
  assert.ok(newest.session && newest.session.session_id, JSON.stringify(newest).slice(0, 300));
  const used = newest.modalities.filter((m) => m.used).map((m) => m.modality);
  assert.ok(used.includes('MODALITY_VOICE'), JSON.stringify(newest.modalities.map((m) => [m.modality, m.mask_reason])));
  assert.ok(used.includes('MODALITY_FACE'), JSON.stringify(newest.modalities.map((m) => [m.modality, m.mask_reason])));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('every page renders against the stack with no serious accessibility violation', async () => {
  // A check-in so Trends and the Dashboard have every kind of point.
  const form = await api('GetCheckInForm', anaToken, {});
  const answers = form.json.items.map(() => 3);
  const checkin = await api('CheckIn', anaToken, { user_id: ana, answers });
  assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
  const page = await newPage();
  await signIn(page, ana);
  const pages = [
    ['assess', '/assess'], ['real-time', '/live'], ['results', `/results/${encodeURIComponent(assessedId)}`],
    ['trends', '/trends'], ['dashboard', '/dashboard'], ['history', '/history'], ['about', '/about'],
  ];
  for (const [name, hash] of pages) {
    await open(page, hash);
    await page.waitForTimeout(300); // charts draw after their data arrives
    assert.equal(await visibleAlert(page), '', `${name} shows an error`);
    await checkAccessibility(page, name);
    await shot(page, `3-${name}`);
  }
  // About reads the models from their manifests.
  await open(page, '/about');
  const about = await page.locator('main').innerText();
  for (const model of ['text-emotion-goemotions', 'face-expression-fer', 'fusion-attention', 'temporal-gru']) {
    assert.ok(about.includes(model), `About does not list ${model}`);
  }
  assert.match(about, /FER2013/);
  // Keyboard: the skip link takes focus to the main content, and Tab alone reaches every page
  // of the navigation.
  await page.locator('#skip-link').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.locator('#skip-link').focus();
  const reached = new Set();
  for (let i = 0; i < 40 && reached.size < 7; ++i) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => document.activeElement.closest('nav') ? document.activeElement.textContent.trim() : '');
    if (name) reached.add(name);
  }
  assert.equal(reached.size, 7, [...reached].join(', '));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an operator sees the organisation view and no person', async () => {
  const page = await newPage();
  await signIn(page, 'pw-operator', 'operator');
  await open(page, '/dashboard');
  const text = await page.locator('main').innerText();
  assert.match(text, /Anonymous totals over groups/);
  assert.match(text, /fewer than 5 people/);
  assert.ok(!text.includes(ana), 'the operator view names a person');
  await checkAccessibility(page, 'operator dashboard');
  await shot(page, '4-operator-dashboard');
  await page.context().close();
});

test('a person cannot open another person\'s results', async () => {
  const page = await newPage();
  await signIn(page, 'pw-bob');
  await page.goto(`${BASE}/#/results/${encodeURIComponent(assessedId)}`);
  await page.locator('#alerts').filter({ hasText: /./ }).waitFor();
  assert.equal(await page.getByTestId('results-headline').count(), 0);
  assert.ok(!(await page.locator('main').innerText()).includes('exhausted'));
  await shot(page, '5-another-persons-results');
  // Nor through the API with their token.
  const bobToken = await tokenFor('pw-bob');
  const r = await api('GetAssessment', bobToken, { user_id: ana, assessment_id: assessedId });
  assert.equal(r.status, 403);
  assert.equal(r.json.code, 'PERMISSION_DENIED');
  await page.context().close();
});

test('delete removes one assessment, then everything', async () => {
  const page = await newPage();
  await signIn(page, ana);
  await open(page, '/history');
  const rows = page.getByTestId('history-table').locator('tbody tr');
  const before = await rows.count();
  assert.ok(before >= 2, `${before} rows`);
  const target = rows.filter({ has: page.locator(`a[href$="${encodeURIComponent(assessedId)}"]`) });
  await target.getByTestId('delete-assessment').click();
  await page.getByTestId('confirm-delete').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="history-table"] tbody tr').length === n,
    before - 1);
  const gone = await api('GetAssessment', anaToken, { user_id: ana, assessment_id: assessedId });
  assert.equal(gone.status, 404);

  await page.getByLabel(/Type your user id/).fill(ana);
  await page.getByTestId('delete-everything').click();
  await page.getByTestId('delete-result').waitFor();
  await shot(page, '6-deleted');
  const history = await api('GetHistory', anaToken, { user_id: ana });
  assert.equal(history.status, 200);
  assert.equal((history.json.assessments || []).length, 0);
  const checkins = await api('GetCheckIns', anaToken, { user_id: ana });
  assert.equal((checkins.json.checkins || []).length, 0);
  await page.context().close();
});
