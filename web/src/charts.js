// The charts, drawn with d3 into <svg> elements. Each function redraws its
// SVG from plain data with keyed joins, so marks move (transitions) rather
// than being replaced, and can be called again whenever data or size change.

import {
  area, axisBottom, axisLeft, curveMonotoneX, easeCubicOut, extent, line, max, min,
  scaleLinear, scaleSqrt, scaleTime, select,
} from 'd3';
// selection.transition() is added to d3-selection by this module's side
// effect; imported by name so the bundler keeps it.
import 'd3-transition';
import { fmtCompact, fmtTime, truncate } from './util.js';

export const PALETTE = [
  '#1f5fa8', '#c0392b', '#1e8449', '#8e44ad', '#b35c00', '#117a8b', '#a93270', '#4d5b6a',
];

const DURATION = 650;
const reducedMotion =
  typeof window !== 'undefined' && window.matchMedia &&
  window.matchMedia('(prefers-reduced-motion: reduce)').matches;

function duration() {
  return reducedMotion || document.hidden ? 0 : DURATION;
}

function widthOf(svgEl, fallback = 320) {
  const parent = svgEl.parentElement;
  const w = parent ? parent.clientWidth : 0;
  return w > 0 ? w : fallback;
}

function prepare(svgEl, width, height, label) {
  const svg = select(svgEl)
    .attr('xmlns', 'http://www.w3.org/2000/svg')
    .attr('width', width)
    .attr('height', height)
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('role', 'img')
    .attr('aria-label', label);
  let title = svg.select('title');
  if (title.empty()) title = svg.insert('title', ':first-child');
  title.text(label);
  return svg;
}

// The <g> of the given classes ("axis x-axis"), created once.
function layer(svg, cls) {
  let g = svg.select(`:scope > g.${cls.trim().split(/\s+/).join('.')}`);
  if (g.empty()) g = svg.append('g').attr('class', cls);
  return g;
}

function clearEmpty(svg) {
  svg.selectAll('text.empty').remove();
}

export function drawEmpty(svgEl, message, height = 120) {
  const width = widthOf(svgEl);
  const svg = prepare(svgEl, width, height, message);
  svg.selectAll(':scope > g').remove();
  let t = svg.select('text.empty');
  if (t.empty()) t = svg.append('text').attr('class', 'empty');
  t.attr('x', width / 2).attr('y', height / 2).attr('text-anchor', 'middle').text(message);
}

// Horizontal bars ranked by value. rows: [{key, label, value, note, color}].
// Bars are joined by key, so a key that climbs the ranking slides up.
export function drawRanking(svgEl, rows, opts = {}) {
  const width = widthOf(svgEl);
  const barH = opts.barHeight ?? 24;
  const gap = 6;
  const top = 4;
  const height = Math.max(60, top + rows.length * (barH + gap) + 4);
  const svg = prepare(svgEl, width, height, opts.label ?? 'ranking');
  clearEmpty(svg);
  const labelW = Math.min(opts.labelWidth ?? 200, Math.round(width * 0.42));
  const valueW = opts.valueWidth ?? 64;
  const x = scaleLinear()
    .domain([0, Math.max(1, max(rows, (r) => r.value) ?? 1)])
    .range([0, Math.max(10, width - labelW - valueW - 8)]);
  const y = (i) => top + i * (barH + gap);
  const fmt = opts.format ?? fmtCompact;
  const maxChars = Math.max(6, Math.floor((labelW - 10) / 7.2));
  const t = svg.transition().duration(duration()).ease(easeCubicOut);

  const g = layer(svg, 'bars');
  const items = g.selectAll('g.bar').data(rows, (d) => d.key);
  const enter = items
    .enter()
    .append('g')
    .attr('class', 'bar')
    .attr('transform', (d, i) => `translate(0,${y(i) + 12})`)
    .attr('opacity', 0);
  enter.append('title');
  enter
    .append('text')
    .attr('class', 'bar-label')
    .attr('x', labelW - 8)
    .attr('y', barH / 2)
    .attr('dy', '0.35em')
    .attr('text-anchor', 'end');
  enter
    .append('rect')
    .attr('class', 'bar-rect')
    .attr('x', labelW)
    .attr('height', barH)
    .attr('rx', 3)
    .attr('width', 0);
  enter
    .append('text')
    .attr('class', 'bar-value')
    .attr('y', barH / 2)
    .attr('dy', '0.35em')
    .attr('x', labelW + 4);

  // data-key, data-rank, data-value: what the bar shows, for tests and tools.
  const merged = enter
    .merge(items)
    .classed('exiting', false)
    .attr('data-key', (d) => String(d.key).replace(/\u0000/g, ' ')) // NUL (pairs, "others") is not XML
    .attr('data-rank', (d, i) => i + 1)
    .attr('data-value', (d) => d.value);
  merged.select('title').text((d) => `${d.label}: ${fmt(d.value)}${d.note ? ` (${d.note})` : ''}`);
  merged.select('text.bar-label').attr('x', labelW - 8).text((d) => truncate(d.label, maxChars));
  merged
    .select('rect.bar-rect')
    .attr('fill', (d, i) => d.color ?? opts.color ?? PALETTE[i % PALETTE.length])
    .transition(t)
    .attr('x', labelW)
    .attr('width', (d) => Math.max(2, x(d.value)));
  merged
    .select('text.bar-value')
    .text((d) => (d.note ? `${fmt(d.value)} · ${d.note}` : fmt(d.value)))
    .transition(t)
    .attr('x', (d) => labelW + Math.max(2, x(d.value)) + 6);
  merged
    .classed('clickable', Boolean(opts.onClick))
    .on('click', opts.onClick ? (ev, d) => opts.onClick(d) : null);
  merged
    .transition(t)
    .attr('opacity', 1)
    .attr('transform', (d, i) => `translate(0,${y(i)})`);
  items.exit().classed('exiting', true).attr('data-rank', null).transition(t).attr('opacity', 0).remove();
}

