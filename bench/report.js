'use strict';
// Text output: the results table (with ratios procsync/peer) and the targets table.
const { fmtTime, fmtRate } = require('./util');

const WHERE = { same: 'same CPU', cross: 'across CPUs', any: 'unpinned', '-': '-' };

function table(header, rows) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(w[i])).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

// First line of a note, bounded (the JSON keeps it whole).
const short = (note) => {
  const s = String(note || '').split(' | ')[0];
  return s.length > 90 ? `${s.slice(0, 89)}…` : s;
};

// procsync/peer; tiny ratios read better as fractions (1/7.7k rather than 0.000130).
function fmtRatio(x) {
  if (x == null) return '';
  if (x >= 0.1) return `${x.toPrecision(3)}×`;
  const inv = 1 / x;
  return `1/${inv < 1000 ? inv.toPrecision(3) : `${(inv / 1000).toPrecision(3)}k`}`;
}

// What a case reports beside its time (the largest value over processes and repetitions).
function extraText(extra) {
  if (!extra) return '';
  if (extra.threads != null) return `threads ${extra.threadsBefore}→${extra.threads}, RSS ${extra.rssMB} MB`;
  if (extra.waitMaxMs != null) return `acquire waits: p99 ${extra.waitP99Ms} ms, longest ${extra.waitMaxMs} ms`;
  return '';
}

function resultsTable(res) {
  const rows = [];
  let last = '';
  for (const r of res.cases) {
    const head = `${r.name}|${r.placement}`;
    const ok = r.status === 'ok';
    rows.push([
      head === last ? '' : r.name,
      head === last ? '' : WHERE[r.placement],
      r.impl,
      ok ? fmtTime(r.median) : r.status,
      ok ? `${fmtTime(r.min)} – ${fmtTime(r.max)}` : '',
      ok && r.rate ? fmtRate(r.rate) : '',
      fmtRatio(r.ratio),
      ok ? extraText(r.extra) : short(r.note),
    ]);
    last = head;
  }
  return table(['case', 'placement', 'impl', 'median/op', 'min – max', 'rate', 'procsync/peer', 'note'], rows);
}

function targetsTable(res) {
  const rows = res.targets.map((t) => [
    t.label,
    WHERE[t.placement] || '',
    t.target,
    t.procsync,
    t.met == null ? 'n/a' : t.verdict,
    t.peers,
    t.ref,
  ]);
  return table(['target', 'placement', 'goal', 'procsync', 'verdict', 'peers (this run)', 'issue figures'], rows);
}

function print(res) {
  const out = [];
  out.push(`procsync benchmarks — ${res.date}, ${res.machine.cpus} CPUs (${res.machine.model}), node ${res.machine.node}, ` +
    `python ${res.machine.python || 'absent'}${res.quick ? ', QUICK pass' : ''}; median of ${res.reps} reps`);
  out.push('');
  out.push(resultsTable(res));
  out.push('');
  out.push('procsync/peer = procsync time per op ÷ peer time per op, same case and placement (< 1: procsync is faster).');
  out.push('');
  out.push(targetsTable(res));
  for (const n of res.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

module.exports = { print };
