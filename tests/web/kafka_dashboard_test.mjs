// The dashboard's health panel with a Kafka source, in headless Chromium:
// the partitions' table (each partition's next offset and lag, the total),
// the brokers, rebalances and consumer-lag tiles, updating live while more
// messages are produced (kcat), and never a secret. Run by
// kafka_dashboard_test.py against `starling demo --source kafka://...` on the
// real broker of the ctest fixture, with:
//   BASE_URL, ARTIFACT_DIR, KCAT, KAFKA_BOOTSTRAP, KAFKA_TOPIC, SECRET,
//   FIRST ({"0": 60, ...}: what the topic holds when the test starts),
//   SECOND ([{"partition": 0, "file": "...", "count": 1500}, ...]: produced here),
//   REBALANCES (what /api/v1/stats said).

import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..', '..', 'web');
const env = process.env;
const BASE_URL = env.BASE_URL;
const ARTIFACT_DIR = resolve(env.ARTIFACT_DIR || join(tmpdir(), 'starling-dashboard-artifacts'));
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';

function die(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
for (const k of ['BASE_URL', 'KCAT', 'KAFKA_BOOTSTRAP', 'KAFKA_TOPIC', 'SECRET', 'FIRST', 'SECOND', 'REBALANCES']) {
  if (!env[k]) die(`set ${k}`);
}
const FIRST = Object.fromEntries(Object.entries(JSON.parse(env.FIRST)).map(([p, n]) => [Number(p), n]));
const SECOND = JSON.parse(env.SECOND);
const AFTER = { ...FIRST };
for (const s of SECOND) AFTER[s.partition] += s.count;
const { chromium } = createRequire(join(webDir, 'package.json'))('playwright-core');
mkdirSync(ARTIFACT_DIR, { recursive: true });
const watchdog = setTimeout(() => die('the test took over 120 s'), 120000);

// Produces a file's lines to one partition with kcat.
function produce({ partition, file }) {
  return new Promise((ok, fail) => {
    const p = spawn(env.KCAT, ['-P', '-b', env.KAFKA_BOOTSTRAP, '-t', env.KAFKA_TOPIC, '-p', String(partition),
      '-X', 'message.timeout.ms=30000'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`kcat -P -p ${partition}: exit ${code}: ${err}`))));
    createReadStream(file).pipe(p.stdin);
  });
}

// What the partitions block shows: attributes and the cells' text.
async function shown(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-panel="stats"] [data-testid="source-partitions"]');
    if (!el) return null;
    const rows = [...el.querySelectorAll('tbody tr[data-partition]')].map((tr) => ({
      partition: Number(tr.dataset.partition),
      next: tr.dataset.nextOffset === '' ? null : Number(tr.dataset.nextOffset),
      lag: tr.dataset.lag === '' ? null : Number(tr.dataset.lag),
      cells: [...tr.children].map((c) => c.textContent.trim()),
    }));
    const total = el.querySelector('tfoot [data-total-lag]');
    return {
      hidden: el.hidden,
      partitions: el.dataset.partitions ?? null,
      totalLag: el.dataset.totalLag ?? null,
      totalText: total ? total.textContent.trim() : null,
      caption: el.querySelector('caption')?.textContent ?? '',
      rows,
    };
  });
}

const at = (rows, want) => rows.length === Object.keys(want).length &&
  rows.every((r) => want[r.partition] === r.next && r.lag === 0);

// Polls (bounded) until the table shows every partition at `want` with lag
// 0; returns the last view and the total lags it showed on the way.
async function waitFor(page, want, seconds, what) {
  const lags = [];
  let view = null;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    view = await shown(page);
    if (view && !view.hidden && view.totalLag !== null && view.totalLag !== '') {
      const t = Number(view.totalLag);
      if (lags[lags.length - 1] !== t) lags.push(t);
    }
    if (view && !view.hidden && at(view.rows, want) && view.totalLag === '0') return { view, lags };
    await page.waitForTimeout(100);
  }
  die(`${what}: the table does not show ${JSON.stringify(want)} with lag 0 within ${seconds} s: ${JSON.stringify(view)}`);
  return null;
}

