// The browser app's figures in Debian's chromium against a running stack on loopback:
//  - page load: navigation to the page's load event, and to its last API answer (the page
//    showing its data), over repeated cold loads (a new browser context each: no cache);
//  - live update latency: capture time (the page stamps each chunk and frame with its clock)
//    to the update being rendered on the Real-Time page, for per-modality and fused updates.
// Run through the stack wrapper:
//   tests/web/with_stack.sh build/bin node benchmarks/web_browser_bench.mjs [loads=15] [live_s=30]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../clients/web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const BASE = process.env.BURNOUT_WEB_URL;
const loads = Number(process.argv[2] || 15);
const liveSeconds = Number(process.argv[3] || 30);
const user = 'bench-person';

function pct(values, q) {
  if (!values.length) return NaN;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.round(q * (v.length - 1)))];
}

async function api(method, token, body) {
  const res = await fetch(`${BASE}/api/v1/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return res.json();
}

const token = (await api('SignIn', null, { user_id: user })).token;
for (let i = 0; i < 8; ++i) {
  const text = Buffer.from(`Day ${i}: long meetings, a deadline moved again, I am tired.`).toString('base64');
  await api('Assess', token, { user_id: user, text });
}
const newest = (await api('GetHistory', token, { user_id: user, limit: 1 })).assessments[0].assessment_id;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${process.env.BURNOUT_FAKE_VIDEO}`,
    `--use-file-for-fake-audio-capture=${process.env.BURNOUT_FAKE_AUDIO}`],
});
const session = JSON.stringify({ token, user_id: user, role: 'person' });

console.log(`page load on loopback, ${loads} cold loads each (ms; chromium headless, 2 cores)`);
console.log(`${'page'.padEnd(10)} ${'load p50'.padStart(9)} ${'p99'.padStart(7)} ${'data p50'.padStart(9)} ${'p99'.padStart(7)}  API calls`);
for (const [name, hash] of [['assess', '/assess'], ['results', `/results/${newest}`], ['trends', '/trends'],
  ['dashboard', '/dashboard'], ['history', '/history'], ['about', '/about']]) {
  const load = [], data = [];
  let calls = 0;
  for (let i = 0; i < loads; ++i) {
    const context = await browser.newContext();
    // Signed in as the app keeps it (sessionStorage), before the page's scripts run.
    await context.addInitScript((s) => { sessionStorage.setItem('burnout-risk.session', s); }, session);
    const page = await context.newPage();
    await page.goto(`${BASE}/#${hash}`);
    await page.locator('main h1').first().waitFor();
    await page.waitForLoadState('networkidle');
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const apiCalls = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/v1/'));
      return { load: nav.loadEventEnd, data: Math.max(nav.loadEventEnd, ...apiCalls.map((r) => r.responseEnd)),
        calls: apiCalls.length };
    });
    load.push(t.load);
    data.push(t.data);
    calls = t.calls;
    await context.close();
  }
  console.log(`${name.padEnd(10)} ${pct(load, 0.5).toFixed(1).padStart(9)} ${pct(load, 0.99).toFixed(1).padStart(7)} ` +
    `${pct(data, 0.5).toFixed(1).padStart(9)} ${pct(data, 0.99).toFixed(1).padStart(7)}  ${calls}`);
}

// Live: microphone and camera (Chromium's fake devices) for liveSeconds.
{
  const context = await browser.newContext();
  await context.addInitScript((s) => { sessionStorage.setItem('burnout-risk.session', s); }, session);
  const page = await context.newPage();
  await page.goto(`${BASE}/#/live`);
  await page.getByTestId('live-start').click();
  await page.waitForTimeout(liveSeconds * 1000);
  await page.getByTestId('live-stop').click();
  await page.getByTestId('live-summary').waitFor({ state: 'visible', timeout: 60000 });
  const lat = await page.evaluate(() => window.burnoutLiveLatencyMs || { modality: [], fused: [] });
  console.log(`\nlive update latency, capture to the page (ms), ${liveSeconds} s session, camera + microphone`);
  console.log(`${'update'.padEnd(10)} ${'n'.padStart(5)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`);
  for (const kind of ['modality', 'fused']) {
    console.log(`${kind.padEnd(10)} ${String(lat[kind].length).padStart(5)} ${pct(lat[kind], 0.5).toFixed(1).padStart(8)} ` +
      `${pct(lat[kind], 0.99).toFixed(1).padStart(8)}`);
  }
  await context.close();
}
await browser.close();
