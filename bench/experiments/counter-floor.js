// The measurement behind docs/design.md "The contended counter: where the rest goes": issue 15's
// counter (4 processes x N of lock; counter += 1; unlock, time = last end - first start) in
// forms that take procsync's layers away one at a time. Not part of the bench.
//   node bench/experiments/counter-floor.js [reps=7]
// Forms (alternated, medians in M ops/s):
//   procsync  Lock.acquireSync / Value('i', { lock: false }).value += 1 / release (the bench case)
//   raw       the same words, JS only: a CAS on the Lock's word (spin with Atomics.pause-like
//             loads, no sleep), the counter as a plain Int32Array element of the Value
//   raw-yield the raw form, but a failed CAS loop yields the CPU (a native Lock wait after
//             64 failed tries, so a preempted holder gets its CPU back)
'use strict';
const p = require('../..');
const { fork } = require('child_process');
const N = Number(process.env.N || 100000);
const PROCS = 4;

if (process.argv[2] === 'child') {
  const [, , , form, lockName, valueName, gateName] = process.argv;
  const lock = p.Lock.open(lockName);
  const v = p.Value.open(valueName);
  const gate = p.RawArray.open(gateName);
  const g = gate.view;
  const lw = lock.i32, la = lock.base; // the owner word (lib/primitives/lock.ts ownerAt)
  const cv = new Int32Array(v.view.buffer, v.view.byteOffset, 1);
  const me = lock.me;
  const loops = {
    procsync() { for (let i = 0; i < N; i++) { lock.acquireSync(); v.value += 1; lock.release(); } },
    raw() {
      for (let i = 0; i < N; i++) {
        while (Atomics.compareExchange(lw, la, 0, me) !== 0) while (Atomics.load(lw, la) !== 0);
        cv[0] += 1;
        Atomics.store(lw, la, 0);
      }
    },
    'raw-yield'() {
      for (let i = 0; i < N; i++) {
        let tries = 0;
        while (Atomics.compareExchange(lw, la, 0, me) !== 0) {
          if (++tries === 64) { lock.acquireSync(); break; }
        }
        cv[0] += 1;
        lock.release();
      }
    },
  };
  const run = loops[form];
  run(); // warm-up (the counter is reset by the parent)
  process.send('ready');
  process.on('message', (rep) => {
    Atomics.add(g, 0, 1);
    while (Atomics.load(g, 1) !== rep) ; // the gate
    const t0 = process.hrtime.bigint();
    run();
    const t1 = process.hrtime.bigint();
    process.send({ t0: String(t0), t1: String(t1) });
  });
  process.on('disconnect', () => { lock.close(); v.close(); gate.close(); process.exit(0); });
} else {
  const reps = Number(process.argv[2] || 7);
  const forms = ['procsync', 'raw', 'raw-yield'];
  const rates = Object.fromEntries(forms.map((f) => [f, []]));
  (async () => {
    for (let r = 0; r < reps; r++) {
      for (const form of forms) {
        const lock = new p.Lock({ name: `cf${process.pid}l` });
        const v = new p.Value('i', 0, { lock: false, name: `cf${process.pid}v` });
        const gate = new p.RawArray('i', 2, { name: `cf${process.pid}g` });
        const kids = Array.from({ length: PROCS }, () => fork(__filename, ['child', form, lock.name, v.name, gate.name]));
        await Promise.all(kids.map((k) => new Promise((res) => k.once('message', res))));
        v.value = 0;
        const done = kids.map((k) => new Promise((res) => k.once('message', res)));
        for (const k of kids) k.send(1);
        while (Atomics.load(gate.view, 0) !== PROCS) await new Promise((res) => setImmediate(res));
        Atomics.store(gate.view, 1, 1);
        const t = await Promise.all(done);
        const start = t.reduce((m, x) => (BigInt(x.t0) < m ? BigInt(x.t0) : m), BigInt(t[0].t0));
        const end = t.reduce((m, x) => (BigInt(x.t1) > m ? BigInt(x.t1) : m), BigInt(t[0].t1));
        if (v.value !== PROCS * N) throw new Error(`${form}: wrong total ${v.value}`);
        rates[form].push((PROCS * N) / (Number(end - start) / 1e9) / 1e6);
        for (const k of kids) k.disconnect();
        await Promise.all(kids.map((k) => new Promise((res) => k.once('exit', res))));
        lock.close(); v.close(); gate.close();
      }
    }
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    for (const f of forms) console.log(f.padEnd(10), 'median', med(rates[f]).toFixed(1), 'M ops/s  (', rates[f].map((x) => x.toFixed(1)).join(' '), ')');
  })();
}