function legendLayout(items, width) {
  // Items laid left to right, wrapping; ~7 px per character at 12 px.
  const pos = [];
  let x = 0;
  let row = 0;
  for (const it of items) {
    const w = 22 + Math.min(24, it.label.length) * 7 + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    pos.push({ ...it, x, y: row * 18 });
    x += w;
  }
  return { pos, height: items.length ? (row + 1) * 18 + 6 : 0 };
}

// Time series: lines [{key, label, color, points: [{t: Date, v}]}] and
// optional bars [{key, t0, t1, v}] behind them, on one y scale.
export function drawTimeSeries(svgEl, { lines = [], bars = [], yLabel = '', zeroLine = false, label = 'chart', height: h0 = 220, yFormat } = {}) {
  const width = widthOf(svgEl);
  const legend = legendLayout(
    lines.filter((l) => l.label).map((l) => ({ key: l.key, label: truncate(l.label, 24), color: l.color })),
    width - 50,
  );
  const height = h0 + legend.height;
  const svg = prepare(svgEl, width, height, label);
  clearEmpty(svg);
  const margin = { top: 8 + legend.height, right: 26, bottom: 24, left: 46 };
  const allT = [
    ...lines.flatMap((l) => l.points.map((p) => p.t)),
    ...bars.flatMap((b) => [b.t0, b.t1]),
  ];
  const allV = [...lines.flatMap((l) => l.points.map((p) => p.v)), ...bars.map((b) => b.v)];
  let [t0, t1] = extent(allT);
  if (!t0) {
    t1 = new Date();
    t0 = new Date(t1.getTime() - 60000);
  } else if (t0.getTime() === t1.getTime()) {
    t0 = new Date(t0.getTime() - 5000);
    t1 = new Date(t1.getTime() + 5000);
  }
  let lo = min(allV) ?? 0;
  let hi = max(allV) ?? 1;
  if (zeroLine || bars.length) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const padV = (hi - lo) * 0.08;
  const x = scaleTime().domain([t0, t1]).range([margin.left, width - margin.right]);
  const y = scaleLinear()
    .domain([lo < 0 ? lo - padV : lo, hi + padV])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const t = svg.transition().duration(duration()).ease(easeCubicOut);

  const lg = layer(svg, 'legend').attr('transform', `translate(${margin.left},4)`);
  const li = lg.selectAll('g.legend-item').data(legend.pos, (d) => d.key);
  const liEnter = li.enter().append('g').attr('class', 'legend-item');
  liEnter.append('rect').attr('width', 14).attr('height', 4).attr('y', 5).attr('rx', 2);
  liEnter.append('text').attr('x', 20).attr('y', 7).attr('dy', '0.35em');
  const liAll = liEnter.merge(li).attr('transform', (d) => `translate(${d.x},${d.y})`);
  liAll.select('rect').attr('fill', (d) => d.color);
  liAll.select('text').text((d) => d.label);
  li.exit().remove();

  const ticks = Math.max(2, Math.floor((width - margin.left - margin.right) / 90));
  layer(svg, 'axis x-axis')
    .attr('transform', `translate(0,${height - margin.bottom})`)
    .call(axisBottom(x).ticks(ticks).tickFormat(fmtTime).tickSizeOuter(0));
  layer(svg, 'axis y-axis')
    .attr('transform', `translate(${margin.left},0)`)
    .call(axisLeft(y).ticks(5).tickFormat(yFormat ?? fmtCompact).tickSizeOuter(0));
  const yl = layer(svg, 'y-label');
  yl.selectAll('text').data(yLabel ? [yLabel] : []).join('text')
    .attr('x', 4).attr('y', margin.top - 2).attr('class', 'axis-label').text((d) => d);

  const zero = layer(svg, 'zero');
  zero.selectAll('line').data(zeroLine && y.domain()[0] < 0 ? [0] : []).join('line')
    .attr('x1', margin.left).attr('x2', width - margin.right)
    .attr('y1', y(0)).attr('y2', y(0));

  const bg = layer(svg, 'ts-bars');
  bg.selectAll('rect').data(bars, (d) => d.key).join(
    (enter) => enter.append('rect').attr('y', y(0)).attr('height', 0),
    (update) => update,
    (exit) => exit.remove(),
  )
    .attr('x', (d) => x(d.t0) + 1)
    .attr('width', (d) => Math.max(1, x(d.t1) - x(d.t0) - 2))
    .transition(t)
    .attr('y', (d) => y(Math.max(0, d.v)))
    .attr('height', (d) => Math.abs(y(d.v) - y(0)));

  const path = line()
    .defined((p) => Number.isFinite(p.v))
    .x((p) => x(p.t))
    .y((p) => y(p.v))
    .curve(curveMonotoneX);
  const lg2 = layer(svg, 'lines');
  lg2.selectAll('path.series').data(lines, (d) => d.key).join('path')
    .attr('class', 'series')
    .attr('fill', 'none')
    .attr('stroke', (d) => d.color)
    .attr('stroke-width', (d) => d.width ?? 2)
    .attr('stroke-opacity', (d) => d.opacity ?? 1)
    .attr('d', (d) => path(d.points) ?? '');
  // A dot on each line's newest point (a line of one point stays visible).
  lg2.selectAll('circle.last').data(lines.filter((l) => l.points.length), (d) => d.key).join('circle')
    .attr('class', 'last')
    .attr('r', 3)
    .attr('fill', (d) => d.color)
    .attr('cx', (d) => x(d.points[d.points.length - 1].t))
    .attr('cy', (d) => y(d.points[d.points.length - 1].v));
}