async function tile(page, label) {
  const t = page.locator('[data-panel="stats"] .tile', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });
  if ((await t.count()) !== 1) return null;
  return { value: ((await t.locator('dd').textContent()) ?? '').trim(), title: await t.getAttribute('title') };
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' || (m.type() === 'warning' && m.text().startsWith('starling:'))) errors.push(`console: ${m.text()}`);
  });
  await page.goto(BASE_URL);

  // The topic as it is when the page opens: consumed, lag 0.
  const first = await waitFor(page, FIRST, 45, 'first batch');
  const v = first.view;
  if (v.partitions !== String(Object.keys(FIRST).length)) die(`data-partitions is ${v.partitions}`);
  for (const r of v.rows) {
    // partition, next offset (formatted), lag, the bar
    const want = [String(r.partition), FIRST[r.partition].toLocaleString('en-US'), '0'];
    if (JSON.stringify(r.cells.slice(0, 3)) !== JSON.stringify(want)) die(`row ${r.partition} reads ${JSON.stringify(r.cells)}, want ${JSON.stringify(want)}`);
  }
  if (v.totalText !== '0') die(`the total lag reads "${v.totalText}"`);
  if (!v.caption.includes('brokers 1') || !v.caption.includes(`rebalances ${env.REBALANCES}`)) die(`caption: "${v.caption}"`);
  const brokers = await tile(page, 'brokers');
  const rebalances = await tile(page, 'rebalances');
  const lag = await tile(page, 'consumer lag');
  const source = await tile(page, 'source');
  if (brokers?.value !== '1') die(`brokers tile: ${JSON.stringify(brokers)}`);
  if (rebalances?.value !== env.REBALANCES) die(`rebalances tile: ${JSON.stringify(rebalances)}, want ${env.REBALANCES}`);
  if (lag?.value !== '0') die(`consumer lag tile: ${JSON.stringify(lag)}`);
  if (source?.value !== 'up') die(`source tile: ${JSON.stringify(source)}`);
  // A Kafka source has no reconnects or duplicates to show.
  if (await tile(page, 'reconnects')) die('a reconnects tile for a Kafka source');
  const sparks = await page.locator('[data-panel="stats"] svg[data-chart="health"] .spark-label').allTextContents();
  if (!sparks.includes('consumer lag')) die(`no consumer lag sparkline: ${JSON.stringify(sparks)}`);
  console.log(`ok: the page shows ${v.rows.length} partitions at ${JSON.stringify(FIRST)}, lag 0 (total lags shown: ${JSON.stringify(first.lags)})`);

  // More messages: the table follows live, and the lag comes back to 0.
  const t0 = Date.now();
  const producing = Promise.all(SECOND.map(produce));
  const second = await waitFor(page, AFTER, 60, 'second batch');
  await producing;
  const rose = second.lags.some((l) => l > 0);
  console.log(`ok: live update to ${JSON.stringify(AFTER)}, lag 0 again in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
    `(total lags shown on the way: ${JSON.stringify(second.lags)}${rose ? '' : '; the consumer kept up, no lag above 0 caught'})`);
  if ((await tile(page, 'rebalances'))?.value !== env.REBALANCES) die('a rebalance while reading');

  // No secret anywhere on the page; the spec shows redacted.
  const html = await page.content();
  if (html.includes(env.SECRET)) die('the page holds the secret');
  const sub = await page.locator('[data-panel="stats"] .panel-sub').textContent();
  if (!sub.includes('rdkafka.sasl.password=***')) die(`the panel's subtitle does not show the redacted spec: "${sub}"`);

  await page.locator('[data-panel="stats"]').screenshot({ path: join(ARTIFACT_DIR, 'kafka-health.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(800);
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (sideways > 0) die(`the page scrolls sideways by ${sideways} px at 390 px`);
  await page.locator('[data-panel="stats"]').screenshot({ path: join(ARTIFACT_DIR, 'kafka-health-390.png') });
  if (errors.length) die(`page errors: ${errors.join('; ')}`);
  console.log('ok: the health panel shows the Kafka partitions, brokers, rebalances and lag; no secret');
} finally {
  await browser.close();
  clearTimeout(watchdog);
}
