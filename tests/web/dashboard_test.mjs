// Browser test of the Starling dashboard (web/, docs/dashboard.md).
//
//   BASE_URL=http://127.0.0.1:8080/ ARTIFACT_DIR=out/web node tests/web/dashboard_test.mjs
//
// Needs web/node_modules (cd web && npm ci) for playwright-core and Debian's
// Chromium at /usr/bin/chromium (CHROMIUM overrides). Run it against
// `starling demo`. Every wait is bounded;
// READY_TIMEOUT_S (default 45) bounds the wait for the first data, since
// the demo's hashtag windows are 30 s long and its first trending result can
// take that long after start. PAST_WINDOW_TIMEOUT_S (default 45) bounds the
// wait for a final past hashtags window in the trending panel's window
// picker (the first one is final about 37 s after the demo starts).
// Exit 0 when every check passed, 1 otherwise.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..', '..', 'web');

const BASE_URL = process.env.BASE_URL;
const ARTIFACT_DIR = resolve(process.env.ARTIFACT_DIR || join(tmpdir(), 'starling-dashboard-artifacts'));
const READY_TIMEOUT_MS = 1000 * Number(process.env.READY_TIMEOUT_S || 45);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PAST_WINDOW_TIMEOUT_MS = 1000 * Number(process.env.PAST_WINDOW_TIMEOUT_S || 45);
// The rest takes about 40 s, the past-window wait included (it runs while
// the demo's first 30 s window closes, not after it); under the 150 s that
// run_browser_test.sh allows.
const OVERALL_TIMEOUT_MS = READY_TIMEOUT_MS + Math.max(90000, PAST_WINDOW_TIMEOUT_MS + 50000);

function die(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

if (!BASE_URL) die('set BASE_URL, e.g. BASE_URL=http://127.0.0.1:8080/');

let chromium;
try {
  ({ chromium } = createRequire(join(webDir, 'package.json'))('playwright-core'));
} catch (e) {
  die(`cannot load playwright-core from ${webDir}/node_modules (run: cd web && npm ci): ${e.message}`);
}

mkdirSync(ARTIFACT_DIR, { recursive: true });

const checked = [];
const problems = []; // console errors, page errors
const badResponses = [];
const ok = (what) => {
  checked.push(what);
  console.log(`ok: ${what}`);
};

const watchdog = setTimeout(() => die(`the test took over ${OVERALL_TIMEOUT_MS / 1000} s`), OVERALL_TIMEOUT_MS);

const REQUIRED = ['trending', 'sentiment', 'languages', 'stats'];

// Counts drawn marks (bars, lines, dots) in each panel's SVGs, axes aside.
async function panelStatus(page, names = REQUIRED) {
  return page.evaluate((names) => Object.fromEntries(names.map((name) => {
    const el = document.querySelector(`[data-panel="${name}"]`);
    if (!el) return [name, { exists: false }];
    const marks = [...el.querySelectorAll('svg rect, svg path, svg circle, svg line')].filter((m) => {
      if (m.closest('.axis') || m.closest('.legend')) return false;
      if (m.tagName === 'path') return (m.getAttribute('d') || '').length > 2;
      if (m.tagName === 'rect') return Number(m.getAttribute('width')) > 0 && Number(m.getAttribute('height')) > 0;
      if (m.tagName === 'circle') return Number(m.getAttribute('r')) > 0 && m.getAttribute('display') !== 'none';
      return true;
    }).length;
    return [name, {
      exists: true,
      hidden: el.hidden,
      ready: el.dataset.ready === '1',
      svgs: el.querySelectorAll('svg').length,
      marks,
      analysis: el.dataset.analysis || '',
    }];
  })), names);
}

async function waitFor(page, what, fn, arg, timeout) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 200 });
  } catch {
    throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
  }
}

const updates = (page) => page.evaluate(() => Number(document.body.dataset.updates || 0));

// What a one-window panel shows: the window (data-window, data-window-live),
// the subtitle and the bars in rank order (key and value), exiting bars aside.
async function shown(page, name) {
  return page.evaluate((name) => {
    const el = document.querySelector(`[data-panel="${name}"]`);
    const bars = [...el.querySelectorAll('svg g.bar[data-rank]:not(.exiting)')]
      .map((g) => ({ rank: Number(g.dataset.rank), key: g.dataset.key, value: Number(g.dataset.value) }))
      .sort((a, b) => a.rank - b.rank);
    return {
      window: el.dataset.window || '',
      live: el.dataset.windowLive || '',
      sub: el.querySelector('.panel-sub')?.textContent || '',
      bars: bars.map((b) => `${b.key}=${b.value}`),
      keys: bars.map((b) => b.key),
      values: bars.map((b) => b.value),
    };
  }, name);
}

