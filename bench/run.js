#!/usr/bin/env node
'use strict';
// npm run bench [-- --quick] [--json-only] [--only <regex>]
//
// Runs every case of cases.js for procsync and its peers in one run, prints the
// results and targets tables, and writes latest.json and chart.svg: a full run (every case,
// full reps) to bench/results, where chart.svg is committed (the one the README shows); a
// --quick or --only run to bench/results/local (ignored by git), so that the test suite and
// quick checks never leave the work tree dirty.
//   --quick      3 reps and a fifth of the iterations (well under a minute)
//   --json-only  no tables, no progress; only the JSON file (and the chart)
//   --only RE    only the cases whose name matches RE
//   --out DIR    write latest.json and chart.svg there instead
// Exit code 1 when a counter total was wrong (or the run itself failed).
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const CASES = require('./cases');
const { evaluate } = require('./targets');
const { runWorkers, runProgram, killAll } = require('./pool');
const { stats, hasTaskset, fmtTime } = require('./util');
const { print } = require('./report');
const { chart } = require('./chart');
const { startRedis } = require('./redis-server');
const { findNode24 } = require('./node24');

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const JSON_ONLY = argv.includes('--json-only');
const ONLY = argv.includes('--only') ? new RegExp(argv[argv.indexOf('--only') + 1]) : null;
const REPS = QUICK ? 3 : 5;
const SCALE = QUICK ? 0.2 : 1;
const TIMEOUT_MS = QUICK ? 20000 : 60000; // per implementation of a case
const PUBLISH = !QUICK && !ONLY; // a run whose chart may replace the committed one
const RESULTS = argv.includes('--out')
  ? path.resolve(argv[argv.indexOf('--out') + 1])
  : path.join(__dirname, 'results', PUBLISH ? '' : 'local');
const BUILD = path.join(__dirname, '.build');

const log = (s) => JSON_ONLY || process.stderr.write(`${s}\n`);
const notes = [];

const runId = `bench-${process.pid.toString(36)}${Date.now().toString(36)}`; // prefix of every name we make
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-bench-')); // proper-lockfile's files

let redis = null; // the redis-server of the Redis cases, started when the first one runs
process.on('exit', () => {
  killAll();
  if (redis) redis.stop();
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    killAll();
    if (redis) redis.stop();
    leaks(runId);
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });

function tryExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

