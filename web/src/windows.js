// The windows the page holds, per analysis (newest MAX_WINDOWS), and which
// one a panel shows.

import { MAX_WINDOWS, analysis, state } from './state.js';
import { arr, date, isObj, obj, str, windowKey, windowStep } from './util.js';

export function storeFor(name) {
  let m = state.windows.get(name);
  if (!m) {
    m = new Map();
    state.windows.set(name, m);
  }
  return m;
}

export function endTime(w) {
  const d = date(w.window_end) ?? date(w.window_start);
  return d ? d.getTime() : Number.MAX_SAFE_INTEGER; // the global window sorts last
}

export function storeWindow(result) {
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
  return name;
}

// Rows of a /sentiment point merged into the stored window of that time.
export function mergeSentimentPoint(name, key, p) {
  const o = obj(p);
  const wk = windowKey(o);
  const m = storeFor(name);
  const w = m.get(wk) ?? { analysis: name, kind: 'sentiment', window_start: o.window_start, window_end: o.window_end, rows: [], _end: endTime(o), _partial: true };
  if (!w.rows.some((r) => str(obj(r).key) === key)) {
    w.rows = [...w.rows, { key, count: o.posts, mean_compound: o.mean_compound, positive: o.positive, neutral: o.neutral, negative: o.negative }];
  }
  m.set(wk, w);
}

export function windowsOf(name) {
  const m = state.windows.get(name);
  if (!m) return [];
  return [...m.values()].sort((a, b) => a._end - b._end);
}

export function latestWindow(name) {
  const all = windowsOf(name);
  return all.length ? all[all.length - 1] : null;
}

// Windows within the chosen range of event time, ending at the newest.
export function windowsInRange(name) {
  const all = windowsOf(name);
  if (!state.range || !all.length) return all;
  const last = all[all.length - 1]._end;
  if (last === Number.MAX_SAFE_INTEGER) return all;
  return all.filter((w) => w._end > last - state.range * 1000);
}

// The window a one-window panel shows: the one chosen in its window picker
// (pinned) or, live, the newest.
export function pinnedKey(panel) {
  const p = state.pin[panel];
  return p && p.name === state.sel[panel] ? p.key : '';
}

export function shownWindow(panel) {
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

export function limitFor(panel) {
  if (!state.range) return MAX_WINDOWS;
  const step = windowStep(analysis(panel)?.window) ?? 60;
  return Math.max(1, Math.min(MAX_WINDOWS, Math.ceil(state.range / step) + 1));
}
