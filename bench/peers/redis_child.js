'use strict';
// Redis locks, all against the same local redis-server that run.js starts for the run:
// procsync/redis (remote.Lock), redlock and redis-semaphore (Mutex), plus a floor of two PINGs
// (two round trips, what one acquire + one release cannot beat). Cases: the uncontended
// acquire+release pair and a contended counter kept in Redis (GET then SET under the lock, so a
// lock that let two in would lose increments). m.url: the server; m.lib: which library.
const { serve, NotAvailable } = require('../worker');
const { now } = require('../util');

function need(name) {
  try {
    return require(name);
  } catch (e) {
    throw new NotAvailable(`${name} not installed (${e.code || e.message})`);
  }
}

const LEASE_MS = 10_000;

/** One lock API over every library: acquire() resolves to a release function. */
async function open(m, key) {
  const { Redis } = need('ioredis');
  const client = new Redis(m.url);
  client.on('error', () => {});
  const close = [() => client.disconnect()];
  let acquire;
  if (m.lib === 'procsync') {
    const root = process.env.PROCSYNC_PATH || require('path').join(__dirname, '..', '..');
    let connect;
    try {
      ({ connect } = require(require('path').join(root, 'dist', 'redis', 'index.js')));
    } catch (e) {
      throw new NotAvailable(`procsync/redis not built (${e.code || e.message})`);
    }
    const remote = await connect(client, { prefix: `${m.names[0]}:` });
    close.unshift(() => remote.close());
    const lock = remote.Lock(key, { lease: LEASE_MS });
    acquire = async () => {
      await lock.acquire();
      return () => lock.release();
    };
  } else if (m.lib === 'redlock') {
    const Redlock = need('redlock');
    // Waiting is retrying: redlock has no queue (its defaults: 10 tries, 200 ms apart, are
    // too few for a contended lock); retry every 10 ms, for as long as it takes.
    const redlock = new Redlock([client], { retryCount: -1, retryDelay: 10, retryJitter: 5 });
    acquire = async () => {
      const l = await redlock.lock(`${m.names[0]}:${key}`, LEASE_MS);
      return () => l.unlock();
    };
  } else if (m.lib === 'redis-semaphore') {
    const { Mutex } = need('redis-semaphore');
    acquire = async () => {
      // Waiting is retrying too (its default retryInterval: 10 ms).
      const mutex = new Mutex(client, `${m.names[0]}:${key}`, { lockTimeout: LEASE_MS, acquireTimeout: 60_000 });
      await mutex.acquire();
      return () => mutex.release();
    };
  } else if (m.lib === 'ping') {
    acquire = async () => {
      await client.ping();
      return () => client.ping();
    };
  } else {
    throw new NotAvailable(`unknown library ${m.lib}`);
  }
  return { client, acquire, close: async () => { for (const f of close) await f(); } };
}

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
