// The measurement behind docs/design.md "Each side of the Queue keeps what it last read of the
// other": one putter and one getter process move N small ints through a Queue (putSync /
// getSync), started together by an Event; each prints its mean time per item (warm-up
// included). COUNT=1 wraps the fast path to count how often a put or get found the ring full or
// empty (RING_NONE) or went native (RING_SLOW) — the wrappers slow it down.
//   node bench/experiments/queue-one-way.js           [N=300000]
//   PROCSYNC_PATH=<another build> node bench/experiments/queue-one-way.js
'use strict';
const path = require('path');
const { fork } = require('child_process');
const ps = require(process.env.PROCSYNC_PATH || path.join(__dirname, '../..'));
const N = Number(process.env.N || 3e5);

if (process.argv[2] === 'child') {
  const [, , , role, id] = process.argv;
  const q = ps.Queue.open(`qoneway_${id}`);
  const ev = ps.Event.open(`qonewaygo_${id}`);
  const counts = { none: 0, slow: 0 };
  if (process.env.COUNT === '1') {
    const ring = q.ring; // lib/queue/ring.ts
    for (const m of ['get', 'put']) {
      const f = ring[m].bind(ring);
      ring[m] = (...a) => {
        const r = f(...a);
        if (r === -2) counts.none++;
        else if (r === -1) counts.slow++;
        return r;
      };
    }
  }
  ev.waitSync();
  const t0 = process.hrtime.bigint();
  if (role === 'put') for (let i = 0; i < N; i++) q.putSync(7);
  else for (let i = 0; i < N; i++) q.getSync();
  const ns = Number(process.hrtime.bigint() - t0) / N;
  process.send({ role, nsPerItem: Math.round(ns), ...(process.env.COUNT === '1' ? counts : {}) });
  q.close();
  ev.close();
} else {
  const id = process.pid;
  const q = new ps.Queue({ name: `qoneway_${id}` });
  const ev = new ps.Event({ name: `qonewaygo_${id}` });
  const kids = ['put', 'get'].map((role) => fork(__filename, ['child', role, id]));
  const results = kids.map((k) => new Promise((resolve) => k.once('message', resolve)));
  setTimeout(() => ev.set(), 300);
  Promise.all(results).then((rs) => {
    for (const r of rs) console.log(JSON.stringify(r));
    q.close();
    ev.close();
  });
}
