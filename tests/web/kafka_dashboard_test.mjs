// The dashboard's health panel with a Kafka source, in headless Chromium:
// the partitions' table (each partition's next offset and lag, the total),
// the brokers, rebalances and consumer-lag tiles, updating live while more
// messages are produced (kcat), and never a secret. Run by
// kafka_dashboard_test.py against `starling demo --source kafka://...` on the
// real broker of the ctest fixture, with:
//   BASE_URL, ARTIFACT_DIR, KCAT, KAFKA_BOOTSTRAP, KAFKA_TOPIC, SECRET,
//   FIRST ({"0": 60, ...}: what the topic holds when the test starts),
//   SECOND ([{"partition": 0, "file": "...", "count": 1500}, ...]: produced here),
//   REBALANCES (what /api/v1/stats said), BATCH (messages per produced batch).

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
const watchdog = setTimeout(() => die('the test took over 140 s'), 140000);

// Produces a file's lines to one partition with kcat.
function produce({ partition, file }) {
  return new Promise((ok, fail) => {
    const p = spawn(env.KCAT, ['-P', '-b', env.KAFKA_BOOTSTRAP, '-t', env.KAFKA_TOPIC, '-p', String(partition),
      '-X', 'message.timeout.ms=30000', '-X', `batch.num.messages=${env.BATCH || 10000}`, '-X', 'linger.ms=100'],
    { stdio: ['pipe', 'ignore', 'pipe'] });
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
// With `shot`, the stats panel is saved there the first time it shows a lag.
async function waitFor(page, want, seconds, what, shot = null) {
  const lags = [];
  let view = null;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    view = await shown(page);
    if (view && !view.hidden && view.totalLag !== null && view.totalLag !== '') {
      const t = Number(view.totalLag);
      if (lags[lags.length - 1] !== t) lags.push(t);
      if (shot && t > 0) {
        await page.locator('[data-panel="stats"]').screenshot({ path: shot });
        shot = null;
      }
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

  // More messages, read slowly: the table follows live, its lag rises and
  // comes back to 0, and /metrics shows the lag meanwhile.
  const t0 = Date.now();
  const producing = Promise.all(SECOND.map(produce));
  const metricsLags = [];
  let polling = true;
  const metricsPoll = (async () => {
    while (polling) {
      try {
        const text = await (await fetch(new URL('metrics', BASE_URL))).text();
        if (text.includes(env.SECRET)) die('/metrics holds the secret');
        const sum = text.split('\n').filter((l) => l.startsWith('starling_source_partition_lag{'))
          .reduce((t, l) => t + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        if (metricsLags[metricsLags.length - 1] !== sum) metricsLags.push(sum);
      } catch (e) {
        die(`GET /metrics: ${e}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  const second = await waitFor(page, AFTER, 90, 'second batch', join(ARTIFACT_DIR, 'kafka-health-lag.png'));
  polling = false;
  await Promise.all([producing, metricsPoll]);
  console.log(`ok: live update to ${JSON.stringify(AFTER)}, lag 0 again in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
    `(total lags the page showed on the way: ${JSON.stringify(second.lags)}; /metrics: ${JSON.stringify(metricsLags)})`);
  if (!second.lags.some((l) => l > 0)) die(`the page never showed a lag above 0 while the second batch was read: ${JSON.stringify(second.lags)}`);
  if (!metricsLags.some((l) => l > 0)) die(`/metrics never showed a lag above 0 while the second batch was read: ${JSON.stringify(metricsLags)}`);
  if ((await tile(page, 'rebalances'))?.value !== env.REBALANCES) die('a rebalance while reading');

  // No secret anywhere on the page; the spec shows redacted.
  const html = await page.content();
  if (html.includes(env.SECRET)) die('the page holds the secret');
  const sub = await page.locator('[data-panel="stats"] .panel-sub').textContent();
  if (!sub.includes('rdkafka.sasl.password=***')) die(`the panel's subtitle does not show the redacted spec: "${sub}"`);

  await page.locator('[data-panel="stats"]').screenshot({ path: join(ARTIFACT_DIR, 'kafka-health.png') });
  // At 390 px the page does not scroll sideways (once the charts have been
  // redrawn for the new width: bounded).
  await page.setViewportSize({ width: 390, height: 844 });
  let sideways = null;
  for (let i = 0; i < 25; i++) {
    await page.waitForTimeout(200);
    sideways = await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= w + 2) return null;
      // An element past the edge, or one whose text overflows it (a long spec).
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 2 ||
        (e.children.length === 0 && e.scrollWidth > e.clientWidth + 2 && getComputedStyle(e).overflowX === 'visible'));
      return wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`).join(', ');
    });
    if (sideways === null) break;
  }
  if (sideways !== null) die(`the page scrolls sideways at 390 px: ${sideways}`);
  await page.locator('[data-panel="stats"]').screenshot({ path: join(ARTIFACT_DIR, 'kafka-health-390.png') });
  if (errors.length) die(`page errors: ${errors.join('; ')}`);
  console.log('ok: the health panel shows the Kafka partitions, brokers, rebalances and lag; no secret');
} finally {
  await browser.close();
  clearTimeout(watchdog);
}
