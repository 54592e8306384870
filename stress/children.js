// The actor processes: fork, forward their output, SIGKILL on request, and on every exit decide
// whether it was an expected death (our SIGKILL, or a clean exit after STOP) -- anything else is
// a violation ("no process dies of anything but the killer").
'use strict';

const { fork } = require('child_process');
const path = require('path');
const { derive } = require('./rng');
const { markProcessDead } = require('./slots');

// Soak processes: --expose-gc to sample RSS after a full GC; and V8's young generation at its
// full size (16 MB semi-spaces, V8's own maximum on 64-bit) from the start. Left alone, V8 grows
// it in steps (1 -> 2 -> ... -> 16 MB) as the allocation rate demands, which adds ~20 MB of RSS
// somewhere in the first half of a soak and then stays: measured, that is the whole of the
// growth with default flags. Sizing it up front keeps that one-time step out of the measurement
// without hiding anything that grows with the number of operations.
const SOAK_V8_FLAGS = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];

function makeChildren({ shared, cfgBase, seed, violation, onViolationLine }) {
  const live = new Map(); // pid -> { child, killed, tail }
  let incarnation = 0;
  let stopping = false;
  const counts = { started: 0, kills: 0 };

  function start() {
    const cfg = { ...cfgBase, seed: derive(seed, 1000 + incarnation++) };
    const child = fork(path.join(__dirname, 'actor-process.js'), [JSON.stringify(cfg)], {
      execArgv: cfgBase.soak ? ['--no-warnings', ...SOAK_V8_FLAGS] : ['--no-warnings'],
      silent: true,
    });
    const me = { child, killed: false, tail: [], exited: null };
    me.exited = new Promise((resolve) => child.once('close', resolve));
    const forward = (stream, out) => {
      let buf = '';
      stream.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          me.tail.push(line);
          if (me.tail.length > 30) me.tail.shift();
          if (line.startsWith('VIOLATION')) onViolationLine(line);
          else out.write(`[actor ${child.pid}] ${line}\n`);
        }
      });
    };
    forward(child.stdout, process.stdout);
    forward(child.stderr, process.stderr);
    child.once('close', (code, signal) => {
      live.delete(child.pid);
      markProcessDead(shared, child.pid);
      // Soak actors exit by themselves after their quota.
      const expected = (me.killed && signal === 'SIGKILL') || ((stopping || cfgBase.soak) && code === 0);
      if (!expected) {
        violation(`actor process ${child.pid} died of something else than the killer: code ${code}, signal ${signal}; its last output:\n    ${me.tail.join('\n    ')}`);
      }
      if (!stopping && !cfgBase.soak) start();
    });
    live.set(child.pid, me);
    counts.started++;
    return me;
  }

  /** SIGKILLs one live actor process, chosen by `pick` among the pids (in start order). */
  function killOne(pick) {
    const pids = [...live.keys()].filter((p) => !live.get(p).killed);
    if (pids.length === 0) return;
    const me = live.get(pick(pids));
    me.killed = true;
    me.child.kill('SIGKILL');
    counts.kills++;
  }

  /** After STOP: waits for every process to exit; SIGKILLs (and reports) those that do not. */
  async function stopAll(boundMs) {
    stopping = true;
    const all = [...live.values()];
    const timer = setTimeout(() => {
      for (const me of live.values()) {
        violation(`actor process ${me.child.pid} did not exit within ${boundMs} ms of STOP; last output:\n    ${me.tail.join('\n    ')}`);
        me.killed = true;
        me.child.kill('SIGKILL');
      }
    }, boundMs);
    await Promise.all(all.map((me) => me.exited));
    clearTimeout(timer);
  }

  return { start, killOne, stopAll, counts, live };
}

module.exports = { makeChildren };
