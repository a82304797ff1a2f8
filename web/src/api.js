// Talks to the starling server: JSON under api/v1/ (relative to the page, so
// same origin) and the api/v1/stream WebSocket. Never throws and never
// rejects: every call resolves to a result object the caller checks.

import { isObj, obj, str } from './util.js';

// ?token=T on the page URL: kept in memory, sent as a Bearer header on
// fetches and as ?token= on the WebSocket URL (docs/api.md, Safety).
export const token = (() => {
  try {
    return new URLSearchParams(window.location.search).get('token') || '';
  } catch {
    return '';
  }
})();

export function apiUrl(endpoint, params) {
  const url = new URL(`api/v1/${endpoint}`, document.baseURI);
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === null || v === undefined || v === '') continue;
    url.searchParams.set(k, String(v));
  }
  return url;
}

// GET api/v1/ENDPOINT. Resolves to {ok, status, data, error, retryAfter}.
export async function getJson(endpoint, params, { timeoutMs = 10000 } = {}) {
  const url = apiUrl(endpoint, params);
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(url, { headers, signal: ctrl.signal, cache: 'no-store' });
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const message = str(obj(obj(data).error).message, res.statusText || `HTTP ${res.status}`);
      const retryAfter = Number(res.headers.get('Retry-After'));
      return {
        ok: false,
        status: res.status,
        data: null,
        error: message,
        retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
      };
    }
    if (!isObj(data)) return { ok: false, status: res.status, data: null, error: 'not a JSON object' };
    return { ok: true, status: res.status, data, error: null };
  } catch (e) {
    const aborted = e && e.name === 'AbortError';
    return { ok: false, status: 0, data: null, error: aborted ? 'timed out' : 'network error' };
  } finally {
    clearTimeout(timer);
  }
}

// The live stream, reconnecting with exponential backoff (1 s doubling to
// 30 s, with jitter) whenever it closes. onMessage gets each parsed object,
// onState 'connecting' | 'open' | 'closed'.
export class Stream {
  constructor({ onMessage, onState }) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.lastMessageAt = 0;
  }

  url() {
    const url = new URL('api/v1/stream', document.baseURI);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.onState('connecting');
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.onState('open');
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastMessageAt = Date.now();
      if (typeof ev.data !== 'string') return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (!isObj(msg)) return;
      try {
        this.onMessage(msg);
      } catch (e) {
        // A bad message must not kill the stream; keep it visible for debugging.
        console.warn('starling: could not apply a stream message', e);
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onState('closed');
      this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    if (this.stopped || this.timer) return;
    const base = Math.min(30000, 1000 * 2 ** Math.min(this.attempt, 5));
    this.attempt += 1;
    const delay = base * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close(1000);
      } catch {
        // already closing
      }
    }
  }
}
