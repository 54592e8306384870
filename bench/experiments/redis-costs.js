// The measurements behind docs/design.md "procsync/redis", "Where the rest of the gap is":
// on one local redis-server (started here), for procsync/redis, redlock and redis-semaphore,
//   pair     uncontended acquire+release, N pairs: wall time, this client's CPU and the server's
//            time (INFO commandstats, scripts' inner calls counted once) per pair;
//   counter  4 processes × M ops of lock; GET; SET; unlock on one lock (as the bench's
//            redis_counter_4): throughput, how long each acquire waited (p50 / p99 / longest),
//            and how the ops interleaved (mean run: consecutive ops by the same process).
// Not part of the bench.   node bench/experiments/redis-costs.js [reps=2]
'use strict';
const { fork } = require('child_process');
const os = require('os');
const path = require('path');
const { open } = require('../peers/redis_locks');
const { startRedis } = require('../redis-server');

const LIBS = ['procsync', 'redlock', 'redis-semaphore'];
const PAIRS = 4000;
const PROCS = 4;
const OPS = 300;

async function serverUsec(admin) {
  let usec = 0;
  for (const l of (await admin.info('commandstats')).split('\n')) {
    // top-level commands only (a script's inner calls are inside its own usec)
    const m = l.match(/^cmdstat_(evalsha|eval|set|get|del|ping):calls=\d+,usec=(\d+)/);
    if (m) usec += Number(m[2]);
  }
  return usec;
}

async function pair(lib, url, admin) {
  const lk = await open({ url, lib, names: ['x'] }, 'pair');
  for (let i = 0; i < 300; i++) await (await lk.acquire())();
  await admin.config('RESETSTAT');
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (let i = 0; i < PAIRS; i++) await (await lk.acquire())();
  const wall = Number(process.hrtime.bigint() - t) / PAIRS / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server = (await serverUsec(admin)) / PAIRS;
  await lk.close();
  return `wall ${wall.toFixed(1)} µs, client CPU ${((cpu.user + cpu.system) / PAIRS).toFixed(1)} µs, server ${server.toFixed(1)} µs per pair`;
}

async function counterChild(lib, url) {
  const lk = await open({ url, lib, names: ['x'] }, 'counter-lock');
  const client = lk.client;
  process.send('ready');
  await new Promise((r) => process.once('message', r));
  const waits = [];
  const seen = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    const a = process.hrtime.bigint();
    const release = await lk.acquire();
    waits.push(Number(process.hrtime.bigint() - a) / 1e6);
    const v = Number((await client.get('x:counter-value')) || 0);
    await client.set('x:counter-value', String(v + 1));
    seen.push(v);
    await release();
  }
  process.send({ waits, seen, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  await lk.close();
  process.disconnect();
}

async function counter(lib, url, admin) {
  await admin.set('x:counter-value', '0');
  const kids = Array.from({ length: PROCS }, () => fork(__filename, ['child', lib, url]));
  const results = [];
  let ready = 0;
  const done = new Promise((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`${lib}: the counter did not finish in 120 s`)), 120_000);
    kids.forEach((k, i) => {
      k.on('message', (m) => {
        if (m === 'ready') {
          if (++ready === PROCS) kids.forEach((c) => c.send('go'));
        } else {
          results[i] = m;
          if (results.filter(Boolean).length === PROCS) {
            clearTimeout(bound);
            resolve();
          }
        }
      });
    });
  });
  try {
    await done;
  } finally {
    for (const k of kids) if (k.exitCode === null) k.kill('SIGKILL');
  }
  const total = Number(await admin.get('x:counter-value'));
  if (total !== PROCS * OPS) throw new Error(`${lib}: counter ${total}, expected ${PROCS * OPS}`);
  const owner = [];
  results.forEach((r, p) => r.seen.forEach((v) => (owner[v] = p)));
  let runs = 1;
  for (let i = 1; i < total; i++) if (owner[i] !== owner[i - 1]) runs++;
  const w = results.flatMap((r) => r.waits).sort((a, b) => a - b);
  const q = (f) => w[Math.min(w.length - 1, Math.floor(f * w.length))].toFixed(1);
  const span = Math.max(...results.map((r) => r.ms));
  return `${((total / span) * 1000).toFixed(0)} ops/s; waits p50 ${q(0.5)} / p99 ${q(0.99)} / longest ${w[w.length - 1].toFixed(1)} ms; mean run ${(total / runs).toFixed(1)} ops`;
}

async function main() {
  const reps = Number(process.argv[2] || 2);
  const { Redis } = require('ioredis');
  const server = await startRedis(path.join(os.tmpdir(), `procsync-redis-costs-${process.pid}`));
  const admin = new Redis(server.url);
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const lib of LIBS) console.log(`pair     ${lib.padEnd(16)} ${await pair(lib, server.url, admin)}`);
      for (const lib of LIBS) console.log(`counter  ${lib.padEnd(16)} ${await counter(lib, server.url, admin)}`);
    }
  } finally {
    admin.disconnect();
    server.stop();
  }
}

if (process.argv[2] === 'child') counterChild(process.argv[3], process.argv[4]);
else main().catch((e) => { console.error(e); process.exitCode = 1; });
