'use strict';
// One lock API over the Redis lock libraries the bench compares (procsync/redis's Lock, redlock,
// redis-semaphore's Mutex, and a floor of two PINGs): peers/redis_child.js (the bench's Redis
// cases) and experiments/redis-costs.js both take their locks from here.
// m.url: the server; m.lib: which library; m.names[0]: the key prefix of this run.
const { NotAvailable } = require('../worker');

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

module.exports = { open };
