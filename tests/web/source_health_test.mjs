// The dashboard's health panel with a provider source: the page shows the
// source's connection (connected, reconnects, duplicates dropped) from
// /api/v1/stats, and no partitions' table (that is for Kafka:
// kafka_dashboard_test.mjs). Run by run_browser_test.sh against `starling demo --source`
// reading a local Jetstream replay server.
//
//   BASE_URL=http://127.0.0.1:8080/ ARTIFACT_DIR=out/web node tests/web/source_health_test.mjs

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..', '..', 'web');
const BASE_URL = process.env.BASE_URL;
const ARTIFACT_DIR = resolve(process.env.ARTIFACT_DIR || join(tmpdir(), 'starling-dashboard-artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function die(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
if (!BASE_URL) die('set BASE_URL');
const { chromium } = createRequire(join(webDir, 'package.json'))('playwright-core');
mkdirSync(ARTIFACT_DIR, { recursive: true });
const watchdog = setTimeout(() => die('the test took over 60 s'), 60000);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(BASE_URL);
  const tiles = page.locator('[data-panel="stats"] .tiles');
  // Wait (bounded) until the source tile says connected.
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = (await tiles.textContent()) ?? '';
    if (text.includes('sourceup')) break;
    await page.waitForTimeout(200);
  }
  if (!text.includes('sourceup')) die(`no source tile saying up: "${text}"`);
  for (const label of ['reconnects', 'duplicates dropped']) {
    if (!text.includes(label)) die(`no "${label}" tile: "${text}"`);
  }
  const title = await page.locator('[data-panel="stats"] .tile', { hasText: 'source' }).first().getAttribute('title');
  if (!title || !title.includes('connected') || !title.includes('error')) die(`the source tile has no error line in its title: ${title}`);
  // Not a partitioned log: no partitions' table, no Kafka tiles.
  const parts = page.locator('[data-panel="stats"] [data-testid="source-partitions"]');
  if ((await parts.count()) !== 1) die('the stats panel has no source-partitions block');
  if (await parts.isVisible()) die('the partitions table shows for a source without partitions');
  if ((await parts.locator('table').count()) !== 0) die('a partitions table is drawn for a source without partitions');
  for (const label of ['brokers', 'rebalances', 'consumer lag']) {
    if (await page.locator('[data-panel="stats"] .tile dt', { hasText: new RegExp(`^${label}$`) }).count()) die(`a "${label}" tile for a source without partitions`);
  }
  await page.screenshot({ path: join(ARTIFACT_DIR, 'source-health.png') });
  if (errors.length) die(`page errors: ${errors.join('; ')}`);
  console.log('ok: the health panel shows the provider source (connected, reconnects, duplicates; no partitions)');
} finally {
  await browser.close();
  clearTimeout(watchdog);
}
