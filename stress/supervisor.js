// The supervisor of a stress or soak run: creates one primitive of every kind, forks the actor
// processes, kills them (stress), watches for stalls, runs the checkpoints, stops everything,
// checks once more and checks that nothing of the run is left in /dev/shm.
'use strict';

const fs = require('fs');
const procsync = require('..');
const layout = require('./layout');
const { rng } = require('./rng');
const { makeChildren } = require('./children');
const { startMonitor } = require('./monitor');
const { makeCheckpoints } = require('./checkpoint');
const { allSlots, busyPids } = require('./slots');
const { report } = require('./report');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STOP_BOUND_MS = 30000;

async function supervise(o) {
  const run = `stress-${process.pid}-${o.seed}`;
  const shared = layout.create(run);
  const ctrl = shared.ctrl.view;
  const t0 = Date.now();
  const rand = rng(o.seed);
  const violations = [];
  const violation = (msg) => {
    violations.push(msg);
    console.error(`VIOLATION ${msg}`);
  };
  // The supervisor takes over locks of dead holders too (in checkpoints): counted, not printed
  // (Node's default printer is a 'warning' listener; the actors run with --no-warnings).
  let ownRecoveries = 0;
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.code === 'PROCSYNC_OWNER_DIED') ownRecoveries++;
    else console.error(w);
  });

  const monitor = startMonitor(shared, t0, violation);
  const checkpoints = makeCheckpoints(shared, violation);
  const children = makeChildren({
    shared, seed: o.seed, violation,
    onViolationLine: (line) => {
      console.error(line);
      violations.push(line.replace(/^VIOLATION /, ''));
    },
    cfgBase: {
      run, t0, threads: o.threads, terminate: o.terminate, workerSyncWaits: o.workerSyncWaits,
      soak: o.soak, quota: o.soak ? o.ops : null, only: o.only,
    },
  });
  const rss = new Map(); // pid -> samples [{ n, rss }]
  for (let i = 0; i < o.procs; i++) {
    const me = children.start();
    me.child.on('message', (m) => {
      if (m && typeof m.rss === 'number') {
        if (!rss.has(me.child.pid)) rss.set(me.child.pid, []);
        rss.get(me.child.pid).push(m);
      }
    });
  }

  let running = true;
  // The killer: SIGKILL a random actor process at a random moment; children.js forks the
  // replacement when it sees the exit. Half of the kills aim at a process that is inside
  // something right now (a critical section, a held count, a put or get, a wait), which a
  // uniformly random moment rarely hits.
  const killer = (async () => {
    if (!o.kill || o.soak) return;
    while (running) {
      await sleep(rand.int(o.killMin, o.killMax));
      if (!running) break;
      const aimed = rand.chance(0.5);
      children.killOne((pids) => {
        const busy = aimed ? pids.filter((pid) => busyPids(shared).has(pid)) : [];
        return rand.pick(busy.length ? busy : pids);
      });
    }
  })();
  const checker = (async () => {
    while (running) {
      await sleep(o.checkpoint * 1000);
      if (running) await checkpoints.check();
    }
  })();
  const progress = setInterval(() => {
    const s = Math.round((Date.now() - t0) / 1000);
    console.log(`.. ${s} s: ${Atomics.load(ctrl, layout.C.OPS)} ops, ${children.counts.kills} kills, ${violations.length} violations`);
  }, 10000);

  if (o.soak) {
    // Runs until every actor has done its quota (they exit by themselves).
    while (children.live.size > 0) await sleep(100);
  } else {
    await sleep(o.duration * 1000);
  }
  running = false;
  await killer;
  await checker;
  Atomics.store(ctrl, layout.C.STOP, 1);
  Atomics.store(ctrl, layout.C.PAUSE, 0);
  await children.stopAll(STOP_BOUND_MS);
  clearInterval(progress);
  monitor.stop();
  await checkpoints.check({ final: true });

  const elapsed = (Date.now() - t0) / 1000;
  const slots = allSlots(shared);
  const figures = {
    elapsed,
    ops: Atomics.load(ctrl, layout.C.OPS),
    kills: children.counts.kills,
    processes: children.counts.started,
    terminates: Atomics.load(ctrl, layout.C.TERMINATES),
    terminateMax: Atomics.load(ctrl, layout.C.TERMINATE_MAX_MS),
    recoveries: Atomics.load(ctrl, layout.C.RECOVERIES) + ownRecoveries,
    worstStall: monitor.stats.worstStall,
    worstStallOn: monitor.stats.worstStallOn,
    longestWait: Math.max(0, ...slots.map((s) => s.get(layout.F.MAX_WAIT))),
    timeouts: Atomics.load(ctrl, layout.C.TIMEOUTS),
    barrier: {
      cycles: Atomics.load(ctrl, layout.C.BARRIER_ACTIONS),
      broken: Atomics.load(ctrl, layout.C.BARRIER_BROKEN),
      resets: monitor.stats.barrierResets,
    },
    slots: slots.length,
    totals: checkpoints.totals,
    rss,
  };

  layout.closeAll(shared);
  const left = fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`procsync.${run}`));
  if (left.length) violation(`left in /dev/shm: ${left.join(', ')}`);
  // Anything else of procsync that no live process holds would be a leak of the library.
  const stray = procsync.listSegments().filter((s) => s.name.includes(run));
  if (stray.length) violation(`procsync still lists: ${stray.map((s) => s.name).join(', ')}`);

  return report(o, figures, violations);
}

module.exports = { supervise };
