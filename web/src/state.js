// The dashboard's state: its limits, what the page holds, its panels and
// which analysis kinds feed each (docs/dashboard.md).

export const MAX_WINDOWS = 1000; // per analysis, as the API's own limit
export const MAX_STATS = 3600; // samples (about an hour at one a second)
export const MAX_QUEUE = 20000; // messages held while paused
export const POSTS_POLL_MS = 3000;
export const FALLBACK_POLL_MS = 2000;
export const RENDER_GAP_MS = 700; // at most one redraw of a panel per this, so transitions can play
export const MAX_PICKER_WINDOWS = 200; // entries of a window picker, newest first

export const state = {
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

export const PANELS = ['stats', 'rate', 'trending', 'sentiment', 'languages', 'providers', 'bursts', 'clusters', 'posts'];
// Panels that show one window, with a window picker.
export const WINDOW_PANELS = ['trending', 'languages', 'providers', 'clusters'];

// Which analyses feed which panel.
export const FEEDS = {
  rate: (a) => a.kind === 'count' && (a.by === 'all' || a.by === '' || a.by === '*'),
  trending: (a) => a.kind === 'top' || a.kind === 'cooccurrence',
  sentiment: (a) => a.kind === 'sentiment',
  languages: (a) => a.kind === 'count' && a.by === 'lang',
  providers: (a) => a.kind === 'count' && a.by === 'provider',
  bursts: (a) => a.kind === 'bursts',
  clusters: (a) => a.kind === 'clusters',
  distinct: (a) => a.kind === 'distinct',
};

export const $ = (sel, root = document) => root.querySelector(sel);

export const panelEl = (name) => $(`[data-panel="${name}"]`);

export const analysis = (panel) => state.byName.get(state.sel[panel]);

export function panelsFed(name) {
  return Object.entries(state.sel).filter(([, n]) => n === name).map(([p]) => p);
}

export function describe(a) {
  const what = a.kind === 'cooccurrence' ? 'hashtag pairs' : [a.kind, a.by].filter(Boolean).join(' by ');
  return `${a.name} (${what}${a.window ? `, ${a.window}` : ''})`;
}