// Small multiples for the stats panel: [{key, label, points, format}].
export function drawSparklines(svgEl, items, label = 'pipeline health') {
  const width = widthOf(svgEl);
  const cols = width >= 640 ? items.length : Math.min(2, items.length);
  const rows = Math.ceil(items.length / Math.max(1, cols));
  const cellW = width / Math.max(1, cols);
  const cellH = 58;
  const height = Math.max(40, rows * cellH);
  const svg = prepare(svgEl, width, height, label);
  clearEmpty(svg);
  const g = layer(svg, 'sparks');
  const cells = g.selectAll('g.spark').data(items, (d) => d.key).join((enter) => {
    const c = enter.append('g').attr('class', 'spark');
    c.append('text').attr('class', 'spark-label').attr('x', 6).attr('y', 12);
    c.append('text').attr('class', 'spark-value').attr('y', 12).attr('text-anchor', 'end');
    c.append('path').attr('class', 'spark-area');
    c.append('path').attr('class', 'spark-line').attr('fill', 'none');
    c.append('circle').attr('class', 'spark-dot').attr('r', 2.5);
    return c;
  });
  cells.attr('transform', (d, i) => `translate(${(i % cols) * cellW},${Math.floor(i / cols) * cellH})`);
  cells.each(function drawCell(d, i) {
    const c = select(this);
    const pts = d.points.filter((p) => Number.isFinite(p.v));
    const color = PALETTE[i % PALETTE.length];
    const last = pts.length ? pts[pts.length - 1].v : null;
    c.select('.spark-label').text(d.label);
    c.select('.spark-value').attr('x', cellW - 8).text(last === null ? '–' : d.format(last));
    const [a, b] = extent(pts, (p) => p.t);
    const x = scaleTime().domain(a ? [a, b.getTime() === a.getTime() ? new Date(a.getTime() + 1000) : b] : [0, 1]).range([6, cellW - 8]);
    const hi = max(pts, (p) => p.v) ?? 1;
    const lo = Math.min(0, min(pts, (p) => p.v) ?? 0);
    const y = scaleLinear().domain([lo, hi === lo ? lo + 1 : hi]).range([cellH - 8, 20]);
    const ln = line().x((p) => x(p.t)).y((p) => y(p.v));
    const ar = area().x((p) => x(p.t)).y0(y(lo)).y1((p) => y(p.v));
    c.select('.spark-line').attr('stroke', color).attr('d', pts.length > 1 ? ln(pts) : null);
    c.select('.spark-area').attr('fill', color).attr('d', pts.length > 1 ? ar(pts) : null);
    c.select('.spark-dot')
      .attr('fill', color)
      .attr('display', pts.length ? null : 'none')
      .attr('cx', pts.length ? x(pts[pts.length - 1].t) : 0)
      .attr('cy', pts.length ? y(pts[pts.length - 1].v) : 0);
  });
}

