// Saves a chart as a standalone SVG (styles inlined, white background) or as
// a PNG rendered from that SVG at twice its size.

const STYLE_PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray',
  'stroke-linecap', 'stroke-linejoin', 'opacity', 'font-family', 'font-size', 'font-weight',
  'text-anchor', 'dominant-baseline', 'display', 'visibility', 'shape-rendering',
];

function inlineStyles(src, dst) {
  const cs = window.getComputedStyle(src);
  const decl = [];
  for (const p of STYLE_PROPS) {
    const v = cs.getPropertyValue(p);
    if (v) decl.push(`${p}:${v}`);
  }
  if (decl.length) dst.setAttribute('style', decl.join(';'));
  const a = src.children;
  const b = dst.children;
  for (let i = 0; i < a.length && i < b.length; i += 1) inlineStyles(a[i], b[i]);
}

const NS = 'http://www.w3.org/2000/svg';

// The chart as a standalone SVG document: computed styles inlined, a white
// background, and `heading` lines (title, subtitle) above it.
export function svgMarkup(svgEl, heading = []) {
  const clone = svgEl.cloneNode(true);
  inlineStyles(svgEl, clone);
  const w = Number(svgEl.getAttribute('width')) || svgEl.clientWidth || 600;
  const lines = heading.filter(Boolean);
  const top = lines.length ? 10 + lines.length * 20 : 0;
  const h = (Number(svgEl.getAttribute('height')) || svgEl.clientHeight || 300) + top;
  clone.setAttribute('xmlns', NS);
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  clone.setAttribute('viewBox', `0 0 ${w} ${h}`);
  clone.removeAttribute('class');
  const body = document.createElementNS(NS, 'g');
  body.setAttribute('transform', `translate(0,${top})`);
  for (const child of [...clone.childNodes]) {
    if (child.nodeName !== 'title') body.append(child);
  }
  const bg = document.createElementNS(NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.append(bg);
  lines.forEach((line, i) => {
    const t = document.createElementNS(NS, 'text');
    t.setAttribute('x', '8');
    t.setAttribute('y', String(20 + i * 20));
    t.setAttribute('style', `font-family:system-ui,sans-serif;font-size:${i ? 12 : 15}px;font-weight:${i ? 400 : 600};fill:${i ? '#4a5565' : '#17202b'}`);
    t.textContent = line;
    clone.append(t);
  });
  clone.append(body);
  const text = new XMLSerializer().serializeToString(clone);
  return { text: `<?xml version="1.0" encoding="UTF-8"?>\n${text}`, width: w, height: h };
}

function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

export function downloadSvg(svgEl, basename, heading) {
  const { text } = svgMarkup(svgEl, heading);
  save(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }), `${basename}.svg`);
}

export async function downloadPng(svgEl, basename, heading, scale = 2) {
  const { text, width, height } = svgMarkup(svgEl, heading);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    img.width = width;
    img.height = height;
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the browser could not encode the PNG');
    save(blob, `${basename}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}
