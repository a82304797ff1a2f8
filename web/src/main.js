// The Starling dashboard: reads the JSON API and the live stream of
// docs/api.md and draws one panel per kind of result.

import './style.css';
import { Stream, getJson, token } from './api.js';
import {
  PALETTE, drawBursts, drawEmpty, drawRanking, drawSparklines, drawTimeSeries,
} from './charts.js';
import { downloadPng, downloadSvg } from './download.js';
import { postCard } from './feed.js';
import {
  arr, date, debounce, fmtCompact, fmtDateTime, fmtInt, fmtMs, fmtNum, fmtSeconds, fmtTime, h,
  isObj, num, obj, str, windowKey, windowStep,
} from './util.js';

// ---------------------------------------------------------------- state

const MAX_WINDOWS = 1000; // per analysis, as the API's own limit
const MAX_STATS = 3600; // samples (about an hour at one a second)
const MAX_QUEUE = 20000; // messages held while paused
const POSTS_POLL_MS = 3000;
const FALLBACK_POLL_MS = 2000;
const RENDER_GAP_MS = 700; // at most one redraw of a panel per this, so transitions can play
const MAX_PICKER_WINDOWS = 200; // entries of a window picker, newest first

const state = {
  pipeline: '',
  analyses: [],
  byName: new Map(),
  sel: {}, // panel -> analysis name
  pin: {}, // panel -> {name, key}: the window chosen in its window picker; absent = live
  range: 300, // seconds of event time shown; 0 = all
  paused: false,
  queue: [],
  queueOverflow: false,
  windows: new Map(), // analysis -> Map(windowKey -> result)
  stats: null,
  statsHistory: [], // [{t: Date (wall clock), s: stats}]
  sentimentFetched: new Set(), // `${analysis}|${key}` backfilled from /sentiment
  posts: { list: [], q: '', hashtag: '', mention: '', seen: new Set(), available: true, inflight: false, held: false, pending: false, pendingFresh: new Set() },
  updates: 0,
  authFailed: false,
  missing: new Set(), // shortcut endpoints that answered 404
  backoffUntil: 0,
};

const PANELS = ['stats', 'rate', 'trending', 'sentiment', 'languages', 'providers', 'bursts', 'clusters', 'posts'];
// Panels that show one window, with a window picker.
const WINDOW_PANELS = ['trending', 'languages', 'providers', 'clusters'];

// Which analyses feed which panel.
const FEEDS = {
  rate: (a) => a.kind === 'count' && (a.by === 'all' || a.by === '' || a.by === '*'),
  trending: (a) => a.kind === 'top' || a.kind === 'cooccurrence',
  sentiment: (a) => a.kind === 'sentiment',
  languages: (a) => a.kind === 'count' && a.by === 'lang',
  providers: (a) => a.kind === 'count' && a.by === 'provider',
  bursts: (a) => a.kind === 'bursts',
  clusters: (a) => a.kind === 'clusters',
  distinct: (a) => a.kind === 'distinct',
};

// ---------------------------------------------------------------- DOM

const $ = (sel, root = document) => root.querySelector(sel);

// Fire and forget: a failure is a bug, shown as a warning, never an
// unhandled rejection.
function bg(promise) {
  promise.catch((e) => console.warn('starling: unexpected failure', e));
}
const panelEl = (name) => $(`[data-panel="${name}"]`);

function bumpUpdates() {
  state.updates += 1;
  document.body.dataset.updates = String(state.updates);
}

function setReady(panel) {
  const el = panelEl(panel);
  if (el && el.dataset.ready !== '1') el.dataset.ready = '1';
}

let bannerTimer = null;
function banner(message, kind = 'error', ms = 0) {
  const el = $('#banner');
  if (!el) return;
  clearTimeout(bannerTimer);
  if (!message) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  el.hidden = false;
  el.dataset.kind = kind;
  el.textContent = message;
  if (ms > 0) bannerTimer = setTimeout(() => banner(''), ms);
}

function setConn(stateName, text) {
  const el = $('#conn');
  if (!el) return;
  el.dataset.state = stateName;
  el.querySelector('.conn-text').textContent = text;
}

