// How each panel draws what its analysis kind gives (RENDER, one entry a
// panel), with the window pickers and labels they share. What the page's
// controller (main.js) lends them comes through connectPanels.

import { PALETTE, drawBursts, drawEmpty, drawRanking, drawSparklines, drawTimeSeries } from './charts.js';
import { MAX_PICKER_WINDOWS, analysis, describe, state } from './state.js';
import { arr, date, fmtCompact, fmtDateTime, fmtInt, fmtMs, fmtNum, fmtSeconds, fmtTime, h, num, obj, str, windowKey } from './util.js';
import { latestWindow, pinnedKey, shownWindow, windowsInRange } from './windows.js';

// setReady, setFilter, markDirty, bg, topSentimentKeys, backfillSentiment.
const env = {};
export function connectPanels(functions) {
  Object.assign(env, functions);
}

export function sub(el, text) {
  const s = el.querySelector('.panel-sub');
  if (s) s.textContent = text;
}

export function svgOf(el, chart) {
  return el.querySelector(`svg[data-chart="${chart}"]`);
}

export function windowLabel(w) {
  if (!w) return '';
  const s = date(w.window_start);
  const e = date(w.window_end);
  const span = s && e ? `${fmtTime(s)}–${fmtTime(e)} UTC` : 'whole input';
  return `${span}${w.final === true ? ' · final' : w.final === false ? ' · in progress' : ''}`;
}

// "16:14:30–16:15:00 (in progress)", for the window pickers.
export function windowOptionLabel(w) {
  const s = date(w.window_start);
  const e = date(w.window_end);
  const span = s && e ? `${fmtTime(s)}–${fmtTime(e)}` : 'whole input';
  return `${span}${w.final === false ? ' (in progress)' : ''}`;
}

// Which window a panel's subtitle says it shows.
export function shownLabel(w, pinned) {
  return pinned
    ? `chosen window ${windowLabel(w)} · not following live updates`
    : `newest window ${windowLabel(w)}`;
}