// The options of a panel's window picker: [{value, label}].
async function windowOptions(page, name) {
  return page.evaluate((name) => {
    const sel = document.querySelector(`[data-panel="${name}"] [data-testid="window-picker"]`);
    return sel ? [...sel.options].map((o) => ({ value: o.value, label: o.textContent })) : [];
  }, name);
}

// "2026-11-26T15:51:00.000Z|2026-11-26T15:51:30.000Z" -> "15:51:00–15:51:30"
const spanOf = (key) => key.split('|').map((t) => t.slice(11, 19)).join('–');

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function waitForUpdates(page, after, timeout, what) {
  await waitFor(page, what, (n) => Number(document.body.dataset.updates || 0) > n, after, timeout);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    timeout: 30000,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('console', (msg) => {
      const text = msg.text();
      // Errors, and the page's own warnings about failures it caught.
      if (msg.type() === 'error' || (msg.type() === 'warning' && text.startsWith('starling:'))) {
        problems.push(`console ${msg.type()}: ${text}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) badResponses.push(`${res.status()} ${res.url()}`);
    });

    // 1. The page loads and its panels draw real data.
    const res = await page.goto(BASE_URL, { waitUntil: 'domcontentloaded', timeout: 20000 });
    if (!res || !res.ok()) throw new Error(`GET ${BASE_URL} answered ${res ? res.status() : 'nothing'}`);
    ok(`opened ${BASE_URL}`);
    const t0 = Date.now();
    try {
      await waitFor(page, `panels ${REQUIRED.join(', ')} to be ready`, (names) => names.every((n) => {
        const el = document.querySelector(`[data-panel="${n}"]`);
        if (!el || el.dataset.ready !== '1') return false;
        return [...el.querySelectorAll('svg rect.bar-rect, svg path.series, svg path.spark-line, svg circle')]
          .some((m) => (m.tagName !== 'path' || (m.getAttribute('d') || '').length > 2));
      }), REQUIRED, READY_TIMEOUT_MS);
    } catch (e) {
      throw new Error(`${e.message}; panels: ${JSON.stringify(await panelStatus(page))}`);
    }
    const status = await panelStatus(page);
    for (const n of REQUIRED) {
      if (!status[n].svgs || status[n].marks < 1) throw new Error(`panel ${n} has no drawn marks: ${JSON.stringify(status[n])}`);
    }
    ok(`panels ${REQUIRED.map((n) => `${n} (${status[n].marks} marks)`).join(', ')} ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const others = Object.entries(await panelStatus(page, ['rate', 'bursts', 'clusters', 'providers', 'posts']))
      .filter(([n]) => !REQUIRED.includes(n));
    console.log(`   other panels: ${others.map(([n, s]) => `${n}=${s.hidden ? 'hidden' : s.ready ? 'ready' : 'waiting'}`).join(', ')}`);

    // 2. Live updates arrive.
    const u0 = await updates(page);
    await waitForUpdates(page, u0, 8000, 'data-updates to increase (live updates)');
    ok(`live updates applied (data-updates ${u0} -> ${await updates(page)})`);

    // 3. Range picker.
    const range = page.getByTestId('range-picker');
    await range.click();
    for (const v of ['60', '900', '0', '300']) {
      await range.selectOption(v);
      await waitFor(page, `range ${v} to apply`, (x) => document.body.dataset.range === x, v, 5000);
    }
    await page.keyboard.press('Escape');
    ok('range picker: 1 min, 15 min, all, 5 min applied');

    // 4. Analysis picker of the trending panel.
    const trending = page.locator('[data-panel="trending"]');
    const picker = trending.getByTestId('analysis-picker');
    const options = await picker.locator('option').evaluateAll((os) => os.map((o) => o.value));
    if (options.length >= 2 && await picker.isVisible()) {
      const before = await trending.getAttribute('data-analysis');
      const other = options.find((o) => o === 'mentions') ?? options.find((o) => o !== before);
      await picker.click();
      await picker.selectOption(other);
      await waitFor(page, `trending to switch to ${other}`, (x) => document.querySelector('[data-panel="trending"]').dataset.analysis === x, other, 5000);
      await waitFor(page, `trending bars for ${other}`, () => document.querySelectorAll('[data-panel="trending"] svg rect.bar-rect, [data-panel="trending"] svg text.empty').length > 0, null, 10000);
      await picker.selectOption(before);
      await waitFor(page, 'trending bars back', () => document.querySelectorAll('[data-panel="trending"] svg rect.bar-rect').length > 0, null, 10000);
      ok(`analysis picker: ${options.length} analyses (${options.join(', ')}); switched ${before} -> ${other} -> ${before}`);
    } else {
      ok(`analysis picker: only ${options.length} top analysis, picker hidden (nothing to switch)`);
    }

    // 5. Pause stops live updates; resume brings them back.
    const pause = page.getByTestId('pause-button');
    await pause.click();
    if ((await pause.getAttribute('aria-pressed')) !== 'true') throw new Error('pause button did not switch to paused');
    await page.waitForTimeout(400);
    const p0 = await updates(page);
    await page.waitForTimeout(3000);
    const p1 = await updates(page);
    if (p1 !== p0) throw new Error(`data-updates moved while paused (${p0} -> ${p1})`);
    await pause.click();
    if ((await pause.getAttribute('aria-pressed')) !== 'false') throw new Error('pause button did not switch back');
    await waitForUpdates(page, p1, 8000, 'updates after resume');
    ok(`pause: no update in 3 s while paused (data-updates ${p0}); resumed (-> ${await updates(page)})`);

    // 6. Search box filters the feed; a hashtag filters it via the API.
    const search = page.getByTestId('search-box');
    await search.click();
    await search.fill('');
    await search.pressSequentially('the', { delay: 40 });
    await waitFor(page, 'the feed to show the search', () => (document.querySelector('[data-panel="posts"] .panel-sub')?.textContent || '').includes('text contains'), null, 8000);
    // The server matches the text as stored, where links are t.co URLs;
    // the page shows their display form and keeps the original in data-url.
    const texts = await page.locator('[data-panel="posts"] .post-text').evaluateAll((ps) => ps.map((p) => [
      p.textContent, ...[...p.querySelectorAll('[data-url]')].map((a) => a.dataset.url)].join(' ')));
    const misses = texts.filter((t) => !t.toLowerCase().includes('the'));
    if (misses.length) throw new Error(`search "the" shows posts without it: ${JSON.stringify(misses.slice(0, 2))}`);
    ok(`search box: "the" -> ${texts.length} posts, all containing it`);
    await search.fill('');
    await waitFor(page, 'the feed to drop the search', () => !(document.querySelector('[data-panel="posts"] .panel-sub')?.textContent || '').includes('text contains'), null, 8000);
    const tag = page.locator('[data-panel="posts"] button.ent-hashtag').first();
    if (await tag.count()) {
      const value = await tag.getAttribute('data-value');
      await tag.click();
      await waitFor(page, `the #${value} filter chip`, (v) => [...document.querySelectorAll('[data-panel="posts"] .chip')].some((c) => c.textContent.toLowerCase().includes(`#${v.toLowerCase()}`)), value, 8000);
      await page.locator('[data-panel="posts"] .chip').first().click();
      ok(`clicking #${value} in the feed filtered it; filter removed`);
    } else {
      ok('feed had no hashtag to click (filter by hashtag not exercised)');
    }

    // 7. Window picker of the trending panel: a final past hashtags window
    // shows that window's ranking (as /api/v1/windows has it) and holds
    // still while the other panels update; "live" follows again.
    await trendingWindowPicker(page, trending);
    // ... and of the languages panel (5 s windows).
    await languagesWindowPicker(page);

    // 8. Downloads: SVG and PNG of the trending chart.
    const svgBtn = trending.getByTestId('download-svg').first();
    const [svgDl] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), svgBtn.click()]);
    const svgPath = join(ARTIFACT_DIR, svgDl.suggestedFilename());
    await svgDl.saveAs(svgPath);
    const svgText = readFileSync(svgPath, 'utf8');
    if (!svgDl.suggestedFilename().endsWith('.svg') || !svgText.includes('<svg') || !svgText.includes('bar-rect')) {
      throw new Error(`the SVG download ${svgDl.suggestedFilename()} is not the chart (${svgText.slice(0, 80)})`);
    }
    ok(`download-svg saved ${svgDl.suggestedFilename()} (${svgText.length} bytes)`);
    const [pngDl] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), trending.getByTestId('download-png').first().click()]);
    const pngPath = join(ARTIFACT_DIR, pngDl.suggestedFilename());
    await pngDl.saveAs(pngPath);
    const png = readFileSync(pngPath);
    if (png.length < 100 || png.readUInt32BE(0) !== 0x89504e47) throw new Error(`the PNG download ${pngDl.suggestedFilename()} is not a PNG`);
    ok(`download-png saved ${pngDl.suggestedFilename()} (${png.length} bytes, ${png.readUInt32BE(16)}x${png.readUInt32BE(20)})`);

    // 9. Screenshots at laptop and phone width; nothing wider than the phone.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(800);
    const wide = join(ARTIFACT_DIR, 'dashboard-1280x800.png');
    await page.screenshot({ path: wide, fullPage: true, timeout: 20000 });
    ok(`screenshot ${wide}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(1500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    if (overflow > 392) throw new Error(`at 390 px the page is ${overflow} px wide (horizontal scrolling)`);
    const narrow = join(ARTIFACT_DIR, 'dashboard-390x844.png');
    await page.screenshot({ path: narrow, fullPage: true, timeout: 20000 });
    ok(`screenshot ${narrow} (page width ${overflow} px)`);
    const after = await panelStatus(page);
    for (const n of REQUIRED) if (after[n].marks < 1) throw new Error(`panel ${n} lost its marks at 390 px`);
    ok('panels still drawn at 390 px');
    await context.close();
  } finally {
    await browser.close();
  }
}

async function trendingWindowPicker(page, trending) {
  const wp = trending.getByTestId('window-picker');
  if (!(await wp.isVisible())) throw new Error('the trending panel has no visible window picker');
  const first = await windowOptions(page, 'trending');
  if (first[0]?.value !== '' || !first[0]?.label.includes('live')) throw new Error(`the window picker does not start with "live": ${JSON.stringify(first.slice(0, 2))}`);
  const t0 = Date.now();
  // Options: live, the newest window, then past ones; wait for a final past one.
  await waitFor(page, 'a final past window in the trending window picker', () => {
    const sel = document.querySelector('[data-panel="trending"] [data-testid="window-picker"]');
    return Boolean(sel) && [...sel.options].slice(2).some((o) => !o.textContent.includes('in progress'));
  }, null, PAST_WINDOW_TIMEOUT_MS);
  const opts = await windowOptions(page, 'trending');
  const past = opts.slice(2).find((o) => !o.label.includes('in progress'));
  const ends = opts.slice(1).map((o) => o.value.split('|')[1]);
  if (!same(ends, [...ends].sort().reverse())) throw new Error(`window picker not newest first: ${JSON.stringify(opts.map((o) => o.label))}`);
  if (past.label !== spanOf(past.value)) throw new Error(`window picker label "${past.label}" is not the window's span ${spanOf(past.value)}`);
  console.log(`   window picker: ${opts.length - 1} windows after ${((Date.now() - t0) / 1000).toFixed(1)} s (${opts.slice(0, 4).map((o) => o.label).join(', ')}${opts.length > 4 ? ', …' : ''})`);

  const name = await trending.getAttribute('data-analysis');
  await wp.selectOption(past.value);
  await waitFor(page, `trending to show the window ${past.label}`, (v) => {
    const el = document.querySelector('[data-panel="trending"]');
    return el.dataset.window === v && el.dataset.windowLive === '0';
  }, past.value, 5000);
  await page.waitForTimeout(1000); // the bars' transition
  const pinned = await shown(page, 'trending');
  const [start, end] = past.value.split('|');
  const api = await page.evaluate(async ([name, start, end]) => {
    const r = await fetch(`api/v1/windows?analysis=${encodeURIComponent(name)}&limit=100`);
    const j = await r.json();
    const w = (j.windows || []).find((x) => x.window_start === start && x.window_end === end);
    return w ? { final: w.final, rows: (w.rows || []).slice(0, 15).map((x) => ({ key: String(x.key), count: x.count })) } : null;
  }, [name, start, end]);
  if (!api) throw new Error(`/api/v1/windows?analysis=${name} has no window ${past.value}`);
  if (!api.rows.length) throw new Error(`the window ${past.value} of ${name} has no rows`);
  if (!same(pinned.keys, api.rows.map((r) => r.key)) || !same(pinned.values, api.rows.map((r) => r.count))) {
    throw new Error(`trending bars for ${past.label} do not match the API: page ${JSON.stringify(pinned.bars)}, API ${JSON.stringify(api.rows.map((r) => `${r.key}=${r.count}`))}`);
  }
  if (!pinned.sub.includes(`${past.label} UTC`) || !pinned.sub.includes('not following')) {
    throw new Error(`the trending subtitle does not name the chosen window ${past.label}: "${pinned.sub}"`);
  }
  ok(`window picker: trending shows ${name} window ${past.label} (${pinned.keys.length} bars, as /api/v1/windows: ${pinned.keys.slice(0, 3).join(', ')}, …)`);

  // Held: no change for 3 s while live updates go on elsewhere.
  const stats0 = await page.locator('[data-panel="stats"] .tiles').textContent();
  const u0 = await updates(page);
  for (let i = 0; i < 10; i += 1) {
    await page.waitForTimeout(300);
    const now = await shown(page, 'trending');
    if (!same(now, pinned)) throw new Error(`the trending panel changed while a past window was chosen: ${JSON.stringify(pinned)} -> ${JSON.stringify(now)}`);
  }
  const u1 = await updates(page);
  const stats1 = await page.locator('[data-panel="stats"] .tiles').textContent();
  if (u1 <= u0) throw new Error(`no live update arrived during the 3 s hold (data-updates ${u0})`);
  if (stats1 === stats0) throw new Error('the stats panel did not update while trending held a past window');
  const picked = await wp.inputValue();
  if (picked !== past.value) throw new Error(`the window picker lost its selection (${picked})`);
  ok(`window picker: trending held ${past.label} for 3 s while ${u1 - u0} live updates arrived (stats panel kept updating; selection kept)`);

  // Live again: the newest window, and it keeps changing.
  await wp.selectOption('');
  await waitFor(page, 'trending to follow the newest window again', (v) => {
    const el = document.querySelector('[data-panel="trending"]');
    return el.dataset.windowLive === '1' && el.dataset.window !== v && (el.querySelector('.panel-sub')?.textContent || '').includes('newest window');
  }, past.value, 5000);
  await wp.evaluate((el) => el.blur()); // as a user clicking elsewhere: the list is current again
  try {
    await waitFor(page, 'live trending to show the newest window listed', () => {
      const el = document.querySelector('[data-panel="trending"]');
      const sel = el.querySelector('[data-testid="window-picker"]');
      return sel.value === '' && Boolean(el.dataset.window) && el.dataset.window === sel.options[1]?.value;
    }, null, 5000);
  } catch (e) {
    throw new Error(`${e.message}: ${JSON.stringify({ shown: await shown(page, 'trending'), options: (await windowOptions(page, 'trending')).slice(0, 3) })}`);
  }
  const live0 = await shown(page, 'trending');
  const newest = (await windowOptions(page, 'trending'))[1];
  await waitFor(page, 'the live trending panel to change', (before) => {
    const el = document.querySelector('[data-panel="trending"]');
    return `${el.dataset.window}\n${el.querySelector('.panel-sub')?.textContent}` !== before;
  }, `${live0.window}\n${live0.sub}`, 10000);
  ok(`window picker: back to live, trending follows the newest window (${newest.label}) and updates`);
}