function chartBlock(panel, chart, title) {
  const base = () => {
    const a = state.sel[panel] ?? panel;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    return `starling-${panel}-${chart}-${a}-${stamp}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  };
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('data-chart', chart);
  const run = async (fn) => {
    try {
      const el = panelEl(panel);
      const heading = [
        `Starling · ${svg.closest('figure')?.querySelector('.chart-title')?.textContent ?? title}`,
        el?.querySelector('.panel-sub')?.textContent ?? '',
      ];
      await fn(svg, base(), heading);
    } catch (e) {
      banner(`Could not save the chart: ${e && e.message ? e.message : e}`, 'error', 6000);
    }
  };
  return h('figure', { class: 'chart-block', 'data-chart-block': chart },
    h('figcaption', { class: 'chart-head' },
      h('span', { class: 'chart-title' }, title),
      h('span', { class: 'downloads' },
        h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'download-svg', title: `Download “${title}” as SVG`, onclick: () => run(downloadSvg) }, 'SVG'),
        h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'download-png', title: `Download “${title}” as PNG`, onclick: () => run(downloadPng) }, 'PNG'))),
    h('div', { class: 'chart-box' }, svg));
}

function picker(panel) {
  return h('select', {
    class: 'picker',
    'data-testid': 'analysis-picker',
    'aria-label': `Analysis shown in ${panel}`,
    hidden: true,
    onchange: (ev) => {
      state.sel[panel] = ev.target.value;
      delete state.pin[panel]; // another analysis has other windows: back to live
      panelEl(panel).dataset.analysis = ev.target.value;
      bg(loadPanel(panel, { history: true }).then(() => renderNow(panel)));
    },
  });
}

// The window picker of a panel that shows one window: "live (newest)" or
// one of the windows held for its analysis. Its options are kept current by
// syncWindowPicker; while it has focus (its list may be open) they are
// updated only when it is about to open or loses focus.
function windowPicker(panel) {
  const flush = (ev) => applyWindowOptions(ev.currentTarget);
  return h('select', {
    class: 'picker window-picker',
    'data-testid': 'window-picker',
    'aria-label': `Window shown in ${panel}`,
    title: 'Window shown: live follows the newest; a chosen window stays until live is chosen again',
    onmousedown: flush,
    onpointerdown: flush,
    onkeydown: flush,
    onblur: flush,
    onchange: (ev) => {
      const key = ev.target.value;
      if (key && state.sel[panel]) state.pin[panel] = { name: state.sel[panel], key };
      else delete state.pin[panel];
      renderNow(panel);
    },
  }, h('option', { value: '' }, 'live (newest)'));
}

function panel(name, title, { wide = false, extra = null, body = [], subtitle = true } = {}) {
  return h('section', { class: `panel panel-${name}${wide ? ' wide' : ''}`, 'data-panel': name, 'aria-labelledby': `h-${name}` },
    h('header', { class: 'panel-head' },
      h('h2', { id: `h-${name}` }, title),
      extra),
    subtitle ? h('p', { class: 'panel-sub' }) : null,
    ...body);
}

function buildLayout() {
  const main = $('#grid');
  main.replaceChildren(
    panel('stats', 'Pipeline health', {
      wide: true,
      body: [
        h('dl', { class: 'tiles' }),
        chartBlock('stats', 'health', 'Lag, latency, open windows, late posts'),
      ],
    }),
    panel('rate', 'Posts per second', {
      body: [
        chartBlock('rate', 'rate', 'Posts/s (processing rate)'),
        chartBlock('rate', 'windows', 'Posts per window (event time)'),
      ],
    }),
    panel('trending', 'Trending', {
      extra: [picker('trending'), windowPicker('trending')],
      body: [chartBlock('trending', 'ranking', 'Ranking of the newest window')],
    }),
    panel('sentiment', 'Sentiment', {
      extra: picker('sentiment'),
      body: [chartBlock('sentiment', 'lines', 'Mean VADER compound per window')],
    }),
    h('div', { class: 'stack', id: 'mix' },
      panel('languages', 'Languages', {
        extra: [picker('languages'), windowPicker('languages')],
        body: [chartBlock('languages', 'bars', 'Posts by language, newest window')],
      }),
      panel('providers', 'Providers', {
        extra: [picker('providers'), windowPicker('providers')],
        body: [chartBlock('providers', 'bars', 'Posts by provider, newest window')],
      })),
    panel('bursts', 'Bursts', {
      extra: picker('bursts'),
      body: [
        chartBlock('bursts', 'timeline', 'Bursts by z-score'),
        h('ol', { class: 'burst-list', 'aria-live': 'polite' }),
      ],
    }),
    panel('clusters', 'Topic clusters', {
      extra: [picker('clusters'), windowPicker('clusters')],
      body: [
        chartBlock('clusters', 'sizes', 'Cluster size (decayed weight)'),
        h('ol', { class: 'cluster-list' }),
      ],
    }),
    panel('posts', 'Recent posts', {
      wide: true,
      body: [
        h('div', { class: 'feed-controls' },
          h('input', {
            type: 'search',
            class: 'search',
            placeholder: 'Search post text…',
            'aria-label': 'Search post text',
            'data-testid': 'search-box',
            oninput: debounce((ev) => {
              state.posts.q = ev.target.value.trim();
              bg(refreshPosts(true));
            }, 300),
          }),
          h('div', { class: 'filters', 'aria-live': 'polite' })),
        h('ul', {
          class: 'feed',
          // Hold the feed still while the pointer or focus is in it, so a
          // hashtag can be clicked before the next refresh replaces it.
          onmouseenter: () => holdFeed(true),
          onmouseleave: () => holdFeed(false),
          onfocusin: () => holdFeed(true),
          onfocusout: () => holdFeed(false),
        }),
      ],
    }),
  );
}

// ---------------------------------------------------------------- analyses

function normalizeAnalyses(list) {
  return arr(list)
    .map((a) => obj(a))
    .filter((a) => str(a.name))
    .map((a) => ({ name: str(a.name), kind: str(a.kind), by: str(a.by), window: str(a.window) }));
}

function describe(a) {
  const what = a.kind === 'cooccurrence' ? 'hashtag pairs' : [a.kind, a.by].filter(Boolean).join(' by ');
  return `${a.name} (${what}${a.window ? `, ${a.window}` : ''})`;
}

function chooseDefault(panel, candidates) {
  if (panel === 'trending') {
    return (candidates.find((a) => a.kind === 'top' && a.by === 'hashtag') ??
      candidates.find((a) => a.kind === 'top') ?? candidates[0]);
  }
  if (panel === 'sentiment') {
    // Per-hashtag sentiment also carries the '*' (all posts) row.
    return candidates.find((a) => a.by === 'hashtag') ?? candidates.find((a) => a.by) ?? candidates[0];
  }
  return candidates[0];
}

function setAnalyses(list, pipeline) {
  state.analyses = normalizeAnalyses(list);
  state.byName = new Map(state.analyses.map((a) => [a.name, a]));
  if (pipeline) state.pipeline = pipeline;
  $('#pipeline').textContent = state.pipeline ? `pipeline “${state.pipeline}”` : '';
  for (const [panel, feeds] of Object.entries(FEEDS)) {
    const candidates = state.analyses.filter(feeds);
    const keep = candidates.find((a) => a.name === state.sel[panel]);
    const chosen = keep ?? chooseDefault(panel, candidates);
    if (chosen) state.sel[panel] = chosen.name;
    else delete state.sel[panel];
    const el = panelEl(panel);
    if (!el) continue;
    el.dataset.analysis = state.sel[panel] ?? '';
    const pick = el.querySelector('select[data-testid="analysis-picker"]');
    if (pick) {
      pick.replaceChildren(...candidates.map((a) => h('option', { value: a.name, selected: a.name === state.sel[panel] }, describe(a))));
      pick.hidden = candidates.length < 2;
    }
  }
  // The stats panel always shows; the rate panel needs only stats.
  for (const p of ['languages', 'providers', 'trending', 'sentiment', 'bursts', 'clusters']) {
    panelEl(p).hidden = !state.sel[p];
  }
  panelEl('rate').querySelector('[data-chart-block="windows"]').hidden = !state.sel.rate;
  $('#mix').hidden = !state.sel.languages && !state.sel.providers;
}

const analysis = (panel) => state.byName.get(state.sel[panel]);

// ---------------------------------------------------------------- window store

function storeFor(name) {
  let m = state.windows.get(name);
  if (!m) {
    m = new Map();
    state.windows.set(name, m);
  }
  return m;
}

function endTime(w) {
  const d = date(w.window_end) ?? date(w.window_start);
  return d ? d.getTime() : Number.MAX_SAFE_INTEGER; // the global window sorts last
}

function putWindow(result) {
  if (!isObj(result)) return null;
  const name = str(result.analysis);
  if (!name) return null;
  const m = storeFor(name);
  const key = windowKey(result);
  const had = m.get(key);
  m.set(key, { ...result, rows: arr(result.rows), _end: endTime(result), _seen: Date.now(), _new: !had });
  if (m.size > MAX_WINDOWS) {
    const oldest = [...m.entries()].sort((a, b) => a[1]._end - b[1]._end).slice(0, m.size - MAX_WINDOWS);
    for (const [k] of oldest) m.delete(k);
  }
  for (const p of panelsFed(name)) markDirty(p === 'distinct' ? 'stats' : p);
  return name;
}

// Rows of a /sentiment point merged into the stored window of that time.
function mergeSentimentPoint(name, key, p) {
  const o = obj(p);
  const wk = windowKey(o);
  const m = storeFor(name);
  const w = m.get(wk) ?? { analysis: name, kind: 'sentiment', window_start: o.window_start, window_end: o.window_end, rows: [], _end: endTime(o), _partial: true };
  if (!w.rows.some((r) => str(obj(r).key) === key)) {
    w.rows = [...w.rows, { key, count: o.posts, mean_compound: o.mean_compound, positive: o.positive, neutral: o.neutral, negative: o.negative }];
  }
  m.set(wk, w);
}

function windowsOf(name) {
  const m = state.windows.get(name);
  if (!m) return [];
  return [...m.values()].sort((a, b) => a._end - b._end);
}

function latestWindow(name) {
  const all = windowsOf(name);
  return all.length ? all[all.length - 1] : null;
}

// Windows within the chosen range of event time, ending at the newest.
function windowsInRange(name) {
  const all = windowsOf(name);
  if (!state.range || !all.length) return all;
  const last = all[all.length - 1]._end;
  if (last === Number.MAX_SAFE_INTEGER) return all;
  return all.filter((w) => w._end > last - state.range * 1000);
}

// The window a one-window panel shows: the one chosen in its window picker
// (pinned) or, live, the newest.
function pinnedKey(panel) {
  const p = state.pin[panel];
  return p && p.name === state.sel[panel] ? p.key : '';
}

function shownWindow(panel) {
  const name = state.sel[panel];
  if (!name) return { w: null, pinned: false };
  const key = pinnedKey(panel);
  if (key) {
    const w = state.windows.get(name)?.get(key);
    if (w) return { w, pinned: true };
    delete state.pin[panel]; // no longer held (dropped from the store): live again
  }
  return { w: latestWindow(name), pinned: false };
}

function limitFor(panel) {
  if (!state.range) return MAX_WINDOWS;
  const step = windowStep(analysis(panel)?.window) ?? 60;
  return Math.max(1, Math.min(MAX_WINDOWS, Math.ceil(state.range / step) + 1));
}

// ---------------------------------------------------------------- loading

async function fetchApi(endpoint, params) {
  if (Date.now() < state.backoffUntil) return { ok: false, status: 429, data: null };
  const r = await getJson(endpoint, params);
  if (r.status === 401) {
    if (!state.authFailed) {
      state.authFailed = true;
      banner(token
        ? 'The server refused the token (401). Open the page with the right ?token=….'
        : 'The server needs a token (401): open the page as …/?token=YOUR_TOKEN.');
    }
  } else if (r.status === 429) {
    state.backoffUntil = Date.now() + 1000 * Math.max(1, r.retryAfter ?? 2);
  } else if (r.ok && state.authFailed) {
    state.authFailed = false;
    banner('');
  }
  return r;
}

async function loadStats() {
  const r = await fetchApi('stats');
  if (r.ok) applyStats(r.data);
  return r.ok;
}

async function loadWindows(panel, limit) {
  const name = state.sel[panel];
  if (!name) return;
  const r = await fetchApi('windows', { analysis: name, limit: limit ?? limitFor(panel) });
  if (!r.ok) return;
  for (const w of arr(r.data.windows)) putWindow({ analysis: name, ...obj(w) });
}

// The newest window of the panel's analysis. The shortcut endpoints
// (/trending, /languages, /providers, /clusters) answer 404 until the first
// window exists, and the browser logs every 404 as a console error, so the
// first load asks /windows?limit=1 (an empty list, not an error).
async function loadLatest(panel, endpoint) {
  const name = state.sel[panel];
  if (!name) return;
  if (!latestWindow(name) || state.missing.has(endpoint)) {
    await loadWindows(panel, 1);
    return;
  }
  const r = await fetchApi(endpoint, { analysis: name });
  if (r.status === 404) {
    // An older server without this shortcut: use /windows from now on.
    state.missing.add(endpoint);
    await loadWindows(panel, 1);
    return;
  }
  if (!r.ok) return;
  const w = obj(r.data.window);
  if (Object.keys(w).length) putWindow({ analysis: name, ...w });
}

function topSentimentKeys(name, n = 5) {
  const all = windowsOf(name).filter((w) => !w._partial);
  const finals = all.filter((w) => w.final === true);
  const w = finals.length ? finals[finals.length - 1] : all[all.length - 1];
  if (!w) return [];
  return arr(w.rows)
    .map((r) => obj(r))
    .filter((r) => str(r.key) && str(r.key) !== '*')
    .sort((a, b) => (num(b.count) ?? num(b.posts) ?? 0) - (num(a.count) ?? num(a.posts) ?? 0))
    .slice(0, n)
    .map((r) => str(r.key));
}

async function backfillSentiment(name, keys) {
  const todo = keys.filter((k) => !state.sentimentFetched.has(`${name}|${k}`));
  for (const k of todo) state.sentimentFetched.add(`${name}|${k}`);
  let merged = 0;
  await Promise.all(todo.map(async (key) => {
    const r = await fetchApi('sentiment', { analysis: name, key, limit: limitFor('sentiment') });
    if (!r.ok) return;
    for (const p of arr(r.data.points)) {
      mergeSentimentPoint(name, key, p);
      merged += 1;
    }
  }));
  return merged;
}

// history: for the one-window panels, fetch the recent windows (as many as
// the range covers, the newest among them) for their window pickers, rather
// than the newest only.
async function loadPanel(panel, { history = false } = {}) {
  if (history && WINDOW_PANELS.includes(panel)) {
    await loadWindows(panel);
    return;
  }
  switch (panel) {
    case 'stats':
      await loadStats();
      if (state.sel.distinct) await loadWindows('distinct', 1);
      break;
    case 'rate':
      if (state.sel.rate) await loadWindows('rate');
      break;
    case 'trending': {
      const a = analysis('trending');
      if (!a) break;
      if (a.kind === 'top') await loadLatest('trending', 'trending');
      else await loadWindows('trending', 1);
      break;
    }
    case 'sentiment': {
      const name = state.sel.sentiment;
      if (!name) break;
      await loadWindows('sentiment', 1);
      state.sentimentFetched = new Set([...state.sentimentFetched].filter((k) => !k.startsWith(`${name}|`)));
      await backfillSentiment(name, ['*', ...topSentimentKeys(name)]);
      break;
    }
    case 'languages':
      await loadLatest('languages', 'languages');
      break;
    case 'providers':
      await loadLatest('providers', 'providers');
      break;
    case 'bursts': {
      const name = state.sel.bursts;
      if (!name) break;
      if (state.missing.has('bursts')) {
        await loadWindows('bursts');
        break;
      }
      const r = await fetchApi('bursts', { analysis: name, limit: limitFor('bursts') });
      if (r.ok) for (const w of arr(r.data.windows)) putWindow({ analysis: name, ...obj(w) });
      else if (r.status === 404) {
        state.missing.add('bursts');
        await loadWindows('bursts');
      }
      break;
    }
    case 'clusters':
      await loadLatest('clusters', 'clusters');
      break;
    case 'posts':
      await refreshPosts(true);
      break;
    default:
      break;
  }
}

async function loadAll() {
  await Promise.all(PANELS.map((p) => loadPanel(p, { history: true }).catch(() => {})));
  renderAll();
}

// ---------------------------------------------------------------- live updates

function applyStats(s) {
  if (!isObj(s)) return;
  state.stats = s;
  state.statsHistory.push({ t: new Date(), s });
  if (state.statsHistory.length > MAX_STATS) state.statsHistory.splice(0, state.statsHistory.length - MAX_STATS);
  markDirty('stats');
  markDirty('rate');
}

function panelsFed(name) {
  return Object.entries(state.sel).filter(([, n]) => n === name).map(([p]) => p);
}

function applyResult(result) {
  putWindow(result);
}

function handleMessage(msg) {
  const type = str(msg.type);
  if (type === 'hello') {
    const names = normalizeAnalyses(msg.analyses).map((a) => a.name).join('\n');
    const have = state.analyses.map((a) => a.name).join('\n');
    if (names && names !== have) {
      setAnalyses(msg.analyses, str(msg.pipeline));
      bg(loadAll());
    }
    return;
  }
  if (type !== 'result' && type !== 'stats') return;
  if (state.paused) {
    if (state.queue.length >= MAX_QUEUE) {
      state.queue = [];
      state.queueOverflow = true;
    }
    state.queue.push(msg);
    return;
  }
  applyMessage(msg);
}

function applyMessage(msg) {
  if (msg.type === 'result') applyResult(msg.result);
  else if (msg.type === 'stats') applyStats(msg.stats);
  bumpUpdates();
}

function setPaused(paused) {
  state.paused = paused;
  const btn = $('#pause');
  btn.setAttribute('aria-pressed', paused ? 'true' : 'false');
  btn.textContent = paused ? 'Resume' : 'Pause';
  document.body.dataset.paused = paused ? '1' : '0';
  if (paused) {
    setConn('paused', 'paused');
    return;
  }
  const queued = state.queue;
  state.queue = [];
  for (const m of queued) applyMessage(m);
  setConn(stream.isOpen() ? 'open' : 'closed', stream.isOpen() ? 'live' : 'reconnecting…');
  if (state.queueOverflow) {
    state.queueOverflow = false;
    bg(loadAll());
  } else {
    renderAll();
    if (state.posts.pending && !state.posts.held) renderPosts(state.posts.pendingFresh);
    bg(refreshPosts(false));
  }
}

const stream = new Stream({
  onMessage: handleMessage,
  onState: (s) => {
    if (s === 'open') {
      // Results emitted while we were away are not replayed: reload.
      if (stream.everOpened) bg(loadAll());
      stream.everOpened = true;
    }
    if (state.paused) return;
    setConn(s, s === 'open' ? 'live' : s === 'connecting' ? 'connecting…' : 'reconnecting…');
  },
});

// While the stream is down, poll so the page stays roughly live.
let fallbackTick = 0;
async function fallbackPoll() {
  try {
    if (state.paused || stream.isOpen() || !state.analyses.length || document.hidden) return;
    fallbackTick += 1;
    const ok = await loadStats();
    if (ok && !state.paused) bumpUpdates();
    if (fallbackTick % 3 === 0) {
      await Promise.all([
        ...['trending', 'languages', 'providers', 'clusters', 'bursts'].map((p) => loadPanel(p)),
        loadWindows('rate', 3),
        loadWindows('sentiment', 3),
        loadWindows('distinct', 1),
      ]);
      if (!state.paused) bumpUpdates();
    }
  } finally {
    setTimeout(() => bg(fallbackPoll()), FALLBACK_POLL_MS);
  }
}

// ---------------------------------------------------------------- posts

function renderFilters() {
  const box = $('[data-panel="posts"] .filters');
  const chips = [];
  const chip = (label, clear) => h('button', { type: 'button', class: 'chip', title: 'Remove this filter', onclick: clear }, label, h('span', { 'aria-hidden': 'true' }, ' ×'));
  if (state.posts.hashtag) chips.push(chip(`#${state.posts.hashtag}`, () => setFilter('hashtag', '')));
  if (state.posts.mention) chips.push(chip(`@${state.posts.mention}`, () => setFilter('mention', '')));
  box.replaceChildren(...chips);
}

function setFilter(type, value) {
  if (type === 'hashtag') state.posts.hashtag = value;
  if (type === 'mention') state.posts.mention = value;
  renderFilters();
  bg(refreshPosts(true));
  if (value) panelEl('posts').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function holdFeed(on) {
  state.posts.held = on;
  if (!on && state.posts.pending) {
    state.posts.pending = false;
    renderPosts(state.posts.pendingFresh);
  }
}

let postsSeq = 0;
async function refreshPosts(reset) {
  const p = state.posts;
  if (!p.available) return;
  const seq = ++postsSeq;
  p.inflight = true;
  const r = await fetchApi('posts', { q: p.q, hashtag: p.hashtag, mention: p.mention, limit: 50 });
  p.inflight = false;
  if (seq !== postsSeq) return; // a newer query answered or will answer
  if (!r.ok) {
    if (r.status === 404) {
      p.available = false;
      $('[data-panel="posts"] .panel-sub').textContent = 'This server keeps no posts.';
    }
    return;
  }
  const list = arr(r.data.posts).filter(isObj);
  if (reset) p.seen = new Set();
  const ids = list.map((x) => str(x.id));
  const fresh = new Set(p.seen.size ? ids.filter((id) => !p.seen.has(id)) : []);
  const changed = reset || ids.join(',') !== p.list.map((x) => str(x.id)).join(',');
  for (const id of ids) p.seen.add(id);
  if (p.seen.size > 5000) p.seen = new Set(ids);
  p.list = list;
  if (!changed) return;
  if ((p.held || state.paused) && !reset) {
    p.pending = true;
    p.pendingFresh = fresh;
    return;
  }
  renderPosts(fresh);
}

function renderPosts(fresh = new Set()) {
  const p = state.posts;
  p.pending = false;
  const ul = $('[data-panel="posts"] .feed');
  const parts = [];
  if (p.q) parts.push(`text contains “${p.q}”`);
  if (p.hashtag) parts.push(`#${p.hashtag}`);
  if (p.mention) parts.push(`@${p.mention}`);
  $('[data-panel="posts"] .panel-sub').textContent = `${p.list.length} newest post${p.list.length === 1 ? '' : 's'}${parts.length ? ` with ${parts.join(', ')}` : ''} · click a hashtag or mention to filter`;
  if (!p.list.length) {
    ul.replaceChildren(h('li', { class: 'empty-note' }, parts.length ? 'No recent post matches.' : 'No posts yet.'));
    return;
  }
  ul.replaceChildren(...p.list.map((post) => postCard(post, { onFilter: setFilter, fresh: fresh.has(str(post.id)) })));
  setReady('posts');
}

async function postsLoop() {
  try {
    if (!state.paused && !document.hidden && state.analyses.length && !state.posts.inflight) {
      const before = state.posts.list.map((x) => str(x.id)).join(',');
      await refreshPosts(false);
      if (!state.paused && state.posts.list.map((x) => str(x.id)).join(',') !== before) bumpUpdates();
    }
  } finally {
    setTimeout(() => bg(postsLoop()), POSTS_POLL_MS);
  }
}

// ---------------------------------------------------------------- rendering

const dirty = new Set();
const lastRender = new Map();
const renderTimers = new Map();

function markDirty(panel) {
  dirty.add(panel);
  // While paused nothing moves; resuming redraws everything.
  if (state.paused || renderTimers.has(panel)) return;
  const wait = Math.max(0, (lastRender.get(panel) ?? 0) + RENDER_GAP_MS - Date.now());
  renderTimers.set(panel, setTimeout(() => {
    renderTimers.delete(panel);
    if (dirty.has(panel)) renderNow(panel);
  }, wait));
}

function renderNow(panel) {
  dirty.delete(panel);
  lastRender.set(panel, Date.now());
  const el = panelEl(panel);
  if (!el || el.hidden) return;
  try {
    RENDER[panel]?.(el);
  } catch (e) {
    console.warn(`starling: could not draw the ${panel} panel`, e);
  }
}

function renderAll() {
  for (const p of PANELS) if (p !== 'posts') renderNow(p);
  renderPosts();
}

function sub(el, text) {
  const s = el.querySelector('.panel-sub');
  if (s) s.textContent = text;
}

function svgOf(el, chart) {
  return el.querySelector(`svg[data-chart="${chart}"]`);
}

function windowLabel(w) {
  if (!w) return '';
  const s = date(w.window_start);
  const e = date(w.window_end);
  const span = s && e ? `${fmtTime(s)}–${fmtTime(e)} UTC` : 'whole input';
  return `${span}${w.final === true ? ' · final' : w.final === false ? ' · in progress' : ''}`;
}

// "16:14:30–16:15:00 (in progress)", for the window pickers.
function windowOptionLabel(w) {
  const s = date(w.window_start);
  const e = date(w.window_end);
  const span = s && e ? `${fmtTime(s)}–${fmtTime(e)}` : 'whole input';
  return `${span}${w.final === false ? ' (in progress)' : ''}`;
}

// Which window a panel's subtitle says it shows.
function shownLabel(w, pinned) {
  return pinned
    ? `chosen window ${windowLabel(w)} · not following live updates`
    : `newest window ${windowLabel(w)}`;
}

function windowOptions(panel) {
  const name = state.sel[panel];
  if (!name) return [['', 'live (newest)']];
  const list = windowsInRange(name).filter((w) => !w._partial).slice(-MAX_PICKER_WINDOWS).reverse();
  const key = pinnedKey(panel);
  if (key && !list.some((w) => windowKey(w) === key)) {
    // The chosen window stays listed after it leaves the range.
    const w = state.windows.get(name)?.get(key);
    if (w) list.push(w);
  }
  return [['', 'live (newest)'], ...list.map((w) => [windowKey(w), windowOptionLabel(w)])];
}

// Brings a window picker's options to el._want, in place: existing options
// are kept (and moved if need be), so the selection is never disturbed.
function applyWindowOptions(sel) {
  const want = sel._want;
  if (!want) return;
  sel._want = null;
  const byValue = new Map([...sel.options].map((o) => [o.value, o]));
  want.forEach(([value, label], i) => {
    let o = byValue.get(value);
    if (!o) o = h('option', { value }, label);
    else if (o.textContent !== label) o.textContent = label;
    if (sel.options[i] !== o) sel.insertBefore(o, sel.options[i] ?? null);
  });
  while (sel.options.length > want.length) sel.options[sel.options.length - 1].remove();
  const value = sel._value ?? '';
  if (sel.value !== value) sel.value = value;
}

// Records which window a one-window panel shows (data-window,
// data-window-live)
// and keeps its window picker current.
function showWindow(el, panel, w, pinned) {
  el.dataset.window = w ? windowKey(w) : '';
  el.dataset.windowLive = pinned ? '0' : '1';
  const sel = el.querySelector('select[data-testid="window-picker"]');
  if (!sel) return;
  sel._want = windowOptions(panel);
  sel._value = pinned ? pinnedKey(panel) : '';
  sel.classList.toggle('pinned', pinned);
  if (document.activeElement !== sel) applyWindowOptions(sel);
}

const STAT_TILES = [
  ['posts/s', (s) => fmtNum(s.posts_per_second)],
  ['posts', (s) => fmtInt(s.posts)],
  ['watermark', (s) => fmtTime(date(s.watermark)), (s) => fmtDateTime(date(s.watermark))],
  ['lag', (s) => fmtSeconds(s.lag_seconds), () => 'wall clock minus watermark'],
  ['late posts', (s) => fmtInt(s.late_posts)],
  ['dead letters', (s) => fmtInt(s.dead_letters)],
  ['checkpoint age', (s) => (s.checkpoint_age_seconds === null || s.checkpoint_age_seconds === undefined ? 'none' : fmtSeconds(s.checkpoint_age_seconds))],
  ['latency p50', (s) => fmtMs(s.latency_p50_ms)],
  ['latency p99', (s) => fmtMs(s.latency_p99_ms)],
  ['open windows', (s) => fmtInt(s.open_windows)],
  ['results', (s) => fmtInt(s.results)],
];

function statsSamples() {
  const all = state.statsHistory;
  if (!state.range || !all.length) return all;
  const cut = all[all.length - 1].t.getTime() - state.range * 1000;
  return all.filter((x) => x.t.getTime() >= cut);
}

const RENDER = {
  stats(el) {
    const s = obj(state.stats);
    if (!state.stats) return;
    const tiles = STAT_TILES.map(([label, fmt, title]) => h('div', { class: 'tile', title: title ? title(s) : null },
      h('dt', {}, label), h('dd', {}, fmt(s))));
    const distinct = latestWindow(state.sel.distinct ?? '');
    if (distinct) {
      const row = obj(arr(distinct.rows).find((r) => str(obj(r).key) === '*') ?? arr(distinct.rows)[0]);
      const est = num(row.estimate) ?? num(row.count);
      if (est !== null) {
        const a = state.byName.get(state.sel.distinct);
        tiles.push(h('div', { class: 'tile', title: `${describe(a ?? { name: state.sel.distinct, kind: 'distinct', by: '', window: '' })}, HyperLogLog estimate of the newest window` },
          h('dt', {}, `distinct ${a?.by && a.by !== 'all' ? a.by : 'authors'}`), h('dd', {}, fmtCompact(est))));
      }
    }
    el.querySelector('.tiles').replaceChildren(...tiles);
    const running = s.running === true ? 'running' : s.running === false ? 'not running' : '';
    sub(el, [str(s.pipeline) || state.pipeline, running, str(s.source), num(s.elapsed_seconds) !== null ? `up ${fmtSeconds(s.elapsed_seconds)}` : '']
      .filter(Boolean).join(' · '));
    const samples = statsSamples();
    const series = (key, f = (v) => v) => samples.map((x) => ({ t: x.t, v: num(x.s[key]) === null ? NaN : f(num(x.s[key])) }));
    drawSparklines(svgOf(el, 'health'), [
      { key: 'lag', label: 'lag', points: series('lag_seconds'), format: fmtSeconds },
      { key: 'p99', label: 'latency p99', points: series('latency_p99_ms'), format: fmtMs },
      { key: 'open', label: 'open windows', points: series('open_windows'), format: fmtInt },
      { key: 'late', label: 'late posts', points: series('late_posts'), format: fmtInt },
    ]);
    setReady('stats');
  },

  rate(el) {
    const samples = statsSamples();
    const pts = samples.map((x) => ({ t: x.t, v: num(x.s.posts_per_second) })).filter((p) => p.v !== null);
    const last = pts.length ? pts[pts.length - 1].v : null;
    sub(el, last === null ? 'waiting for the pipeline’s stats…' : `${fmtNum(last)} posts/s now (wall clock)`);
    let drew = false;
    if (pts.length) {
      drawTimeSeries(svgOf(el, 'rate'), {
        lines: [{ key: 'pps', label: '', color: PALETTE[0], points: pts }],
        label: 'posts per second over time', height: 150, zeroLine: true,
      });
      drew = true;
    } else {
      drawEmpty(svgOf(el, 'rate'), 'waiting for stats…', 150);
    }
    const a = analysis('rate');
    if (a) {
      const ws = windowsInRange(a.name).filter((w) => date(w.window_start) && date(w.window_end));
      const bars = ws.map((w) => ({
        key: windowKey(w),
        t0: date(w.window_start),
        t1: date(w.window_end),
        v: num(obj(arr(w.rows)[0]).count) ?? num(w.total) ?? 0,
      }));
      if (bars.length) {
        drawTimeSeries(svgOf(el, 'windows'), { bars, label: `posts per ${a.window} window`, height: 130 });
        el.querySelector('[data-chart-block="windows"] .chart-title').textContent = `Posts per ${a.window || ''} window (event time, ${a.name})`;
        drew = true;
      } else {
        drawEmpty(svgOf(el, 'windows'), 'no window yet', 130);
      }
    }
    if (drew) setReady('rate');
  },

  trending(el) {
    const a = analysis('trending');
    if (!a) return;
    const { w, pinned } = shownWindow('trending');
    showWindow(el, 'trending', w, pinned);
    const svg = svgOf(el, 'ranking');
    if (!w || !arr(w.rows).length) {
      sub(el, w ? `${shownLabel(w, pinned)} · nothing counted yet` : 'waiting for the first window…');
      drawEmpty(svg, 'no results yet');
      return;
    }
    const prefix = { hashtag: '#', mention: '@', cashtag: '$' }[a.by] ?? '';
    const label = (r) => {
      if (a.kind === 'cooccurrence') return `#${str(r.key)} + #${str(r.key2)}`;
      const k = str(r.key);
      return a.by === 'url' ? k.replace(/^https?:\/\/(www\.)?/, '') : `${prefix}${k}`;
    };
    const rows = arr(w.rows).map(obj).slice(0, 15).map((r) => ({
      key: a.kind === 'cooccurrence' ? `${str(r.key)}\u0000${str(r.key2)}` : str(r.key),
      label: label(r),
      value: num(r.count) ?? 0,
      note: num(r.error) ? `±${fmtCompact(r.error)}` : '',
      raw: r,
    }));
    sub(el, `${shownLabel(w, pinned)} · ${fmtInt(w.total)} counted${a.by === 'hashtag' ? ' · click a bar to filter the posts' : ''}`);
    const plural = { hashtag: 'hashtags', mention: 'mentions', url: 'URLs', domain: 'domains', cashtag: 'cashtags', word: 'words', author: 'authors', lang: 'languages' };
    const what = a.kind === 'cooccurrence' ? 'hashtag pairs' : plural[a.by] ?? (a.by || 'keys');
    el.querySelector('.chart-title').textContent = `Top ${what} — ${a.name}, ${a.window}`;
    drawRanking(svg, rows, {
      label: `top ${a.by} ranking`,
      color: PALETTE[0],
      onClick: a.by === 'hashtag' || a.by === 'mention' ? (d) => setFilter(a.by, d.key) : null,
    });
    setReady('trending');
  },

  sentiment(el) {
    const a = analysis('sentiment');
    if (!a) return;
    const ws = windowsInRange(a.name).filter((w) => date(w.window_end));
    const keys = ['*', ...topSentimentKeys(a.name)];
    bg(backfillSentiment(a.name, keys).then((n) => {
      if (n > 0) markDirty('sentiment');
    }));
    const lines = keys.map((key, i) => ({
      key,
      label: key === '*' ? 'all posts' : a.by === 'hashtag' ? `#${key}` : key,
      color: PALETTE[i % PALETTE.length],
      width: key === '*' ? 3 : 1.5,
      opacity: key === '*' ? 1 : 0.8,
      points: ws.map((w) => {
        const r = obj(arr(w.rows).find((x) => str(obj(x).key) === key));
        const v = num(r.mean_compound);
        return v === null ? null : { t: date(w.window_end), v };
      }).filter(Boolean),
    })).filter((l) => l.points.length);
    const svg = svgOf(el, 'lines');
    if (!lines.length) {
      sub(el, 'waiting for the first window…');
      drawEmpty(svg, 'no results yet');
      return;
    }
    const latest = ws[ws.length - 1];
    const star = obj(arr(latest?.rows).find((x) => str(obj(x).key) === '*'));
    const pos = num(star.positive);
    const neg = num(star.negative);
    const neu = num(star.neutral);
    const tot = (pos ?? 0) + (neg ?? 0) + (neu ?? 0);
    sub(el, `${a.name}, ${a.window} windows · newest: mean ${fmtNum(star.mean_compound, 3)}${tot ? ` · ${Math.round((100 * (pos ?? 0)) / tot)}% positive, ${Math.round((100 * (neg ?? 0)) / tot)}% negative` : ''}`);
    const tall = (svg.parentElement?.clientWidth ?? 0) > 560;
    drawTimeSeries(svg, { lines, zeroLine: true, label: 'mean sentiment over time', yFormat: (v) => v.toFixed(2), height: tall ? 300 : 220 });
    setReady('sentiment');
  },

  languages(el) {
    drawShare(el, 'languages', langName);
  },

  providers(el) {
    drawShare(el, 'providers', (k) => k);
  },

  bursts(el) {
    const a = analysis('bursts');
    if (!a) return;
    const ws = windowsInRange(a.name).filter((w) => arr(w.rows).length);
    const newestEnd = ws.length ? ws[ws.length - 1]._end : null;
    const items = ws.flatMap((w) => arr(w.rows).map(obj).map((r) => ({
      key: `${windowKey(w)}|${str(r.key)}`,
      t: date(w.window_end) ?? new Date(),
      term: str(r.key) || str(r.term),
      z: num(r.z) ?? 0,
      count: num(r.count) ?? 0,
      baseline: num(r.baseline),
      isNew: w._end === newestEnd,
    })));
    const svg = svgOf(el, 'timeline');
    const list = el.querySelector('.burst-list');
    if (!items.length) {
      sub(el, `${a.name}: terms of ${a.by || 'the stream'} whose count jumps above their moving baseline`);
      drawEmpty(svg, 'no burst yet', 120);
      list.replaceChildren(h('li', { class: 'empty-note' }, 'No burst has fired yet.'));
      return;
    }
    const newest = ws[ws.length - 1];
    sub(el, `${items.length} burst${items.length === 1 ? '' : 's'} in range · newest ${windowLabel(newest)}`);
    drawBursts(svg, items, 'bursts by z-score over time');
    const prefix = a.by === 'hashtag' ? '#' : a.by === 'mention' ? '@' : '';
    const sorted = [...items].sort((x, y) => y.t - x.t || y.z - x.z).slice(0, 30);
    list.replaceChildren(...sorted.map((b) => h('li', { class: `burst${b.isNew ? ' newest' : ''}` },
      h('time', {}, fmtTime(b.t)),
      a.by === 'hashtag'
        ? h('button', { type: 'button', class: 'ent ent-hashtag', onclick: () => setFilter('hashtag', b.term) }, `${prefix}${b.term}`)
        : h('span', { class: 'term' }, `${prefix}${b.term}`),
      h('span', { class: 'z', title: 'z-score' }, `z ${fmtNum(b.z)}`),
      h('span', { class: 'cnt' }, `${fmtInt(b.count)}${b.baseline !== null ? ` vs ${fmtNum(b.baseline)}` : ''}`))));
    setReady('bursts');
  },

  clusters(el) {
    const a = analysis('clusters');
    if (!a) return;
    const { w, pinned } = shownWindow('clusters');
    showWindow(el, 'clusters', w, pinned);
    const svg = svgOf(el, 'sizes');
    const rows = arr(w?.rows).map(obj);
    if (!rows.length) {
      sub(el, w ? `${a.name}, ${shownLabel(w, pinned)} · no clusters` : 'waiting for the first window…');
      drawEmpty(svg, 'no clusters yet');
      return;
    }
    // Bars: posts assigned in this window; before any is assigned (a
    // preview), the decayed size.
    const byPosts = rows.some((r) => (num(r.count) ?? 0) > 0);
    const items = rows.map((r) => {
      const terms = str(r.top_terms).split(/\s+/).filter(Boolean);
      return {
        key: str(r.key),
        label: `${str(r.key)}: ${terms.slice(0, 3).join(' ')}`,
        value: (byPosts ? num(r.count) : num(r.weight)) ?? 0,
        note: byPosts && num(r.weight) !== null ? `size ${fmtCompact(r.weight)}` : '',
        terms,
      };
    }).sort((x, y) => y.value - x.value);
    el.querySelector('.chart-title').textContent = byPosts ? 'Posts per cluster in this window (and decayed size)' : 'Cluster size (decayed weight)';
    sub(el, `${a.name}, ${shownLabel(w, pinned)} · ${rows.length} clusters`);
    drawRanking(svg, items, { label: 'topic clusters by size', labelWidth: 230, valueWidth: 110, barHeight: 22 });
    el.querySelector('.cluster-list').replaceChildren(...items.map((c, i) => h('li', {},
      h('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` }),
      h('strong', {}, `cluster ${c.key}`),
      h('span', { class: 'terms' }, ...c.terms.map((t) => h('span', { class: 'term-chip' }, t))))));
    setReady('clusters');
  },
};

let displayNames = null;
function langName(code) {
  if (code === 'und') return 'undetermined (und)';
  try {
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    const n = displayNames.of(code);
    return n && n !== code ? `${n} (${code})` : code;
  } catch {
    return code;
  }
}

function drawShare(el, panel, nameOf) {
  const a = analysis(panel);
  if (!a) return;
  const { w, pinned } = shownWindow(panel);
  showWindow(el, panel, w, pinned);
  el.querySelector('.chart-title').textContent = `Posts by ${panel === 'languages' ? 'language' : 'provider'}, ${pinned ? 'chosen' : 'newest'} window`;
  const svg = svgOf(el, 'bars');
  const rows = arr(w?.rows).map(obj).filter((r) => num(r.count) !== null);
  if (!rows.length) {
    sub(el, w ? `${a.name} · ${shownLabel(w, pinned)} · nothing counted` : 'waiting for the first window…');
    drawEmpty(svg, 'no results yet');
    return;
  }
  rows.sort((x, y) => num(y.count) - num(x.count));
  const total = num(w.total) || rows.reduce((s, r) => s + num(r.count), 0) || 1;
  const shown = rows.slice(0, 8);
  const rest = rows.slice(8).reduce((s, r) => s + num(r.count), 0);
  const items = shown.map((r, i) => ({ key: str(r.key), label: nameOf(str(r.key)), value: num(r.count), color: PALETTE[i % PALETTE.length] }));
  if (rest > 0) items.push({ key: '\u0000other', label: `${rows.length - 8} others`, value: rest, color: '#6b7785' });
  for (const it of items) it.note = `${((100 * it.value) / total).toFixed(it.value / total < 0.1 ? 1 : 0)}%`;
  sub(el, `${a.name} · ${shownLabel(w, pinned)} · ${fmtInt(total)} posts`);
  drawRanking(svg, items, { label: `${panel} mix`, labelWidth: 170, valueWidth: 90, barHeight: 20 });
  setReady(panel);
}

// ---------------------------------------------------------------- start

async function start() {
  buildLayout();
  document.body.dataset.updates = '0';
  $('#range').addEventListener('change', (ev) => {
    state.range = Number(ev.target.value) || 0;
    document.body.dataset.range = String(state.range);
    bg(Promise.all(['rate', 'sentiment', 'bursts', ...WINDOW_PANELS].map((p) => loadPanel(p, { history: true }))).then(renderAll));
    renderAll();
  });
  state.range = Number($('#range').value) || 0;
  $('#pause').addEventListener('click', () => setPaused(!state.paused));
  const ro = new ResizeObserver(debounce(() => renderAll(), 150));
  ro.observe($('#grid'));

  let delay = 1000;
  for (;;) {
    const r = await fetchApi('analyses');
    if (r.ok) {
      setAnalyses(r.data.analyses, str(r.data.pipeline));
      banner('');
      break;
    }
    if (r.status !== 401) banner(`Cannot reach the Starling API (${r.status ? `HTTP ${r.status}` : r.error}); retrying…`, 'warn');
    await new Promise((res) => setTimeout(res, delay));
    delay = Math.min(30000, delay * 2);
  }
  stream.start();
  await loadAll();
  bg(fallbackPoll());
  setTimeout(() => bg(postsLoop()), POSTS_POLL_MS);
}

function boot() {
  start().catch((e) => {
    console.warn('starling: could not start', e);
    banner('The dashboard could not start; see the browser console.');
  });
}

// The bundle is injected by a small loader, so it may run before the body is parsed.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
