'use strict';
// proper-lockfile as a peer: the lock most Node users use today (a mkdir lock with
// mtime refresh). Cases: the uncontended lock/unlock pair (sync and async) and the
// contended counter across real processes, the counter kept in a file under the lock.
// m.names[0] is a path in a temporary directory made by the runner.
const fs = require('fs');
const { serve, NotAvailable } = require('../worker');
const { now } = require('../util');

function load() {
  try {
    return require('proper-lockfile');
  } catch (e) {
    throw new NotAvailable(`proper-lockfile not installed (${e.code || e.message})`);
  }
}

const OPTS = { realpath: false };
// Contended: retry every ~1 ms until acquired (the retry module's `forever`).
const WAIT_OPTS = { realpath: false, retries: { retries: 1, forever: true, factor: 1, minTimeout: 1, maxTimeout: 1 } };

function pair(async) {
  return (m) => {
    const lockfile = load();
    const file = m.names[0];
    return {
      rep: async (n) => {
        const start = now();
        for (let i = 0; i < n; i++) {
          if (async) await (await lockfile.lock(file, OPTS))();
          else lockfile.lockSync(file, OPTS)();
        }
        return { start, end: now() };
      },
    };
  };
}

function counter(m) {
  const lockfile = load();
  const file = m.names[0];
  if (m.role === 0) fs.writeFileSync(file, '0');
  return {
    rep: async (n) => {
      const start = now();
      for (let i = 0; i < n; i++) {
        const release = await lockfile.lock(file, WAIT_OPTS);
        fs.writeFileSync(file, String(Number(fs.readFileSync(file, 'utf8')) + 1));
        await release();
      }
      return { start, end: now() };
    },
    check(expect) {
      const got = Number(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, '0');
      return got === expect ? undefined : `wrong total: ${got} != ${expect}`;
    },
  };
}

serve({ lock_pair_sync: pair(false), lock_pair_async: pair(true), counter_2: counter, counter_4: counter });
