// One source of truth: the constants lib/ uses come from the core's headers (lib/core/layout.ts,
// native/napi/constants_binding.cc). These checks catch a kind or result code added on one side only.
import { describe, it, expect } from 'vitest';
import { Worker } from 'worker_threads';
import { Lock, Queue, ProcsyncError, RWLock } from 'procsync';
import { segmentFile } from './helpers/segment-file';
import { uniqueName } from './helpers/children';

// Loaded as procsync itself loads it (dist/), so that this is the one instance of the addon.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { layout, codeNames } = require('../dist/core/layout.js') as typeof import('../lib/core/layout');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { kindNames, Kind } = require('../dist/core/kinds.js') as typeof import('../lib/core/kinds');

describe('layout constants', () => {
  it('TypeScript knows exactly the kinds of the core, under the same numbers', () => {
    expect(Object.keys(layout.kinds).sort()).toEqual([...kindNames].sort());
    for (const k of kindNames) expect(Kind[k]).toBe(layout.kinds[k]);
  });

  it('TypeScript knows exactly the result codes of the core', () => {
    expect(Object.keys(layout.codes).sort()).toEqual([...codeNames].sort());
    expect(new Set(Object.values(layout.codes)).size).toBe(codeNames.length);
  });

  it('the state offset the segments use is the one handed over', () => {
    const q = new Queue({ name: uniqueName('layout') });
    const f = segmentFile(q.name);
    try {
      expect(f.stateOffset).toBe(layout.stateOffset);
    } finally {
      f.close();
      q.close();
    }
  });

  it('the users table entry of this thread: its id, pid and worker_threads threadId', () => {
    const l = new Lock();
    l.acquireSync();
    const f = segmentFile(l.name);
    try {
      const id = f.read(f.word(layout.lock.ownerWord)) & layout.lock.ownerMask;
      const { offset, entries, entrySize } = layout.users;
      expect(offset + entries * entrySize).toBeLessThanOrEqual(layout.stateOffset);
      const e = offset + (id % entries) * entrySize;
      expect([f.read(e), f.read(e + 4), f.read(e + 8)]).toEqual([id, process.pid, 0]);
    } finally {
      f.close();
      l.release();
      l.close();
    }
  });

  it('the RWLock state word: READ | readers, or the writer id; a fast-path share recorded in a home slot', () => {
    const rw = new RWLock();
    const { stateWord, slotsWord, read, countMask, wait } = layout.rwlock;
    const f = segmentFile(rw.name);
    try {
      rw.read.acquireSync();
      rw.read.acquireSync();
      expect(f.read(f.word(stateWord))).toBe((read | 2) >>> 0);
      const slots = [0, 1, 2, 3].map((i) => [f.read(f.word(slotsWord + 2 * i)), f.read(f.word(slotsWord + 2 * i + 1))]);
      expect(slots.filter(([own, c]) => own !== 0 && c === 2)).toHaveLength(1);
      rw.read.release();
      rw.read.release();
      expect(f.read(f.word(stateWord))).toBe(0);
      rw.write.acquireSync();
      const s = f.read(f.word(stateWord));
      expect(s & ~(layout.lock.ownerMask | wait)).toBe(0);
      expect(s & countMask).toBeGreaterThan(0);
      rw.write.release();
    } finally {
      f.close();
      rw.close();
    }
  });

  it('RWLock: every user (here a second thread) takes its read by the fast path, in a home slot of its own', async () => {
    const rw = new RWLock();
    const { slotsWord, defaultSlots } = layout.rwlock;
    const native = 0x80000000;
    const code = `
      const { parentPort, workerData } = require('worker_threads');
      const rw = require(${JSON.stringify(require.resolve('procsync'))}).RWLock.open(workerData);
      rw.read.acquireSync();
      parentPort.postMessage('held');
      parentPort.once('message', () => { rw.read.release(); rw.close(); parentPort.postMessage('done'); });`;
    const w = new Worker(code, { eval: true, workerData: rw.name });
    const next = () => new Promise((r) => w.once('message', r));
    const f = segmentFile(rw.name);
    try {
      rw.read.acquireSync();
      expect(await next()).toBe('held');
      const slots = Array.from({ length: defaultSlots }, (_, i) => [f.read(f.word(slotsWord + 2 * i)), f.read(f.word(slotsWord + 2 * i + 1))]);
      // Two home slots (no native bit) with one share each; no share in a native slot.
      expect(slots.filter(([own, c]) => own !== 0 && !(own & native) && c === 1)).toHaveLength(2);
      expect(slots.filter(([own]) => (own & native) !== 0)).toHaveLength(0);
      rw.read.release();
      w.postMessage('go');
      expect(await next()).toBe('done');
    } finally {
      f.close();
      await w.terminate();
      rw.close();
    }
  });

  it('the lock word encoding: a held Lock shows its owner id with the handed-over mask', () => {
    const l = new Lock();
    l.acquireSync();
    const f = segmentFile(l.name);
    try {
      const w = f.read(f.word(layout.lock.ownerWord));
      expect(w & layout.lock.ownerMask).toBeGreaterThan(0);
      expect(w & ~(layout.lock.ownerMask | layout.lock.waiters)).toBe(0);
    } finally {
      f.close();
      l.release();
      l.close();
    }
    expect(new ProcsyncError('ERR_CORRUPT', 'x')).toBeInstanceOf(Error);
  });
});