async function languagesWindowPicker(page) {
  const langs = page.locator('[data-panel="languages"]');
  if (await langs.evaluate((el) => el.hidden)) {
    ok('window picker: no languages panel (not exercised there)');
    return;
  }
  const wp = langs.getByTestId('window-picker');
  await waitFor(page, 'a past window in the languages window picker', () => {
    const sel = document.querySelector('[data-panel="languages"] [data-testid="window-picker"]');
    return Boolean(sel) && sel.options.length >= 3;
  }, null, 15000);
  const lopts = await windowOptions(page, 'languages');
  const past = lopts.slice(2).find((o) => !o.label.includes('in progress')) ?? lopts[2];
  await wp.selectOption(past.value);
  await waitFor(page, `languages to show ${past.label}`, (v) => {
    const el = document.querySelector('[data-panel="languages"]');
    return el.dataset.window === v && el.dataset.windowLive === '0' && (el.querySelector('.panel-sub')?.textContent || '').includes('chosen window');
  }, past.value, 5000);
  await wp.selectOption('');
  await waitFor(page, 'languages to follow live again', () => document.querySelector('[data-panel="languages"]').dataset.windowLive === '1', null, 5000);
  ok(`window picker: languages showed ${past.label}, then live again`);
}

let failure = null;
try {
  await main();
} catch (e) {
  failure = e && e.message ? e.message : String(e);
}
clearTimeout(watchdog);
writeFileSync(join(ARTIFACT_DIR, 'dashboard_test.log'), [...checked.map((c) => `ok: ${c}`), ...problems, ...badResponses.map((r) => `HTTP ${r}`), failure ? `FAIL: ${failure}` : 'PASS'].join('\n') + '\n');
if (badResponses.length) console.log(`HTTP errors seen: ${badResponses.slice(0, 10).join('; ')}`);
if (problems.length) {
  console.error(`FAIL: the page logged ${problems.length} console/page error(s):`);
  for (const p of problems.slice(0, 20)) console.error(`  ${p}`);
}
if (failure) console.error(`FAIL: ${failure}`);
if (failure || problems.length) process.exit(1);
console.log(`PASS: ${checked.length} checks (artifacts in ${ARTIFACT_DIR})`);
