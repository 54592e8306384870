// Lock and RLock: CPython's _TestLock behaviours, cross-process ownership, owner death, async.
import { describe, it, expect } from 'vitest';
import { Lock, RLock } from 'procsync';
import { runChild, startChild, until } from './helpers/children';
import { segmentFile } from './helpers/segment-file';
import { useTracked } from './helpers/track';

const track = useTracked();

describe('Lock', () => {
  it('acquires, refuses a second acquire, releases (CPython _TestLock.test_lock)', () => {
    const lock = track(new Lock());
    expect(lock.acquireSync()).toBe(true);
    expect(lock.acquireSync({ block: false })).toBe(false);
    expect(lock.acquireSync({ timeout: 0 })).toBe(false);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(() => lock.release()).toThrow(expect.objectContaining({ code: 'ERR_RELEASED_TOO_MANY_TIMES' }));
  });

  it('times out with false, treats a negative timeout as 0, ignores the timeout with block:false', async () => {
    const lock = track(new Lock());
    lock.acquireSync();
    expect(lock.acquireSync({ timeout: 30 })).toBe(false);
    expect(lock.acquireSync({ timeout: -5 })).toBe(false);
    expect(lock.acquireSync({ block: false, timeout: 10_000 })).toBe(false);
    expect(await lock.acquire({ timeout: 30 })).toBe(false);
    expect(await lock.acquire({ block: false, timeout: 10_000 })).toBe(false);
    lock.release();
  });

  it('is held across processes and may be released by another process', async () => {
    const lock = track(new Lock());
    lock.acquireSync();
    expect(await runChild('locks.js', 'tryAcquire', [lock, { timeout: 50 }])).toBe(false);
    expect(await runChild('locks.js', 'releaseOther', [lock])).toBe('released');
    expect(lock.locked()).toBe(false);
    expect(await runChild('locks.js', 'tryAcquire', [lock, { block: false }])).toBe(true);
  });

  it('a waiting process gets the lock when the holder releases it', async () => {
    const lock = track(new Lock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    const p = lock.acquire();
    holder.send('release');
    expect(await p).toBe(true);
    expect((await holder.done).code).toBe(0);
    lock.release();
  });

  it('owner killed with SIGKILL: a waiter takes it over and a PROCSYNC_OWNER_DIED warning is emitted', async () => {
    const lock = track(new Lock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    const warnings: { code?: string }[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const p = lock.acquire({ timeout: 10_000 });
      holder.kill('SIGKILL');
      expect(await p).toBe(true);
      await until(() => warnings.some((w) => w.code === 'PROCSYNC_OWNER_DIED'), 5_000, 'warning');
    } finally {
      process.off('warning', onWarning);
    }
    lock.release();
    await holder.done;
  });

  it('owner killed: the sync form and a later try take it over too', async () => {
    const lock = track(new Lock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    holder.kill('SIGKILL');
    await holder.done;
    expect(lock.acquireSync({ block: false })).toBe(true);
    lock.release();
  });

  // No signals to send on Windows.
  it.skipIf(process.platform === 'win32')('owner killed: a sync waiter that gets a signal every 2 ms still takes it over', async () => {
    // A signal ends a sleep early (EINTR). Were each ended sleep to start a new 200 ms slice, the
    // slice would never run out here, and the owner's death is checked at the end of a slice.
    const lock = track(new Lock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    const waiter = startChild<{ ok: boolean }>('locks.js', 'acquireUnderSignals', [lock], { timeoutMs: 20_000 });
    expect(await waiter.message()).toBe('waiting');
    let sent = 0;
    const timer = setInterval(() => {
      try {
        process.kill(waiter.pid, 'SIGUSR2');
        sent++;
      } catch {
        // gone already
      }
    }, 2);
    try {
      // Signalled for a while before the owner dies: the waiter is asleep in the lock by then.
      await until(() => sent >= 50, 10_000, 'signals sent');
      holder.kill('SIGKILL');
      await holder.done;
      const r = await waiter.done;
      expect(r.error).toBeUndefined();
      expect(r.result).toEqual({ ok: true });
    } finally {
      clearInterval(timer);
    }
  });

  it('async acquire does not block the event loop', async () => {
    const lock = track(new Lock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const p = lock.acquire();
    await until(() => ticks >= 10, 10_000, 'timer ticks while acquire is pending');
    holder.send('release');
    expect(await p).toBe(true);
    clearInterval(timer);
    lock.release();
    await holder.done;
  });

  it('an aborted acquire rejects with the reason and takes nothing', async () => {
    const lock = track(new Lock());
    lock.acquireSync();
    const ac = new AbortController();
    const p = lock.acquire({ signal: ac.signal });
    const q = lock.acquire({ timeout: 20_000 });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const reason = new Error('mine');
    await expect(lock.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    lock.release();
    expect(await q).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it('a timeout beyond setTimeout range (2**40 ms) still waits', async () => {
    const lock = track(new Lock());
    lock.acquireSync();
    const p = lock.acquire({ timeout: 2 ** 40 });
    const q = lock.acquire({ timeout: 2 ** 40 }); // queued behind p: its timer is a JS one
    await new Promise((r) => setTimeout(r, 20));
    lock.release();
    expect(await p).toBe(true);
    lock.release();
    expect(await q).toBe(true);
    lock.release();
  });

  it('withLock and withLockSync release on throw', async () => {
    const lock = track(new Lock());
    await expect(lock.withLock(async () => { throw new Error('x'); })).rejects.toThrow('x');
    expect(lock.locked()).toBe(false);
    expect(() => lock.withLockSync(() => { throw new Error('y'); })).toThrow('y');
    expect(lock.locked()).toBe(false);
    expect(await lock.withLock(() => 42)).toBe(42);
    expect(lock.withLockSync(() => 'ok')).toBe('ok');
  });

  it('many pending async acquires in one process are served in order', async () => {
    const lock = track(new Lock());
    lock.acquireSync();
    const order: number[] = [];
    const ps = Array.from({ length: 200 }, (_, i) => lock.acquire().then(() => { order.push(i); lock.release(); }));
    lock.release();
    await Promise.all(ps);
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('close() rejects pending async acquires with ERR_CLOSED and makes every method throw ERR_CLOSED', async () => {
    const lock = new Lock();
    const other = track(Lock.open(lock.name));
    other.acquireSync();
    const p = lock.acquire();
    lock.close();
    await expect(p).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => lock.acquireSync()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(() => lock.release()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(() => lock.locked()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    await expect(lock.acquire()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    other.release();
  });
});

describe('Lock close with waits in flight', () => {
  it('close() during an in-flight async acquire leaves the lock free for others', async () => {
    const lock = track(new Lock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    const mine = Lock.open(lock.name);
    const p = mine.acquire();
    mine.close();
    holder.send('release');
    await expect(p).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect((await holder.done).code).toBe(0);
    // Whatever the cancelled wait saw, it holds nothing now.
    expect(lock.acquireSync({ timeout: 5_000 })).toBe(true);
    lock.release();
  });
});

describe('RLock', () => {
  it('a take by a native wait not yet accepted by JS is not ownership (no re-entry, no release)', () => {
    // The state between a native wait taking the word for this thread and the JS side accepting
    // or undoing it (e.g. the wait's JS timer gave up first): word = this thread, count = 0.
    const lock = track(new RLock());
    lock.acquireSync();
    const f = segmentFile(lock.name);
    try {
      const me = f.read(f.word(0));
      lock.release();
      f.write(f.word(0), me);
      f.write(f.word(1), 0);
      expect(lock.isOwned()).toBe(false);
      expect(lock.count).toBe(0);
      expect(lock.acquireSync({ block: false })).toBe(false);
      expect(() => lock.release()).toThrow(expect.objectContaining({ code: 'ERR_NOT_OWNER' }));
      f.write(f.word(0), 0);
      expect(lock.acquireSync({ block: false })).toBe(true);
      expect(lock.count).toBe(1);
      lock.release();
    } finally {
      f.close();
    }
  });

  it('is re-entrant for its owner and counts levels (CPython _TestLock.test_rlock)', () => {
    const r = track(new RLock());
    expect(r.acquireSync()).toBe(true);
    expect(r.acquireSync({ block: false })).toBe(true);
    expect(r.acquireSync()).toBe(true);
    expect(r.count).toBe(3);
    expect(r.isOwned()).toBe(true);
    r.release();
    r.release();
    r.release();
    expect(r.locked()).toBe(false);
    expect(() => r.release()).toThrow(expect.objectContaining({ code: 'ERR_NOT_OWNER' }));
  });

  it('is owned by one process: others cannot acquire or release it', async () => {
    const r = track(new RLock());
    r.acquireSync();
    r.acquireSync();
    expect(await runChild('locks.js', 'tryAcquire', [r, { timeout: 30 }])).toBe(false);
    expect(await runChild('locks.js', 'releaseOther', [r])).toBe('ERR_NOT_OWNER');
    expect(await runChild('locks.js', 'rlockInfo', [r])).toEqual({ locked: true, owned: false, count: 0 });
    r.release();
    r.release();
    expect(await runChild('locks.js', 'tryAcquire', [r, { timeout: 5000 }])).toBe(true);
  });

  it('owner killed while holding: taken over by a waiter', async () => {
    const r = track(new RLock());
    const holder = startChild('locks.js', 'holdLock', [r]);
    expect(await holder.message()).toBe('held');
    const p = r.acquire({ timeout: 10_000 });
    holder.kill('SIGKILL');
    expect(await p).toBe(true);
    expect(r.count).toBe(1);
    r.release();
    await holder.done;
  });

  it('re-acquires at once by the owner even while others queue', async () => {
    const r = track(new RLock());
    expect(await r.acquire()).toBe(true);
    expect(await r.acquire({ block: false })).toBe(true);
    expect(r.count).toBe(2);
    r.release();
    r.release();
  });
});
