'use strict';
// Runner side: starts bench children, drives their repetitions, and guarantees that
// nothing outlives the run. Every child is started in its own process group
// (detached) so that the whole group (forked grandchildren included) can be killed.
const { fork, spawn } = require('child_process');

const live = new Set();

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function killAll() {
  for (const c of live) killGroup(c);
}

function track(child) {
  live.add(child);
  child.stderrTail = '';
  child.stderr.on('data', (d) => (child.stderrTail = (child.stderrTail + d).slice(-2000)));
  child.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      killGroup(child); // grandchildren too (python's forks, the IPC echo child)
      resolve({ code, signal });
    }),
  );
  return child;
}

function forkWorker(script) {
  const child = track(fork(script, [], { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
  child.stdout.resume();
  child.on('message', (m) => {
    const p = child.pending;
    child.pending = null;
    if (p) p.resolve(m);
  });
  child.exited.then(({ code, signal }) => {
    const p = child.pending;
    child.pending = null;
    if (p) p.reject(new Error(`child exited (${signal || code}): ${child.stderrTail.trim()}`));
  });
  return child;
}

function request(child, msg) {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('child is gone'));
    child.pending = { resolve, reject };
    child.send(msg);
  });
}

async function stop(children) {
  // Polite first (the children close their primitives), then by force.
  for (const c of [...children].reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const t = setTimeout(() => killGroup(c), 3000);
    await request(c, { cmd: 'close' }).catch(() => {});
    await c.exited;
    clearTimeout(t);
  }
}

function expectRep(x) {
  if (x.type === 'rep') return x;
  throw Object.assign(new Error(x.reason || x.message), { reply: x });
}

/**
 * Run one case in `roles` forked copies of `script`.
 * Each rep's time is (latest end - earliest start) over the children that timed it;
 * the sample is that time / ops(iters). A warm-up rep of `warm` iterations goes first.
 * With `sequential`, the children run each rep one after the other and the times add up.
 * `expect(iters)`, if given, is the exact total role 0 must find after each rep.
 */
async function runWorkers({ script, roles, setup, cpus, iters, warm, reps, ops, expect, sequential, timeoutMs }) {
  const kids = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kids.forEach(killGroup);
  }, timeoutMs);
  try {
    for (let r = 0; r < roles; r++) kids.push(forkWorker(script));
    // Sequential: role 0 creates the named primitives, the others open them.
    for (let r = 0; r < roles; r++) {
      const a = await request(kids[r], { cmd: 'setup', role: r, roles, cpus, ...setup });
      if (a.type === 'na') return { status: 'n/a', note: a.reason };
      if (a.type !== 'ready') return { status: 'error', note: a.message };
    }
    const samples = [];
    const extra = {};
    for (let rep = -1; rep < reps; rep++) {
      const n = rep < 0 ? warm : iters;
      // A failed child rejects at once: its partner may be blocked waiting for it.
      const oneRep = (k) => request(k, { cmd: 'rep', iters: n }).then(expectRep);
      let rs;
      let t;
      if (sequential) {
        rs = [];
        for (const k of kids) rs.push(await oneRep(k));
        t = rs.reduce((sum, x) => sum + (x.end - x.start), 0);
      } else {
        rs = await Promise.all(kids.map(oneRep));
        const timed = rs.filter((x) => x.start != null);
        t = Math.max(...timed.map((x) => x.end)) - Math.min(...timed.map((x) => x.start));
      }
      if (rep >= 0) samples.push(t / ops(n));
      for (const x of rs) for (const [k, v] of Object.entries(x.extra || {})) extra[k] = Math.max(extra[k] ?? v, v);
      if (expect) {
        const c = await request(kids[0], { cmd: 'check', expect: expect(n) });
        if (c.wrong) return { status: 'wrong', note: c.wrong };
      }
    }
    return { status: 'ok', samples, extra };
  } catch (e) {
    if (e.reply) return { status: e.reply.type === 'na' ? 'n/a' : 'error', note: e.message };
    return timedOut ? { status: 'timeout', note: `over ${timeoutMs / 1000} s` } : { status: 'error', note: e.message };
  } finally {
    clearTimeout(timer);
    await stop(kids);
  }
}

// Run a peer program that prints {"samples": [...]} as its last stdout line.
// Exit code 2 means a wrong total.
function runProgram(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = track(spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: 'error', note: e.message });
    });
    child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const err = child.stderrTail.trim().split('\n').slice(-2).join(' | ');
      if (timedOut) return resolve({ status: 'timeout', note: `over ${timeoutMs / 1000} s` });
      if (code === 2) return resolve({ status: 'wrong', note: err });
      if (code !== 0) return resolve({ status: 'error', note: `exit ${signal || code}: ${err}` });
      try {
        const last = out.trim().split('\n').pop();
        resolve({ status: 'ok', samples: JSON.parse(last).samples, extra: JSON.parse(last).extra || {} });
      } catch (e) {
        resolve({ status: 'error', note: `bad output: ${e.message}` });
      }
    });
  });
}

module.exports = { runWorkers, runProgram, killAll };