// Bursts on a timeline: x = window end, y = z-score, area = count.
// bursts: [{key, t: Date, z, count, term, isNew}].
export function drawBursts(svgEl, bursts, label = 'bursts') {
  const width = widthOf(svgEl);
  const height = 180;
  const svg = prepare(svgEl, width, height, label);
  clearEmpty(svg);
  const margin = { top: 26, right: 20, bottom: 24, left: 40 };
  let [t0, t1] = extent(bursts, (b) => b.t);
  if (!t0) {
    t1 = new Date();
    t0 = new Date(t1.getTime() - 60000);
  }
  if (t0.getTime() === t1.getTime()) {
    t0 = new Date(t0.getTime() - 30000);
    t1 = new Date(t1.getTime() + 5000);
  }
  const x = scaleTime().domain([t0, t1]).range([margin.left + 8, width - margin.right - 8]);
  const y = scaleLinear()
    .domain([0, Math.max(3, max(bursts, (b) => b.z) ?? 3) * 1.1])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const r = scaleSqrt().domain([0, Math.max(1, max(bursts, (b) => b.count) ?? 1)]).range([3, 14]);
  const ticks = Math.max(2, Math.floor((width - margin.left - margin.right) / 90));
  layer(svg, 'axis x-axis')
    .attr('transform', `translate(0,${height - margin.bottom})`)
    .call(axisBottom(x).ticks(ticks).tickFormat(fmtTime).tickSizeOuter(0));
  layer(svg, 'axis y-axis')
    .attr('transform', `translate(${margin.left},0)`)
    .call(axisLeft(y).ticks(4).tickSizeOuter(0));
  const yl = layer(svg, 'y-label');
  yl.selectAll('text').data(['z-score']).join('text').attr('class', 'axis-label').attr('x', 4).attr('y', 12).text((d) => d);
  const t = svg.transition().duration(duration()).ease(easeCubicOut);
  const g = layer(svg, 'dots');
  const dots = g.selectAll('g.burst').data(bursts, (d) => d.key).join((enter) => {
    const e = enter.append('g').attr('class', 'burst');
    e.append('title');
    e.append('circle').attr('r', 0);
    e.append('text').attr('class', 'burst-label').attr('dy', '-0.6em').attr('text-anchor', 'middle');
    return e;
  });
  dots.classed('new', (d) => d.isNew);
  dots.select('title').text((d) => `#${d.term}: z ${d.z.toFixed(1)}, ${d.count} in window ending ${fmtTime(d.t)}`);
  dots.select('circle')
    .attr('cx', (d) => x(d.t))
    .attr('cy', (d) => y(d.z))
    .transition(t)
    .attr('r', (d) => r(d.count));
  // Label the newest and the strongest bursts, skipping any label that
  // would overlap one already placed, so the chart stays legible.
  const placed = [];
  const labelled = new Set();
  const order = [...bursts].sort((a, b) => Number(b.isNew) - Number(a.isNew) || b.z - a.z);
  for (const b of order) {
    if (labelled.size >= 8) break;
    const text = `#${truncate(b.term, 16)}`;
    const w = Array.from(text).length * 6.6 + 6;
    const cx = Math.min(Math.max(x(b.t), margin.left + w / 2), width - w / 2);
    const box = { x0: cx - w / 2, x1: cx + w / 2, y1: y(b.z) - r(b.count) - 2, y0: y(b.z) - r(b.count) - 16 };
    if (placed.some((p) => box.x0 < p.x1 && p.x0 < box.x1 && box.y0 < p.y1 && p.y0 < box.y1)) continue;
    placed.push(box);
    labelled.add(b.key);
    b.labelX = cx;
  }
  dots.select('text.burst-label')
    .attr('x', (d) => d.labelX ?? x(d.t))
    .attr('y', (d) => y(d.z) - r(d.count) + 2)
    .text((d) => (labelled.has(d.key) ? `#${truncate(d.term, 16)}` : ''));
}