// Compile the C floor when its source is newer than the binary. Returns the path or null.
function buildFloor() {
  const src = path.join(__dirname, 'peers', 'floor.c');
  const bin = path.join(BUILD, 'floor');
  try {
    if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= fs.statSync(src).mtimeMs) return bin;
    fs.mkdirSync(BUILD, { recursive: true });
    execFileSync('cc', ['-O2', '-pthread', '-o', bin, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    return bin;
  } catch (e) {
    notes.push(`C floor not built: ${String(e.stderr || e.message).split('\n')[0]}`);
    return null;
  }
}

function machine() {
  const python = tryExec('python3', ['-c', 'import multiprocessing, platform; print(platform.python_version())']);
  if (!python) notes.push('python3 (with multiprocessing) not on PATH: the Python peer is skipped');
  const load = os.loadavg()[0];
  if (load > 0.5) notes.push(`load average ${load.toFixed(2)} when the run started: other work on the machine skews the figures`);
  return {
    loadavg: +load.toFixed(2),
    cpus: os.cpus().length,
    model: (os.cpus()[0] || {}).model || 'unknown',
    kernel: os.release(),
    node: process.version,
    python,
    cc: tryExec('cc', ['--version'])?.split('\n')[0] || null,
  };
}

function placementsFor(c, m) {
  if (!c.pinned) return ['any'];
  if (m.cpus >= 2 && hasTaskset()) return c.placements || ['same', 'cross'];
  notes.push(`ping-pongs run unpinned (${m.cpus < 2 ? 'one CPU' : 'no taskset'})`);
  return ['any'];
}

async function runImpl(c, impl, placement, ctx) {
  const base = impl.iters[placement] ?? impl.iters;
  const iters = c.fixed ? base : Math.max(1, Math.round(base * SCALE));
  const cpus = placement === 'same' ? [0, 0] : placement === 'cross' ? [0, 1] : null;
  const workers = { procsync: 'child.js', ipc: 'peers/ipc_child.js', lockfile: 'peers/lockfile_child.js' };
  let r;
  if (impl.run === 'redis') {
    // One local server for every Redis implementation of the run (same server, same client).
    if (redis === null) redis = await startRedis(path.join(ctx.tmp, 'redis')).catch((e) => ({ error: e.message }));
    r = redis.error
      ? { status: 'n/a', note: redis.error }
      : await runWorkers({
          script: path.join(__dirname, 'peers', 'redis_child.js'),
          roles: c.roles,
          setup: { case: c.name, names: [`${ctx.runId}.${c.name}.${impl.lib}`], url: redis.url, lib: impl.lib },
          cpus,
          iters,
          warm: Math.ceil(iters / 10),
          reps: REPS,
          ops: (n) => n * (c.ops || 1),
          expect: c.ops ? (n) => n * c.ops : null,
          timeoutMs: TIMEOUT_MS,
        });
  } else if (impl.run in workers) {
    const tag = `${c.name}.${placement}.${impl.run}`;
    const names = impl.run === 'lockfile' ? [path.join(ctx.tmp, tag)] : [`${ctx.runId}.${tag}.0`, `${ctx.runId}.${tag}.1`];
    const ops = c.ops || 1;
    r = await runWorkers({
      script: path.join(__dirname, workers[impl.run]),
      roles: impl.roles || c.roles,
      setup: { case: c.name, names, variant: impl.variant },
      cpus,
      iters,
      warm: Math.ceil(iters / 10),
      reps: REPS,
      ops: (n) => n * ops,
      expect: c.ops ? (n) => n * ops : null,
      sequential: c.sequential,
      timeoutMs: TIMEOUT_MS,
    });
  } else if (impl.run === 'navlocks') {
    ctx.node24 ??= findNode24(BUILD, !QUICK);
    r = ctx.node24.bin
      ? await runProgram(ctx.node24.bin, [path.join(__dirname, 'peers', 'navlocks.js'), String(iters), String(REPS)], TIMEOUT_MS)
      : { status: 'n/a', note: ctx.node24.why };
  } else if (impl.run === 'python') {
    r = ctx.machine.python
      ? await runProgram('python3', [path.join(__dirname, 'peers', 'mp_bench.py'), c.name, String(iters), String(REPS), placement], TIMEOUT_MS)
      : { status: 'n/a', note: 'python3 not found' };
  } else if (impl.run === 'floor') {
    r = ctx.floor
      ? await runProgram(ctx.floor, [impl.arg, String(iters), String(REPS), placement], TIMEOUT_MS)
      : { status: 'n/a', note: 'C floor not built' };
  }
  const row = { name: c.name, title: c.title, placement, impl: impl.impl, status: r.status, iters, reps: REPS, median: null, min: null, max: null };
  if (r.status === 'ok') {
    Object.assign(row, stats(r.samples), { samples: r.samples.map((s) => +s.toFixed(3)) });
    if (c.rate) row.rate = 1e9 / row.median;
    if (Object.keys(r.extra || {}).length) row.extra = r.extra;
  } else {
    row.note = r.note;
  }
  return row;
}

// ratio = procsync median / peer median, only within the same case and placement.
function addRatios(rows) {
  for (const r of rows) {
    const ps = rows.find((p) => p.impl === 'procsync' && p.name === r.name && p.placement === r.placement);
    if (r.impl !== 'procsync' && r.status === 'ok' && ps && ps.status === 'ok') r.ratio = ps.median / r.median;
  }
}

// Every name we made starts with runId; anything of ours left in /dev/shm is a leak.
function leaks(runId) {
  let left = [];
  try {
    left = fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`procsync.${runId}`));
  } catch {
    return [];
  }
  for (const f of left) fs.rmSync(path.join('/dev/shm', f), { force: true });
  if (left.length) notes.push(`${left.length} segment(s) left in /dev/shm after the run (removed): ${left.slice(0, 3).join(', ')}`);
  return left;
}

async function main() {
  const t0 = Date.now();
  const m = machine();
  const ctx = {
    machine: m,
    floor: buildFloor(),
    runId,
    tmp,
  };
  const rows = [];
  try {
    for (const c of CASES) {
      if (ONLY && !ONLY.test(c.name)) continue;
      for (const placement of placementsFor(c, m)) {
        for (const impl of c.impls) {
          const row = await runImpl(c, impl, placement, ctx);
          rows.push(row);
          log(`  ${c.name} [${placement}] ${impl.impl}: ${row.status === 'ok' ? fmtTime(row.median) : `${row.status} ${row.note || ''}`}`);
        }
      }
    }
  } finally {
    if (redis && !redis.error) redis.stop();
    redis = null;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  addRatios(rows);
  const res = {
    date: new Date().toISOString(),
    quick: QUICK,
    reps: REPS,
    seconds: Math.round((Date.now() - t0) / 1000),
    machine: m,
    unit: 'ns per operation (median of reps); rate in ops/s where relevant',
    cases: rows,
    leaks: leaks(ctx.runId),
    targets: evaluate(rows),
    notes: [...new Set(notes)],
  };
  const wrong = rows.filter((r) => r.status === 'wrong');
  for (const r of wrong) res.notes.push(`WRONG RESULT: ${r.name} ${r.impl}: ${r.note}`);
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(res, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS, 'chart.svg'), chart(res));
  if (!JSON_ONLY) {
    console.log(print(res));
    console.log(`\n${res.seconds} s; wrote ${path.relative(process.cwd(), RESULTS)}/latest.json and chart.svg`);
  }
  if (wrong.length) {
    console.error(`\nFAILED: wrong counter totals in ${wrong.map((r) => `${r.name}/${r.impl}`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  killAll();
  process.exit(1);
});
