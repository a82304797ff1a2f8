// One post of the feed: its text with hashtags, mentions, cashtags and URLs
// highlighted from the entity ranges of the normalized post JSON
// (docs/formats/post.md: offsets in code points, end exclusive). Text is
// only ever inserted as text nodes, never as HTML.

import { arr, date, fmtDateTime, fmtTime, h, num, obj, str } from './util.js';

// The provider keeps HTML entities (&amp;); show them as characters.
function unescapeHtml(s) {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (m, e) => (
    { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }[e] ?? m));
}

function safeHref(u) {
  const s = str(u);
  try {
    const url = new URL(s);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

// Entities of a post as [{type, start, end, value, ...}], in text order,
// overlapping or out-of-range ones dropped. When an offset does not point at
// the entity (a provider quirk), look for it in the text instead.
export function entitiesOf(post, cps) {
  const out = [];
  const add = (type, e, value, marker) => {
    const o = obj(e);
    let start = num(o.start);
    let end = num(o.end);
    const v = str(value);
    if (!v) return;
    const expected = marker ? `${marker}${v}`.toLowerCase() : null;
    const ok = start !== null && end !== null && start >= 0 && end > start && end <= cps.length;
    const slice = ok ? cps.slice(start, end).join('').toLowerCase() : '';
    if (expected && (!ok || !(slice === expected || slice.endsWith(v.toLowerCase())))) {
      const text = cps.join('').toLowerCase();
      const idx = text.indexOf(expected);
      if (idx < 0) return;
      start = Array.from(text.slice(0, idx)).length;
      end = start + Array.from(expected).length;
    } else if (!ok) {
      return;
    }
    out.push({ ...o, type, start, end, value: v });
  };
  for (const e of arr(post.hashtags)) add('hashtag', e, obj(e).tag, '#');
  for (const e of arr(post.mentions)) add('mention', e, obj(e).handle ?? obj(e).username, '@');
  for (const e of arr(post.cashtags)) add('cashtag', e, obj(e).tag, '$');
  for (const e of arr(post.urls)) add('url', e, obj(e).url ?? obj(e).expanded_url, null);
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [];
  let last = 0;
  for (const e of out) {
    if (e.start < last) continue;
    kept.push(e);
    last = e.end;
  }
  return kept;
}

function entityNode(e, text, onFilter) {
  if (e.type === 'hashtag' || e.type === 'mention') {
    return h('button', {
      type: 'button',
      class: `ent ent-${e.type}`,
      title: `Show posts with ${e.type === 'hashtag' ? '#' : '@'}${e.value}`,
      'data-entity': e.type,
      'data-value': e.value,
      onclick: () => onFilter(e.type, e.value),
    }, text);
  }
  if (e.type === 'url') {
    const href = safeHref(e.unwound_url) ?? safeHref(e.expanded_url) ?? safeHref(e.url);
    const shown = str(e.display_url) || text;
    // data-url: the link as it stands in the text (a search matches it).
    if (!href) return h('span', { class: 'ent ent-url', 'data-url': text }, shown);
    return h('a', { class: 'ent ent-url', href, target: '_blank', rel: 'noopener noreferrer nofollow', title: href, 'data-url': text }, shown);
  }
  return h('span', { class: `ent ent-${e.type}` }, text);
}

export function renderText(post, onFilter) {
  const text = str(post.text);
  const cps = Array.from(text);
  const frag = document.createDocumentFragment();
  let pos = 0;
  for (const e of entitiesOf(post, cps)) {
    if (e.start > pos) frag.append(unescapeHtml(cps.slice(pos, e.start).join('')));
    frag.append(entityNode(e, unescapeHtml(cps.slice(e.start, e.end).join('')), onFilter));
    pos = e.end;
  }
  if (pos < cps.length) frag.append(unescapeHtml(cps.slice(pos).join('')));
  return frag;
}

export function postCard(post, { onFilter, fresh }) {
  const p = obj(post);
  const author = obj(p.author);
  const handle = str(author.handle) || str(author.username);
  const name = str(author.name);
  const created = date(p.created_at);
  const kind = str(p.kind);
  return h('li', { class: `post${fresh ? ' fresh' : ''}`, 'data-id': str(p.id) },
    h('div', { class: 'post-head' },
      h('span', { class: 'post-author' },
        name ? h('span', { class: 'post-name' }, name) : null,
        handle ? h('span', { class: 'post-handle' }, `@${handle}`) : null),
      h('span', { class: 'post-meta' },
        kind && kind !== 'post' ? h('span', { class: 'tag' }, kind) : null,
        str(p.lang) ? h('span', { class: 'tag', title: 'language' }, str(p.lang)) : null,
        str(p.provider) ? h('span', { class: 'tag', title: 'provider' }, str(p.provider)) : null,
        h('time', { datetime: str(p.created_at), title: fmtDateTime(created) }, fmtTime(created)))),
    h('p', { class: 'post-text', dir: 'auto' }, renderText(p, onFilter)));
}