export function windowOptions(panel) {
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
export function applyWindowOptions(sel) {
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
export function showWindow(el, panel, w, pinned) {
  el.dataset.window = w ? windowKey(w) : '';
  el.dataset.windowLive = pinned ? '0' : '1';
  const sel = el.querySelector('select[data-testid="window-picker"]');
  if (!sel) return;
  sel._want = windowOptions(panel);
  sel._value = pinned ? pinnedKey(panel) : '';
  sel.classList.toggle('pinned', pinned);
  if (document.activeElement !== sel) applyWindowOptions(sel);
}

export const STAT_TILES = [
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

// A partitioned log's (Kafka's) partitions held, from stats.source_health
// (the server adds `partitions` only for such a source): [{partition,
// next_offset, lag}] with null for what is not known yet, or null when the
// source is not partitioned.
export function sourcePartitions(hs) {
  if (!Array.isArray(hs.partitions)) return null;
  return hs.partitions.map(obj).map((p) => ({ partition: num(p.partition), next: num(p.next_offset), lag: num(p.lag) }))
    .filter((p) => p.partition !== null)
    .sort((a, b) => a.partition - b.partition);
}

// The sum of the known lags, and how many partitions have none yet.
export function totalLag(parts) {
  const known = parts.filter((p) => p.lag !== null);
  return { lag: known.length ? known.reduce((t, p) => t + p.lag, 0) : null, unknown: parts.length - known.length };
}

// A provider source's connection (stats.source_health): whether it is
// connected or waiting, its reconnects, duplicates dropped and rate limit;
// for a partitioned log (Kafka) its brokers, rebalances and total lag
// instead (the partitions' table is drawn by drawSourcePartitions).
// None for files and the generator.
export function sourceTiles(hs) {
  if (!Object.keys(hs).length) return [];
  const tile = (label, value, title) => h('div', { class: 'tile', title: title || null }, h('dt', {}, label), h('dd', {}, value));
  const wait = str(hs.backoff);
  // Short values: a tile is narrow ("up", "down", or the wait: "http 10s").
  const state = hs.connected === true ? 'up' : wait || 'down';
  const tiles = [
    tile('source', state, `${hs.connected === true ? 'connected' : wait ? `waiting ${wait} before the next attempt` : 'not connected'}; ${str(hs.last_error) ? `last error: ${str(hs.last_error)}` : 'no error so far'}`),
  ];
  const parts = sourcePartitions(hs);
  if (parts) {
    const total = totalLag(parts);
    tiles.push(
      tile('brokers', fmtInt(hs.brokers), 'brokers in the cluster\'s metadata'),
      tile('rebalances', fmtInt(hs.rebalances), 'consumer group rebalances seen (assignments and revocations)'),
      tile('consumer lag', fmtInt(total.lag), `messages behind the high watermarks, over ${parts.length} partition(s) held${total.unknown ? `; ${total.unknown} not fetched yet` : ''}`),
    );
    return tiles;
  }
  tiles.push(
    tile('reconnects', fmtInt(hs.reconnects), `${fmtInt(hs.connects)} connections or polls answered, ${fmtInt(hs.requests)} requests`),
    tile('duplicates dropped', fmtInt(hs.duplicates), 'records the provider sent again (after a reconnect or resume), dropped by id'),
  );
  if (num(hs.rate_limit_remaining) !== null) tiles.push(tile('rate limit left', fmtInt(hs.rate_limit_remaining), 'requests left in the provider\'s window'));
  return tiles;
}

// The partitions' table of a partitioned source (el: the stats panel's
// .source-partitions block): partition, next offset, lag with a bar, and the
// total; hidden (and empty) when the source is not partitioned. Raw values
// in data-* for tests (data-lag="" while not known).
export function drawSourcePartitions(el, hs) {
  if (!el) return;
  const parts = sourcePartitions(hs);
  if (!parts) {
    if (!el.hidden) {
      el.hidden = true;
      el.replaceChildren();
      for (const k of ['partitions', 'totalLag', 'brokers', 'rebalances']) delete el.dataset[k];
    }
    return;
  }
  const total = totalLag(parts);
  const most = Math.max(1, ...parts.map((p) => p.lag ?? 0));
  const rows = parts.map((p) => {
    const bar = h('span', { class: 'lag-bar' });
    bar.style.width = `${p.lag === null ? 0 : Math.round((p.lag / most) * 100)}%`;
    return h('tr', { 'data-partition': p.partition, 'data-next-offset': p.next ?? '', 'data-lag': p.lag ?? '' },
      h('th', { scope: 'row' }, String(p.partition)),
      h('td', { class: 'num' }, p.next === null ? '–' : fmtInt(p.next)),
      h('td', { class: 'num' }, p.lag === null ? '–' : fmtInt(p.lag)),
      h('td', { class: 'lag-cell', 'aria-hidden': 'true' }, bar));
  });
  if (!rows.length) {
    rows.push(h('tr', { class: 'none' }, h('td', { colspan: 4 }, 'no partition assigned (yet)')));
  }
  el.hidden = false;
  el.dataset.partitions = String(parts.length);
  el.dataset.totalLag = total.lag === null ? '' : String(total.lag);
  el.dataset.brokers = String(num(hs.brokers) ?? '');
  el.dataset.rebalances = String(num(hs.rebalances) ?? '');
  el.replaceChildren(h('table', { class: 'partitions' },
    h('caption', {}, `Partitions held: ${parts.length} · brokers ${fmtInt(hs.brokers)} · rebalances ${fmtInt(hs.rebalances)} · lag: messages behind the partition's high watermark`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'partition'),
      h('th', { scope: 'col', class: 'num' }, 'next offset'),
      h('th', { scope: 'col', class: 'num' }, 'lag'),
      h('th', { class: 'lag-cell', 'aria-hidden': 'true' }))),
    h('tbody', {}, rows),
    h('tfoot', {}, h('tr', {},
      h('th', { scope: 'row' }, 'total'),
      h('td', {}),
      h('td', { class: 'num', 'data-total-lag': total.lag ?? '', title: total.unknown ? `${total.unknown} partition(s) not fetched yet` : null }, fmtInt(total.lag)),
      h('td', {})))));
}

export function statsSamples() {
  const all = state.statsHistory;
  if (!state.range || !all.length) return all;
  const cut = all[all.length - 1].t.getTime() - state.range * 1000;
  return all.filter((x) => x.t.getTime() >= cut);
}

export const RENDER = {
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
    const hs = obj(s.source_health);
    tiles.push(...sourceTiles(hs));
    el.querySelector('.tiles').replaceChildren(...tiles);
    drawSourcePartitions(el.querySelector('.source-partitions'), hs);
    const running = s.running === true ? 'running' : s.running === false ? 'not running' : '';
    sub(el, [str(s.pipeline) || state.pipeline, running, str(s.source), num(s.elapsed_seconds) !== null ? `up ${fmtSeconds(s.elapsed_seconds)}` : '']
      .filter(Boolean).join(' · '));
    const samples = statsSamples();
    const series = (key, f = (v) => v) => samples.map((x) => ({ t: x.t, v: num(x.s[key]) === null ? NaN : f(num(x.s[key])) }));
    const sparks = [
      { key: 'lag', label: 'lag', points: series('lag_seconds'), format: fmtSeconds },
      { key: 'p99', label: 'latency p99', points: series('latency_p99_ms'), format: fmtMs },
      { key: 'open', label: 'open windows', points: series('open_windows'), format: fmtInt },
      { key: 'late', label: 'late posts', points: series('late_posts'), format: fmtInt },
    ];
    if (sourcePartitions(hs)) {
      sparks.push({
        key: 'consumer-lag',
        label: 'consumer lag',
        points: samples.map((x) => {
          // Summed once a sample: the history holds up to an hour of them.
          if (x.consumerLag === undefined) {
            const parts = sourcePartitions(obj(x.s.source_health));
            x.consumerLag = parts ? totalLag(parts).lag : null;
          }
          return { t: x.t, v: x.consumerLag === null ? NaN : x.consumerLag };
        }),
        format: fmtInt,
      });
    }
    drawSparklines(svgOf(el, 'health'), sparks);
    env.setReady('stats');
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
    if (drew) env.setReady('rate');
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
      onClick: a.by === 'hashtag' || a.by === 'mention' ? (d) => env.setFilter(a.by, d.key) : null,
    });
    env.setReady('trending');
  },

  sentiment(el) {
    const a = analysis('sentiment');
    if (!a) return;
    const ws = windowsInRange(a.name).filter((w) => date(w.window_end));
    const keys = ['*', ...env.topSentimentKeys(a.name)];
    env.bg(env.backfillSentiment(a.name, keys).then((n) => {
      if (n > 0) env.markDirty('sentiment');
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
    env.setReady('sentiment');
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
        ? h('button', { type: 'button', class: 'ent ent-hashtag', onclick: () => env.setFilter('hashtag', b.term) }, `${prefix}${b.term}`)
        : h('span', { class: 'term' }, `${prefix}${b.term}`),
      h('span', { class: 'z', title: 'z-score' }, `z ${fmtNum(b.z)}`),
      h('span', { class: 'cnt' }, `${fmtInt(b.count)}${b.baseline !== null ? ` vs ${fmtNum(b.baseline)}` : ''}`))));
    env.setReady('bursts');
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
    env.setReady('clusters');
  },
};

export let displayNames = null;
export function langName(code) {
  if (code === 'und') return 'undetermined (und)';
  try {
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    const n = displayNames.of(code);
    return n && n !== code ? `${n} (${code})` : code;
  } catch {
    return code;
  }
}

export function drawShare(el, panel, nameOf) {
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
  env.setReady(panel);
}
