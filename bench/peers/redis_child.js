'use strict';
// Redis locks, all against the same local redis-server that run.js starts for the run:
// procsync/redis (remote.Lock), redlock and redis-semaphore (Mutex), plus a floor of two PINGs
// (two round trips, what one acquire + one release cannot beat). Cases: the uncontended
// acquire+release pair and a contended counter kept in Redis (GET then SET under the lock, so a
// lock that let two in would lose increments). m.url: the server; m.lib: which library.
const { serve } = require('../worker');
const { now } = require('../util');
const { open } = require('./redis_locks');

function pair(m) {
  let lk;
  return {
    rep: async (n) => {
      lk ??= await open(m, 'pair');
      const start = now();
      for (let i = 0; i < n; i++) await (await lk.acquire())();
      return { start, end: now() };
    },
    close: () => lk && lk.close(),
  };
}

function counter(m) {
  let lk;
  const key = `${m.names[0]}:counter`;
  return {
    rep: async (n) => {
      lk ??= await open(m, 'counter-lock');
      // How long each acquire waited: the price of the order the library grants in (a library
      // that lets the releaser barge back in is faster, and makes the others wait longer).
      const waits = new Float64Array(n);
      const start = now();
      for (let i = 0; i < n; i++) {
        const t = now();
        const release = await lk.acquire();
        waits[i] = now() - t;
        const v = Number((await lk.client.get(key)) || 0);
        await lk.client.set(key, String(v + 1));
        await release();
      }
      const end = now();
      waits.sort();
      const ms = (ns) => Math.round(ns / 1e5) / 10;
      return { start, end, extra: { waitP99Ms: ms(waits[Math.floor(0.99 * (n - 1))]), waitMaxMs: ms(waits[n - 1]) } };
    },
    async check(expect) {
      const got = Number((await lk.client.get(key)) || 0);
      await lk.client.set(key, '0');
      return got === expect ? undefined : `wrong total: ${got} != ${expect}`;
    },
    close: () => lk && lk.close(),
  };
}

serve({ redis_lock_pair: pair, redis_counter_4: counter });
