#!/usr/bin/env node
// Fuzz of hostile segment contents. Another process of the same user can write anything into a
// segment; procsync must then answer every call with a result, an API error (ERR_CORRUPT, a
// timeout outcome, ...) — never a crash, a hang past the call's timeout, or a read or write
// outside the segment (the sanitizer build, `npm run test:asan`, checks that last part).
//
//   node test/fuzz/hostile-segments.js [--seed N] [--iterations K] [--kinds Lock,Queue,...]
//
// For each kind, a child process creates the primitive, then repeats: write an adversarial or
// random value into one header field, users-table word or state word (through the file, as a
// stranger would), use the primitive through the handle it already had and through a fresh
// open, restore the bytes. The parent bounds each child; a crash, a hang or a call that
// overran its bound fails the run with the seed, kind, iteration and mutation to replay it.
'use strict';
const { fork } = require('child_process');
const fs = require('fs');
const { segmentPath } = require('../helpers/segment-path');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const seed = Number(opt('seed', String(Date.now() % 1e9)));
const iterations = Number(opt('iterations', '120'));
const CALL_TIMEOUT = 20; // ms, the timeout given to every timed call
// A call may take its timeout plus the state mutex's grace and one liveness slice, the 2 s
// bound of a non-blocking step, or a Barrier action's 5 s grace; anything beyond is a hang.
const CALL_BOUND = 7000;

const KINDS = ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Condition', 'Barrier', 'Value',
  'RawValue', 'SharedArray', 'RawArray', 'Queue', 'JoinableQueue', 'SimpleQueue', 'RWLock', 'LockRegistry'];
// Outcomes of the API that a hostile segment may legitimately produce.
const ALLOWED = new Set(['ERR_CORRUPT', 'ERR_QUEUE_EMPTY', 'ERR_QUEUE_FULL', 'ERR_BROKEN_BARRIER',
  'ERR_RELEASED_TOO_MANY_TIMES', 'ERR_NOT_OWNER', 'ERR_LOCK_NOT_HELD', 'ERR_OUT_OF_RANGE',
  'ERR_MESSAGE_TOO_LARGE', 'ERR_TIMEOUT']);

