'use strict';
// The SVG chart: one group of horizontal bars per case (and placement), one bar per
// implementation, time per op on a log scale. Hand-written SVG, no dependencies.
const { fmtTime } = require('./util');

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f', '#bcbd22', '#e377c2', '#393b79', '#637939'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function chart(res) {
  const groups = [];
  for (const r of res.cases) {
    const key = `${r.name}${r.placement === 'same' || r.placement === 'cross' ? ` [${r.placement} CPU]` : ''}`;
    if (!groups.length || groups[groups.length - 1].key !== key) groups.push({ key, rows: [] });
    groups[groups.length - 1].rows.push(r);
  }
  // procsync first and always red; peers get the other colours in order of appearance.
  const impls = ['procsync', ...new Set(res.cases.map((r) => r.impl).filter((i) => i !== 'procsync'))];
  const color = (impl) => COLORS[impls.indexOf(impl) % COLORS.length];

  const values = res.cases.filter((r) => r.status === 'ok').map((r) => r.median);
  const lo = Math.floor(Math.log10(Math.min(1, ...values)));
  const hi = Math.ceil(Math.log10(Math.max(1e3, ...values)));
  const L = 260; // left margin (case labels)
  const W = 620; // plot width
  const BAR = 12;
  const GAP = 10;
  const top = 40 + 18 * Math.ceil(impls.length / 4);
  const x = (v) => L + ((Math.log10(v) - lo) / (hi - lo)) * W;

  const parts = [];
  let y = top;
  for (const g of groups) {
    parts.push(`<text x="${L - 8}" y="${y + BAR}" text-anchor="end" font-weight="bold">${esc(g.key)}</text>`);
    for (const r of g.rows) {
      if (r.status === 'ok') {
        const w = Math.max(1, x(r.median) - L);
        parts.push(`<rect x="${L}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${color(r.impl)}"><title>${esc(`${r.impl}: ${fmtTime(r.median)}`)}</title></rect>`);
        parts.push(`<text x="${(L + w + 4).toFixed(1)}" y="${y + BAR - 2}">${esc(fmtTime(r.median))}</text>`);
      } else {
        parts.push(`<text x="${L + 4}" y="${y + BAR - 2}" fill="${color(r.impl)}">${esc(`${r.impl}: ${r.status}`)}</text>`);
      }
      y += BAR + 2;
    }
    y += GAP;
  }
  const height = y + 30;

  const axis = [];
  for (let e = lo; e <= hi; e++) {
    const xe = x(10 ** e).toFixed(1);
    axis.push(`<line x1="${xe}" y1="${top - 6}" x2="${xe}" y2="${y}" stroke="#ddd"/>`);
    axis.push(`<text x="${xe}" y="${y + 16}" text-anchor="middle">${esc(fmtTime(10 ** e))}</text>`);
  }
  const legend = impls.map((impl, i) => {
    const lx = L + (i % 4) * 160;
    const ly = 30 + 18 * Math.floor(i / 4);
    return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color(impl)}"/><text x="${lx + 16}" y="${ly}">${esc(impl)}</text>`;
  });
  const title = `procsync vs peers: median time per operation, log scale (lower is better) — ${res.date.slice(0, 10)}${res.quick ? ', quick pass' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L + W + 100}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="14" font-size="13" font-weight="bold">${esc(title)}</text>`,
    ...axis,
    ...legend,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

module.exports = { chart };
