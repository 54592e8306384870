// worker_threads: every class inside workers, primitives through workerData and postMessage,
// per-thread RLock ownership, terminate() of a worker holding a Lock or with pending waits,
// the addon in many workers at once.
import { describe, it, expect, afterEach } from 'vitest';
import {
  Lock, RLock, Semaphore, BoundedSemaphore, Event, Value, SharedArray,
} from 'procsync';
import { until } from './helpers/children';
import { startWorker, terminateAll, within } from './helpers/workers';

const opened: { close(): void }[] = [];
function track<T extends { close(): void }>(p: T): T {
  opened.push(p);
  return p;
}
afterEach(async () => {
  await terminateAll();
  for (const p of opened.splice(0)) p.close();
});

describe('worker_threads', () => {
  it('every class works inside workers, passed in workerData', async () => {
    const prims = {
      lock: track(new Lock()),
      rlock: track(new RLock()),
      sem: track(new Semaphore(0)),
      bsem: track(new BoundedSemaphore(1)),
      ev: track(new Event()),
      value: track(new Value('i', 0)),
      arr: track(new SharedArray('i', 2)),
    };
    const ws = [startWorker('allKinds', [prims, 200]), startWorker('allKinds', [prims, 200])];
    // The event is set only once both have done everything else (they then wait on it).
    await until(() => prims.arr.get(1) === 400, 20_000, 'workers done with the counters');
    prims.ev.set();
    const results = await within(Promise.all(ws.map((w) => w.result)), 20_000, 'workers');
    for (const r of results) {
      expect(r).toEqual({
        rlockCount: 2,
        semTaken: true,
        bsemTooMany: 'ERR_RELEASED_TOO_MANY_TIMES',
        evSeen: true,
        kinds: ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Value', 'SharedArray'],
      });
    }
    expect(prims.value.value).toBe(800);
    expect(prims.arr.toArray()).toEqual([400, 400]);
    expect(prims.lock.locked()).toBe(false);
    expect(prims.rlock.locked()).toBe(false);
    expect(prims.bsem.getValue()).toBe(1);
  });

  it('primitives travel by postMessage in both directions', async () => {
    const lock = track(new Lock());
    const value = track(new Value('i', 41));
    const w = startWorker('viaMessages');
    w.send({ lock, value });
    const { made, kind } = (await w.message()) as { made: InstanceType<typeof Event>; kind: string };
    track(made);
    expect(kind).toBe('Lock');
    expect(value.value).toBe(42);
    expect(made.kind).toBe('Event');
    made.set();
    w.send('bye');
    expect(await within(w.result, 20_000, 'worker')).toBe('done');
    expect(made.isSet()).toBe(true); // still open here after the worker closed its handle
  });

  it('RLock ownership is per thread: another thread of the same process can neither take nor release it', async () => {
    const rlock = track(new RLock());
    rlock.acquireSync();
    const r = await within(startWorker('rlockOther', [rlock]).result, 20_000, 'worker');
    expect(r).toEqual({ owned: false, count: 0, locked: true, tryAcquire: false, release: 'ERR_NOT_OWNER' });
    expect(rlock.count).toBe(1);
    rlock.release();

    const w = startWorker('rlockHold', [rlock]);
    expect(await w.message()).toBe('held');
    expect(rlock.isOwned()).toBe(false);
    expect(() => rlock.release()).toThrow(expect.objectContaining({ code: 'ERR_NOT_OWNER' }));
    expect(rlock.acquireSync({ block: false })).toBe(false);
    const p = rlock.acquire({ timeout: 20_000 });
    w.send('release');
    expect(await w.result).toBe(false);
    expect(await p).toBe(true);
    expect(rlock.count).toBe(1);
    rlock.release();
  });

  it('terminate() of a worker holding a Lock with pending async waits: nothing crashes, the Lock is recovered, nothing is taken wrongly', async () => {
    const lock = track(new Lock());
    const lock2 = track(new Lock());
    const sem = track(new Semaphore(0));
    const ev = track(new Event());
    lock2.acquireSync();
    const w = startWorker('holdAndPend', [{ lock, lock2, sem, ev }]);
    expect(await w.message()).toBe('pending');
    expect(lock.locked()).toBe(true);
    const warnings: { code?: string }[] = [];
    const onWarning = (e: Error & { code?: string }) => warnings.push(e);
    process.on('warning', onWarning);
    try {
      await within(w.worker.terminate(), 20_000, 'terminate');
      // Its thread id is dead: the Lock is taken over as from a dead process.
      expect(await lock.acquire({ timeout: 20_000 })).toBe(true);
      await until(() => warnings.some((x) => x.code === 'PROCSYNC_OWNER_DIED'), 5_000, 'owner-died warning');
    } finally {
      process.off('warning', onWarning);
    }
    lock.release();
    // The dead worker's pending waits took nothing.
    lock2.release();
    sem.release();
    ev.set();
    await new Promise((r) => setTimeout(r, 100));
    expect(lock2.acquireSync({ block: false })).toBe(true);
    lock2.release();
    expect(sem.getValue()).toBe(1);
  });

  it('terminate() of a worker blocked in acquireSync / waitSync returns and takes nothing', async () => {
    const lock = track(new Lock());
    const sem = track(new Semaphore(0));
    const ev = track(new Event());
    lock.acquireSync();
    const ws = [startWorker('blockSync', [lock]), startWorker('blockSync', [sem]), startWorker('blockSync', [ev])];
    for (const w of ws) expect(await w.message()).toBe('blocking');
    await new Promise((r) => setTimeout(r, 50)); // let them reach the futex (the outcome does not depend on it)
    await within(Promise.all(ws.map((w) => w.worker.terminate())), 20_000, 'terminate');
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.acquireSync({ block: false })).toBe(true);
    lock.release();
    sem.release();
    expect(sem.getValue()).toBe(1);
    expect(ev.isSet()).toBe(false);
  });

  it('the addon loads in 8 workers at once; they count exactly under a shared Lock', async () => {
    const lock = track(new Lock());
    const value = track(new Value('i', 0, { lock: false }));
    const ws = Array.from({ length: 8 }, () => startWorker('counter', [lock, value, 100]));
    const pids = await within(Promise.all(ws.map((w) => w.result)), 30_000, 'workers');
    expect(new Set(pids)).toEqual(new Set([process.pid]));
    expect(value.value).toBe(800);
    expect(lock.locked()).toBe(false);
  });
});