function rng(s) {
  // mulberry32
  return () => {
    s |= 0;
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


function parent() {
  const kinds = (opt('kinds', KINDS.join(','))).split(',');
  const started = Date.now();
  let failed = 0;
  let pending = kinds.length;
  let next = 0;
  const lastLine = new Map();
  const runOne = () => {
    if (next >= kinds.length) return;
    const kind = kinds[next++];
    const c = fork(__filename, ['--child', '--child-kind', kind, '--seed', String(seed), '--iterations', String(iterations)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => {
      out += d;
      const lines = out.trim().split('\n');
      lastLine.set(kind, lines[lines.length - 1]);
    });
    c.stderr.on('data', (d) => (err += d));
    // Each iteration makes a handful of bounded calls.
    const bound = setTimeout(() => {
      console.log(`FAIL ${kind}: still running after its bound (a hang); last step: ${lastLine.get(kind)}`);
      c.kill('SIGKILL');
    }, 60_000 + iterations * 500);
    c.on('exit', (code, signal) => {
      clearTimeout(bound);
      const summary = out.trim().split('\n').filter((l) => l.startsWith('SUMMARY') || l.startsWith('VIOLATION'));
      if (code !== 0) {
        failed++;
        console.log(`FAIL ${kind}: exit ${code ?? signal}; last step: ${lastLine.get(kind)}`);
        for (const l of summary) console.log(`  ${l}`);
        if (err) console.log(err.split('\n').slice(-30).join('\n'));
      } else {
        for (const l of summary) console.log(`${kind}: ${l}`);
      }
      if (--pending === 0) {
        console.log(`fuzz: seed ${seed}, ${iterations} iterations per kind, ${kinds.length} kinds, ${((Date.now() - started) / 1000).toFixed(1)} s: ${failed ? 'FAILED' : 'ok'}`);
        if (failed) console.log(`replay: node test/fuzz/hostile-segments.js --seed ${seed} --iterations ${iterations} --kinds <kind>`);
        process.exitCode = failed ? 1 : 0;
      } else {
        runOne();
      }
    });
  };
  // Two at a time: the machine may have two CPUs.
  runOne();
  runOne();
}

async function child(kind) {
  // procsync.locks' registry of this child only (never the machine's real one).
  if (kind === 'LockRegistry') process.env.PROCSYNC_LOCKS_REGISTRY = `fuzz-${kind}-${process.pid}`;
  const ps = require('procsync');
  const random = rng(seed ^ hash(kind));
  const pick = (a) => a[Math.floor(random() * a.length)];
  const livePid = process.ppid;
  const values = [0, 1, 2, 3, 4, 7, 0xff, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, livePid];
  const name = `fuzz-${kind}-${process.pid}`;
  const p = make(ps, kind, name);
  const file = segmentPath(name);
  const fd = fs.openSync(file, 'r+');
  const size = fs.fstatSync(fd).size;
  const hdr = Buffer.alloc(64);
  fs.readSync(fd, hdr, 0, 64, 0);
  const stateSize = hdr.readUInt32LE(40);
  const stateOffset = size - stateSize;
  // Offsets worth hitting: every header word, the start of the link area, some users-table
  // words, the first 64 state words, and random words anywhere in the state.
  const offsets = [];
  for (let o = 0; o < 64; o += 4) offsets.push(o);
  offsets.push(64, 68, 320, 324, 328, 332);
  for (let o = stateOffset; o < Math.min(size, stateOffset + 256); o += 4) offsets.push(o);
  let calls = 0;
  let corrupt = 0;
  let worst = 0;
  const violations = [];
  const call = async (what, fn, h) => {
    const t0 = Date.now();
    let outcome = 'ok';
    try {
      await fn(h);
    } catch (e) {
      outcome = e && e.code;
      if (!ALLOWED.has(outcome)) violations.push(`${what}: unexpected error ${outcome ?? ''} ${e && e.stack}`);
      if (outcome === 'ERR_CORRUPT') corrupt++;
    }
    const ms = Date.now() - t0;
    worst = Math.max(worst, ms);
    calls++;
    if (ms > CALL_BOUND) violations.push(`${what}: took ${ms} ms (${outcome})`);
  };
  for (let i = 0; i < iterations && violations.length === 0; i++) {
    const off = random() < 0.15 ? stateOffset + 4 * Math.floor(random() * (stateSize / 4)) : pick(offsets);
    const value = random() < 0.25 ? Math.floor(random() * 0x100000000) : pick(values);
    const saved = Buffer.alloc(4);
    fs.readSync(fd, saved, 0, 4, off);
    const w = Buffer.alloc(4);
    w.writeUInt32LE(value >>> 0, 0);
    const step = `iteration ${i}: offset ${off} (state +${off - stateOffset}) = 0x${(value >>> 0).toString(16)}`;
    console.log(step);
    fs.writeSync(fd, w, 0, 4, off);
    for (const [what, fn] of ops(kind)) await call(`${step}: ${what} (open handle)`, fn, p);
    // A fresh open validates the header; if it opens, use it too.
    let q = null;
    try {
      if (kind !== 'LockRegistry') q = ps[kind].open(name);
    } catch (e) {
      // A scribbled kind or link name may also name another kind or a lock that is not there.
      if (!ALLOWED.has(e.code) && e.code !== 'ERR_KIND_MISMATCH' && e.code !== 'ERR_NOT_FOUND') violations.push(`${step}: open: unexpected error ${e.code} ${e.stack}`);
    }
    if (q) {
      for (const [what, fn] of ops(kind)) await call(`${step}: ${what} (fresh open)`, fn, q);
    }
    // Back to a valid segment (and a free state), so that the next mutation is judged alone
    // and the segment can be closed and removed normally.
    fs.writeSync(fd, saved, 0, 4, off);
    reset(kind, p);
    if (q) q.close();
  }
  fs.closeSync(fd);
  p.close();
  for (const v of violations) console.log(`VIOLATION ${v}`);
  console.log(`SUMMARY ${calls} calls, ${corrupt} ERR_CORRUPT, slowest call ${worst} ms, ${violations.length} violations`);
  process.exitCode = violations.length ? 1 : 0;
}

function hash(s) {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function make(ps, kind, name) {
  switch (kind) {
    case 'Semaphore': case 'BoundedSemaphore': return new ps[kind](2, { name });
    case 'Condition': return new ps.Condition(undefined, { name });
    case 'Barrier': return new ps.Barrier(2, { name });
    case 'Value': case 'RawValue': return new ps[kind]('i', 5, { name });
    case 'SharedArray': case 'RawArray': return new ps[kind]('d', 8, { name });
    case 'Queue': case 'JoinableQueue': return new ps[kind]({ name, capacity: 4096, maxsize: 8 });
    case 'SimpleQueue': return new ps.SimpleQueue({ name, capacity: 4096 });
    case 'LockRegistry': ps.locks.query().catch(() => {}); return { close() {} }; // creates it
    default: return new ps[kind]({ name });
  }
}

const T = { timeout: CALL_TIMEOUT };
function ops(kind) {
  const lockOps = [
    ['acquireSync', (l) => { if (l.acquireSync(T)) l.release(); }],
    ['acquire', async (l) => { if (await l.acquire(T)) l.release(); }],
    ['locked', (l) => l.locked()],
    ['inspect', (l) => require('util').inspect(l)],
  ];
  switch (kind) {
    case 'Lock': case 'RLock': return lockOps;
    case 'LockRegistry': {
      // A request that waits ends by its signal (a hostile registry may never grant it).
      const quiet = (e) => { if (!e || (e.name !== 'AbortError' && e.name !== 'TimeoutError')) throw e; };
      const sig = () => AbortSignal.timeout(T.timeout);
      const ps = require('procsync');
      return [
        ['request', () => ps.locks.request('fz', { signal: sig() }, () => 1).catch(quiet)],
        ['request shared', () => ps.locks.request('fz', { mode: 'shared', signal: sig() }, () => 1).catch(quiet)],
        ['ifAvailable', () => ps.locks.request('fz2', { ifAvailable: true }, () => 1).catch(quiet)],
        ['steal', () => ps.locks.request('fz', { steal: true }, () => 1).catch(quiet)],
        ['query', () => ps.locks.query()],
      ];
    }
    case 'RWLock': return [
      ['read.acquireSync', (l) => { if (l.read.acquireSync(T)) l.read.release(); }],
      ['read.acquire', async (l) => { if (await l.read.acquire(T)) l.read.release(); }],
      ['write.acquireSync', (l) => { if (l.write.acquireSync(T)) l.write.release(); }],
      ['write.acquire', async (l) => { if (await l.write.acquire(T)) l.write.release(); }],
      ['state', (l) => [l.readers, l.read.locked(), l.write.locked(), require('util').inspect(l)]],
    ];
    case 'Semaphore': case 'BoundedSemaphore': return [
      ['acquireSync', (s) => { if (s.acquireSync(T)) s.release(); }],
      ['acquire', async (s) => { if (await s.acquire(T)) s.release(); }],
      ['release', (s) => s.release()],
      ['getValue', (s) => s.getValue()],
    ];
    case 'Event': return [
      ['waitSync', (e) => e.waitSync(T)],
      ['wait', (e) => e.wait(T)],
      ['set', (e) => e.set()],
      ['clear', (e) => e.clear()],
      ['isSet', (e) => e.isSet()],
    ];
    case 'Condition': return [
      ['waitSync', (c) => { if (c.acquireSync(T)) { try { c.waitSync(T); } finally { c.release(); } } }],
      ['wait', async (c) => { if (await c.acquire(T)) { try { await c.wait(T); } finally { c.release(); } } }],
      ['notify', (c) => { if (c.acquireSync(T)) { try { c.notify(2); c.notifyAll(); } finally { c.release(); } } }],
    ];
    case 'Barrier': return [
      ['waitSync', (b) => b.waitSync(T)],
      ['wait', (b) => b.wait(T)],
      ['state', (b) => [b.nWaiting, b.broken, b.parties]],
      ['reset', (b) => b.reset()],
    ];
    case 'Value': case 'RawValue': return [
      ['value', (v) => { v.value = v.value; }],
      ...(kind === 'Value' ? [['getLock', (v) => { const l = v.getLock(); if (l.acquireSync(T)) l.release(); }]] : []),
    ];
    case 'SharedArray': case 'RawArray': return [
      ['get/set', (a) => { a.set(3, a.get(3)); }],
      ['toArray', (a) => a.toArray()],
    ];
    case 'SimpleQueue': return [
      ['putSync', (q) => q.putSync({ n: 1, s: 'x'.repeat(50) }, T)],
      ['getSync', (q) => q.getSync(T)],
      ['get', (q) => q.get(T)],
      ['empty', (q) => q.empty()],
    ];
    default: return [
      ['putNowait', (q) => q.putNowait({ n: 1, s: 'x'.repeat(50) })],
      ['putSync', (q) => q.putSync(2, T)],
      ['getSync', (q) => q.getSync(T)],
      ['get', (q) => q.get(T)],
      ['getNowait', (q) => q.getNowait()],
      ['sizes', (q) => [q.empty(), q.qsize(), q.full()]],
      ...(kind === 'JoinableQueue' ? [['taskDone', (q) => q.taskDone()], ['joinSync', (q) => q.joinSync(T)]] : []),
    ];
  }
}

// Leaves the restored primitive in a plain state: nothing held, nothing queued.
function reset(kind, p) {
  try {
    if (kind === 'Barrier') p.reset();
    if (kind === 'Queue' || kind === 'JoinableQueue' || kind === 'SimpleQueue') {
      for (let i = 0; i < 64 && !p.empty(); i++) p.getSync({ block: false });
    }
  } catch {
    // a corrupt queue that cannot be drained is reset by the next mutation's restore
  }
}

if (args.includes('--child')) child(opt('child-kind'));
else parent();
