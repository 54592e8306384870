// Semaphore and BoundedSemaphore: CPython's _TestSemaphore behaviours, across processes.
import { describe, it, expect } from 'vitest';
import { Semaphore, BoundedSemaphore, RawArray, Event } from 'procsync';
import { runChild, startChild } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();

describe('Semaphore', () => {
  it('counts down and up (CPython _TestSemaphore.test_semaphore)', () => {
    const sem = track(new Semaphore(2));
    expect(sem.getValue()).toBe(2);
    expect(sem.acquireSync()).toBe(true);
    expect(sem.getValue()).toBe(1);
    expect(sem.acquireSync()).toBe(true);
    expect(sem.getValue()).toBe(0);
    expect(sem.acquireSync({ block: false })).toBe(false);
    expect(sem.locked()).toBe(true);
    sem.release();
    expect(sem.getValue()).toBe(1);
    sem.release();
    expect(sem.getValue()).toBe(2);
    sem.release(3);
    expect(sem.getValue()).toBe(5);
  });

  it('defaults to 1 and takes options as first argument', () => {
    const a = track(new Semaphore());
    expect(a.getValue()).toBe(1);
    const b = track(new Semaphore({ name: undefined }));
    expect(b.getValue()).toBe(1);
  });

  it('times out with false (CPython test_timeout), negative timeout = 0, block:false ignores timeout', async () => {
    const sem = track(new Semaphore(0));
    expect(sem.acquireSync({ timeout: 20 })).toBe(false);
    expect(sem.acquireSync({ timeout: -1 })).toBe(false);
    expect(sem.acquireSync({ block: false, timeout: 5000 })).toBe(false);
    expect(await sem.acquire({ timeout: 20 })).toBe(false);
    expect(await sem.acquire({ timeout: 0 })).toBe(false);
    expect(sem.getValue()).toBe(0);
  });

  it('a release in another process wakes a waiter (sync and async)', async () => {
    const sem = track(new Semaphore(0));
    const p = sem.acquire();
    expect(await runChild('locks.js', 'semRelease', [sem, 1])).toBeGreaterThanOrEqual(0);
    expect(await p).toBe(true);
    const child = startChild('locks.js', 'semAcquire', [sem, { timeout: 20_000 }]);
    sem.release();
    expect((await child.done).result).toBe(true);
    expect(sem.getValue()).toBe(0);
  });

  it('contended non-blocking acquires never take a count that is not there', async () => {
    // A CAS retry that failed and saw the value 1 once counted as a take (it took nothing): a
    // Semaphore's holders outnumbered its value, a BoundedSemaphore's release of a held count
    // threw. Three processes race for two counts; each holder is counted while it holds one.
    for (const sem of [track(new Semaphore(2)), track(new BoundedSemaphore(2))]) {
      const holders = track(new RawArray('i', 1));
      const start = track(new Event());
      const kids = [0, 1, 2].map(() => startChild('locks.js', 'semHolders', [sem, holders, start, 2, 1500]));
      start.set();
      const results = (await Promise.all(kids.map((k) => k.done))).map((r) => r.result as { over: number; threw: number; taken: number });
      for (const r of results) expect(r.taken).toBeGreaterThan(0);
      expect(results.map((r) => [r.over, r.threw])).toEqual([[0, 0], [0, 0], [0, 0]]);
      expect(sem.getValue()).toBe(2);
    }
  });

  it('release(n) wakes n waiting processes', async () => {
    const sem = track(new Semaphore(0));
    const kids = [0, 1, 2].map(() => startChild('locks.js', 'semAcquire', [sem, { timeout: 20_000 }]));
    sem.release(3);
    const results = await Promise.all(kids.map((k) => k.done));
    expect(results.map((r) => r.result)).toEqual([true, true, true]);
    expect(sem.getValue()).toBe(0);
  });

  it('rejects bad values with ERR_OUT_OF_RANGE / ERR_INVALID_ARG_TYPE', () => {
    expect(() => new Semaphore(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Semaphore(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Semaphore(2 ** 31)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Semaphore('3' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const sem = track(new Semaphore(1));
    expect(() => sem.release(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => sem.release(2 ** 31 - 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(sem.getValue()).toBe(1);
  });

  it('an aborted acquire takes nothing', async () => {
    const sem = track(new Semaphore(0));
    const ac = new AbortController();
    const p = sem.acquire({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    sem.release();
    expect(sem.getValue()).toBe(1);
  });
});

describe('BoundedSemaphore', () => {
  it('refuses a release above its initial value, value unchanged (CPython test_bounded_semaphore)', () => {
    const sem = track(new BoundedSemaphore(2));
    sem.acquireSync();
    sem.release();
    expect(() => sem.release()).toThrow(expect.objectContaining({ code: 'ERR_RELEASED_TOO_MANY_TIMES' }));
    expect(sem.getValue()).toBe(2);
    sem.acquireSync();
    expect(() => sem.release(2)).toThrow(expect.objectContaining({ code: 'ERR_RELEASED_TOO_MANY_TIMES' }));
    expect(sem.getValue()).toBe(1);
  });

  it('the bound holds across processes', async () => {
    const sem = track(new BoundedSemaphore(1));
    sem.acquireSync();
    expect(await runChild('locks.js', 'semRelease', [sem, 1])).toBe(1);
    const child = await startChild('locks.js', 'semRelease', [sem, 1]).done;
    expect(child.error?.code).toBe('ERR_RELEASED_TOO_MANY_TIMES');
    expect(sem.getValue()).toBe(1);
  });

  it('is a distinct kind', () => {
    const b = track(new BoundedSemaphore(1));
    expect(b.kind).toBe('BoundedSemaphore');
    expect(() => Semaphore.open(b.name)).toThrow(expect.objectContaining({ code: 'ERR_KIND_MISMATCH' }));
    const again = track(BoundedSemaphore.open(b.name));
    expect(again.getValue()).toBe(1);
  });
});
