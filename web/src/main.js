// The Starling dashboard: reads the JSON API and the live stream of
// docs/api.md and draws one panel per kind of result. This file is the
// controller (layout, loading, live updates, the posts feed, redraws);
// panels.js draws, state.js and windows.js hold what the page knows.

import './style.css';
import { Stream, getJson, token } from './api.js';
import { downloadPng, downloadSvg } from './download.js';
import { postCard } from './feed.js';
import { RENDER, applyWindowOptions, connectPanels, sub } from './panels.js';
import {
  $, FALLBACK_POLL_MS, FEEDS, MAX_QUEUE, MAX_STATS, PANELS, POSTS_POLL_MS, RENDER_GAP_MS, WINDOW_PANELS, analysis, describe, panelEl, panelsFed, state,
} from './state.js';
import { latestWindow, limitFor, mergeSentimentPoint, storeWindow, windowsOf } from './windows.js';
import {
  arr, debounce, h, isObj, num, obj, str,
} from './util.js';

// ---------------------------------------------------------------- DOM

// Fire and forget: a failure is a bug, shown as a warning, never an
// unhandled rejection.
function bg(promise) {
  promise.catch((e) => console.warn('starling: unexpected failure', e));
}

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
        h('div', { class: 'source-partitions', 'data-testid': 'source-partitions', hidden: true }),
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


// A result into the store; the panels it feeds redraw.
function putWindow(result) {
  const name = storeWindow(result);
  if (name) for (const p of panelsFed(name)) markDirty(p === 'distinct' ? 'stats' : p);
  return name;
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

connectPanels({ setReady, setFilter, markDirty, bg, topSentimentKeys, backfillSentiment });

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
