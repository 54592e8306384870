// The measurement behind docs/design.md "One-CPU sync ping-pongs: what Node costs and what
// procsync adds": a Semaphore ping-pong (issue 15's sync case) between two processes pinned to
// CPU 0, in three forms on the same two procsync Semaphores, alternated REPS times, with the C
// futex ping-pong of bench/peers/floor.c beside them:
//   lib      s1.release(); s2.acquireSync()  (the library)
//   direct   the library's JS Atomics fast paths inline, then procsync's own native calls
//            (semWake / semAcquire) — the library without its JS methods
//   minimal  the same JS Atomics, then one-cpu-minimal.cc's futex wait / wake (no handle
//            table, no checks, no sleep slices) — what Node + Node-API cost by themselves
// Prints min / p25 / median of the per-rep round trip. Linux only; needs g++ and Node's headers
// (<node prefix>/include/node) to build the minimal addon into bench/.build/.
//   node bench/experiments/one-cpu-layers.js            [REPS=16 N=20000]
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync, fork } = require('child_process');

const ROOT = path.join(__dirname, '../..');
const BUILD = path.join(__dirname, '../.build');
const ADDON = path.join(BUILD, 'one-cpu-minimal.node');
const N = Number(process.env.N || 20000);
const REPS = Number(process.env.REPS || 16);
const WARM = 2000;

function build() {
  const src = path.join(__dirname, 'one-cpu-minimal.cc');
  if (fs.existsSync(ADDON) && fs.statSync(ADDON).mtimeMs > fs.statSync(src).mtimeMs) return;
  fs.mkdirSync(BUILD, { recursive: true });
  const inc = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  execFileSync('g++', ['-O2', '-shared', '-fPIC', `-I${inc}`, '-o', ADDON, src], { stdio: 'inherit' });
}

// The release and acquire of one Semaphore in the given form.
function side(dir, sem, k, mode) {
  if (mode === 'lib') return { release: () => sem.release(), acquire: () => sem.acquireSync() };
  const i32 = sem.i32; // lib/core/primitive.ts: the segment's words; the Semaphore's at `base`
  const at = sem.base;
  let wait, wake;
  if (mode === 'minimal') {
    const m = require(ADDON);
    m.map(k, `procsync.${sem.name}`);
    wait = () => m.wait(k, at * 4);
    wake = () => m.wake(k, at * 4);
  } else {
    const native = require(path.join(dir, 'build/Release/procsync.node'));
    const h = sem.handle;
    wait = () => native.semAcquire(h, -1);
    wake = () => native.semWake(h, 1);
  }
  return {
    // As lib/primitives/semaphore.ts add(1) and tryTake(), without their method calls.
    release() {
      let v = 0;
      for (;;) {
        const seen = Atomics.compareExchange(i32, at, v, v + 1);
        if (seen === v) break;
        v = seen;
      }
      if (Atomics.load(i32, at + 1) > 0) wake();
    },
    acquire() {
      if (Atomics.compareExchange(i32, at, 1, 0) !== 1) wait();
    },
  };
}

const DIR = process.env.PROCSYNC_PATH || ROOT;

if (process.argv[2] === 'child') {
  const [, , , mode, n1, n2] = process.argv;
  const ps = require(DIR);
  const s1 = ps.Semaphore.open(n1);
  const s2 = ps.Semaphore.open(n2);
  const a = side(DIR, s1, 0, mode);
  const b = side(DIR, s2, 1, mode);
  process.send('ready');
  process.once('message', () => {
    for (let i = 0; i < WARM + N; i++) {
      a.acquire();
      b.release();
    }
    s1.close();
    s2.close();
    process.send('done');
  });
} else if (process.argv[2] === 'parent') {
  const mode = process.argv[3];
  const ps = require(DIR);
  const tag = `layers${process.pid}`;
  const s1 = new ps.Semaphore(0, { name: `${tag}a` });
  const s2 = new ps.Semaphore(0, { name: `${tag}b` });
  const a = side(DIR, s1, 0, mode);
  const b = side(DIR, s2, 1, mode);
  const child = fork(__filename, ['child', mode, s1.name, s2.name]);
  child.once('message', () => {
    child.send('go');
    for (let i = 0; i < WARM; i++) {
      a.release();
      b.acquire();
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      a.release();
      b.acquire();
    }
    const us = Number(process.hrtime.bigint() - t0) / N / 1000;
    child.once('message', () => {
      s1.close();
      s2.close();
      process.stdout.write(`${us}\n`);
      child.disconnect();
    });
  });
} else {
  build();
  const floor = path.join(__dirname, '../.build/floor');
  const runs = { lib: [], direct: [], minimal: [], 'C futex': [] };
  for (let r = 0; r < REPS; r++) {
    for (const mode of ['lib', 'direct', 'minimal']) {
      const out = execFileSync('taskset', ['-c', '0', process.execPath, __filename, 'parent', mode], { encoding: 'utf8', timeout: 60_000 });
      runs[mode].push(Number(out.trim()));
    }
    if (fs.existsSync(floor)) {
      const out = execFileSync(floor, ['futex_pingpong', String(N), '1', 'same'], { encoding: 'utf8', timeout: 60_000 });
      runs['C futex'].push(JSON.parse(out).samples[0] / 1000);
    }
  }
  for (const [k, v] of Object.entries(runs)) {
    if (!v.length) {
      console.log(`${k}: not measured (run npm run bench once to build bench/.build/floor)`);
      continue;
    }
    v.sort((x, y) => x - y);
    const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
    const med = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    console.log(`${k.padEnd(8)} min ${v[0].toFixed(2)}  p25 ${q(0.25).toFixed(2)}  median ${med.toFixed(2)} µs per round trip`);
  }
}
