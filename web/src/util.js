// Small helpers: guarded access to JSON that may lack any field, durations,
// time and number formatting. Nothing here throws on odd input.

export function isObj(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function obj(v) {
  return isObj(v) ? v : {};
}

export function arr(v) {
  return Array.isArray(v) ? v : [];
}

export function str(v, fallback = '') {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return fallback;
}

// A finite number or null (strings holding numbers count).
export function num(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

// A Date from an ISO string, or null.
export function date(v) {
  if (typeof v !== 'string' || v === '') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t) : null;
}

const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

// "500ms", "5s", "1m", "2h" -> seconds; null when not a duration.
export function parseDuration(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(str(text));
  if (!m) return null;
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

// How far apart consecutive windows of an analysis start, in seconds:
// "5s" and "tumbling 1m" give their size, "sliding 5m 1m" its slide,
// "global" and sessions null.
export function windowStep(windowSpec) {
  const parts = str(windowSpec).trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return null;
  if (parts[0] === 'global' || parts[0] === 'session') return null;
  if (parts[0] === 'tumbling') return parseDuration(parts[1]);
  if (parts[0] === 'sliding') return parseDuration(parts[2] ?? parts[1]);
  return parseDuration(parts[0]);
}

export function windowKey(w) {
  const o = obj(w);
  return `${str(o.window_start, 'global')}|${str(o.window_end, 'global')}`;
}

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function fmtInt(v) {
  const n = num(v);
  return n === null ? '–' : intFmt.format(n);
}

export function fmtNum(v, digits = 1) {
  const n = num(v);
  if (n === null) return '–';
  if (digits === 1) return oneFmt.format(n);
  return n.toFixed(digits);
}

// Compact: 1234 -> 1.2k, 2500000 -> 2.5M.
export function fmtCompact(v) {
  const n = num(v);
  if (n === null) return '–';
  const a = Math.abs(n);
  if (a >= 1e9) return `${oneFmt.format(n / 1e9)}G`;
  if (a >= 1e6) return `${oneFmt.format(n / 1e6)}M`;
  if (a >= 1e4) return `${oneFmt.format(n / 1e3)}k`;
  return a >= 100 ? intFmt.format(n) : oneFmt.format(n);
}

export function fmtSeconds(v) {
  const n = num(v);
  if (n === null) return '–';
  if (Math.abs(n) < 1) return `${(n * 1000).toFixed(0)} ms`;
  if (Math.abs(n) < 120) return `${oneFmt.format(n)} s`;
  if (Math.abs(n) < 7200) return `${oneFmt.format(n / 60)} min`;
  return `${oneFmt.format(n / 3600)} h`;
}

export function fmtMs(v) {
  const n = num(v);
  if (n === null) return '–';
  if (n < 0.01) return `${(n * 1000).toFixed(1)} µs`;
  if (n < 10) return `${n.toFixed(3)} ms`;
  return `${oneFmt.format(n)} ms`;
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

// Event times are UTC; show them as UTC so they match the stores.
export function fmtTime(d) {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return '–';
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function fmtDateTime(d) {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return '–';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${fmtTime(d)} UTC`;
}

export function truncate(text, max) {
  const s = str(text);
  const cps = Array.from(s);
  return cps.length <= max ? s : `${cps.slice(0, max - 1).join('')}…`;
}

// Creates an element with attributes and children (strings become text).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
