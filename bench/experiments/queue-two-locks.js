// The measurement behind docs/design.md "The Queue's one mutex is its throughput limit": a byte
// ring of length-prefixed records, as the Queue's, between one putter and one getter process,
// with the put side and the get side each under its own mutex word on its own cache line
// (default), or with both sides under one mutex (ONE_LOCK=1, as the Queue is today). Busy
// polls stand in for sleeping; no codec. Not part of the bench: a prototype's figures.
//   node bench/experiments/queue-two-locks.js          [N=2000000]
//   ONE_LOCK=1 node bench/experiments/queue-two-locks.js
'use strict';
const p = require('../..');
const { fork } = require('child_process');
const N = Number(process.env.N || 2e6);
const CAP = 1 << 16;
// Int32 indices
const PUT_MUTEX = 0, TAIL = 1, PUT_COUNT = 2, PUT_LOGV = 3, PUT_LOG = 4; // line 0
const GET_MUTEX = process.env.ONE_LOCK === '1' ? PUT_MUTEX : 16;
const HEAD = 17, GET_COUNT = 18, GET_LOGV = 19, GET_LOG = 20; // line 1
const GET_SLEEPERS = 32, PUT_SLEEPERS = 33; // line 2 (rarely written)
const RING = 48 * 4, SIZE = CAP + 4;
function views(arr) {
  const i32 = arr.view;
  return { i32, u8: new Uint8Array(i32.buffer, i32.byteOffset, i32.byteLength) };
}
function putter(i32, u8, me) {
  let headCache = 0, getCountCache = 0;
  return function put(bytes, n) {
    while (Atomics.compareExchange(i32, PUT_MUTEX, 0, me) !== 0);
    const tail = i32[TAIL], pc = i32[PUT_COUNT];
    const need = n + 4;
    let used = (tail - headCache + SIZE) % SIZE;
    if (SIZE - used <= need) { headCache = Atomics.load(i32, HEAD); used = (tail - headCache + SIZE) % SIZE; }
    if (SIZE - used <= need) { Atomics.store(i32, PUT_MUTEX, 0); return false; }
    let q = tail;
    for (let k = 0; k < 4; k++) { u8[RING + q] = (n >>> (8 * k)) & 0xff; if (++q === SIZE) q = 0; }
    for (let k = 0; k < n; k++) { u8[RING + q] = bytes[k]; if (++q === SIZE) q = 0; }
    i32[PUT_LOG] = q; i32[PUT_LOG + 1] = pc + 1;
    Atomics.store(i32, PUT_LOGV, 1);
    i32[TAIL] = q;
    Atomics.store(i32, PUT_COUNT, pc + 1); // publishes the record
    Atomics.store(i32, PUT_LOGV, 0);
    Atomics.exchange(i32, PUT_MUTEX, 0);
    Atomics.load(i32, GET_SLEEPERS); // where a wake of sleeping getters would be decided
    return true;
  };
}
function getter(i32, u8, me) {
  let putCountCache = 0;
  return function get(into) {
    while (Atomics.compareExchange(i32, GET_MUTEX, 0, me) !== 0);
    const head = i32[HEAD], gc = i32[GET_COUNT];
    if (putCountCache === gc) { putCountCache = Atomics.load(i32, PUT_COUNT); }
    if (putCountCache === gc) { Atomics.store(i32, GET_MUTEX, 0); return -1; }
    let q = head, n = 0;
    for (let k = 0; k < 32; k += 8) { n |= u8[RING + q] << k; if (++q === SIZE) q = 0; }
    for (let k = 0; k < n; k++) { into[k] = u8[RING + q]; if (++q === SIZE) q = 0; }
    i32[GET_LOG] = q; i32[GET_LOG + 1] = gc + 1;
    Atomics.store(i32, GET_LOGV, 1);
    Atomics.store(i32, HEAD, q);
    i32[GET_COUNT] = gc + 1;
    Atomics.store(i32, GET_LOGV, 0);
    Atomics.exchange(i32, GET_MUTEX, 0);
    Atomics.load(i32, PUT_SLEEPERS);
    return n;
  };
}
if (process.argv[2] === 'child') {
  const arr = p.RawArray.open(process.argv[3]);
  const { i32, u8 } = views(arr);
  const get = getter(i32, u8, 2);
  const into = new Uint8Array(64);
  let got = 0, sum = 0, spins = 0;
  while (got < N) { const n = get(into); if (n < 0) { spins++; continue; } sum += into[1]; got++; }
  process.send({ spins });
  arr.close();
} else {
  const arr = new p.RawArray('i', (RING + SIZE + 64) / 4);
  const { i32, u8 } = views(arr);
  const put = putter(i32, u8, 1);
  const c = fork(__filename, ['child', arr.name]);
  c.on('message', (m) => console.log('getter empty polls', m.spins));
  const rec = new Uint8Array([0x10, 42, 0, 0, 0]); // ~ a small int item
  setTimeout(() => {
    const t0 = process.hrtime.bigint();
    let full = 0;
    for (let i = 0; i < N; ) { if (put(rec, rec.length)) i++; else full++; }
    c.on('exit', () => {
      const t1 = process.hrtime.bigint();
      console.log(`items/s ${(N / (Number(t1 - t0) / 1e9) / 1e6).toFixed(2)} M  (full polls ${full})`);
      arr.close();
    });
  }, 200);
}
