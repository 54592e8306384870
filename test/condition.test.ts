// Condition: CPython's _TestCondition behaviours across real processes, exact notify(n), RLock
// levels, async forms, AbortSignal, and a SIGKILLed waiter.
import { describe, it, expect } from 'vitest';
import { inspect } from 'util';
import { Condition, Lock, RLock, SharedArray, Value, serialize, deserialize } from 'procsync';
import { runChild, startChild, until, uniqueName } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { layout } = require('../dist/core/layout.js') as typeof import('../lib/core/layout');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The number of registered waiters, as util.inspect shows it (read from shared memory). */
const waitingOf = (c: Condition) => Number(/waiting: (\d+)/.exec(inspect(c))![1]);

describe('Condition basics', () => {
  it('deferred wake-ups do not pile up when the lock is always released through another handle', async () => {
    const name = uniqueName('lk');
    const lock = track(new Lock({ name }));
    const c = track(new Condition(lock));
    const other = track(Lock.open(name)); // this process never releases through `lock` itself
    const rounds = 30;
    const kid = startChild('cond.js', 'condWaitLoop', [c, rounds]);
    expect(await kid.message()).toBe('waiting');
    for (let i = 0; i < rounds; i++) {
      await until(() => waitingOf(c) === 1, 10_000, `child waiting (round ${i})`);
      expect(await other.acquire({ timeout: 10_000 })).toBe(true);
      c.notify();
      other.release();
    }
    expect((await kid.done).result).toBe(rounds); // every wait was notified
    const hooks = (lock as unknown as { releaseHooks: unknown[] | null }).releaseHooks;
    expect(hooks === null ? 0 : hooks.length).toBeLessThanOrEqual(1);
  });

  it('a waiter asleep in the kernel shows it in its slot, and each notify wakes it (not its sleep slice)', async () => {
    // native/primitives/condition.cc Slot::asleep: a notify wakes only a slot whose waiter sleeps. Were
    // that wake-up lost, each round would last until the waiter's 200 ms slice ends (40 rounds:
    // 7.6 s at least; 8.0 s measured with the wake-up skipped); woken, a round lasts about the
    // 10 ms poll that sees it asleep (0.5 s for the 40 measured).
    const name = uniqueName('lk');
    const lock = track(new Lock({ name }));
    const c = track(new Condition(lock));
    const other = track(Lock.open(name));
    const { slotsWord, slotWords } = layout.condition;
    const words = c as unknown as { i32: Int32Array; base: number }; // the state's words (lib/core/primitive.ts)
    const asleep = () => Atomics.load(words.i32, words.base + slotsWord + 3) === 1; // the one waiter's slot: 0
    expect(slotWords).toBe(4);
    const rounds = 40;
    const kid = startChild('cond.js', 'condWaitLoop', [c, rounds]);
    expect(await kid.message()).toBe('waiting');
    const t0 = Date.now();
    for (let i = 0; i < rounds; i++) {
      await until(() => waitingOf(c) === 1 && asleep(), 10_000, `child waiting and asleep (round ${i})`);
      expect(await other.acquire({ timeout: 10_000 })).toBe(true);
      c.notify();
      other.release();
    }
    expect((await kid.done).result).toBe(rounds);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(asleep()).toBe(false);
  });

  it('a notify wakes its waiter however the lock is released after it (the wake-up is deferred to the release)', async () => {
    const name = uniqueName('lk');
    const lock = track(new Lock({ name }));
    const c = track(new Condition(lock));
    const other = track(Lock.open(name)); // a second handle on the same lock
    const releases: Record<string, () => void> = {
      'cond.release()': () => c.release(),
      "the Condition's lock object": () => lock.release(),
      'another handle of the lock': () => other.release(),
    };
    for (const [how, release] of Object.entries(releases)) {
      const kid =
        how === 'cond.release()'
          ? startChild('cond.js', 'condWaitAsync', [c, { timeout: 30_000 }])
          : startChild('cond.js', 'condWaitSync', [c, { timeout: 30_000 }, 1]);
      expect(await kid.message()).toBe('waiting');
      expect(await c.acquire({ timeout: 30_000 })).toBe(true); // free once the child waits
      c.notify();
      release();
      const r = (await kid.done).result as { notified: boolean; held: boolean };
      expect(r, how).toMatchObject({ notified: true, held: true });
    }
  });

  it('delegates to a default RLock and requires the lock for wait/notify (ERR_LOCK_NOT_HELD)', async () => {
    const c = track(new Condition());
    expect(c.kind).toBe('Condition');
    expect(c.lock).toBeInstanceOf(RLock);
    expect(() => c.waitSync({ timeout: 10 })).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(() => c.waitForSync(() => true)).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(() => c.notify()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    expect(() => c.notifyAll()).toThrow(expect.objectContaining({ code: 'ERR_LOCK_NOT_HELD' }));
    const p = c.wait();
    await expect(p).rejects.toMatchObject({ code: 'ERR_LOCK_NOT_HELD' });
    await expect(c.waitFor(() => 1)).rejects.toMatchObject({ code: 'ERR_LOCK_NOT_HELD' });
    expect(c.acquireSync()).toBe(true);
    expect(await c.acquire()).toBe(true);
    expect((c.lock as RLock).count).toBe(2);
    c.notify();
    c.notifyAll();
    c.release();
    c.release();
    expect(c.lock.locked()).toBe(false);
    expect(c.withLockSync(() => (c.lock as RLock).count)).toBe(1);
    expect(await c.withLock(async () => c.lock.locked())).toBe(true);
    expect(() => c.notify(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(inspect(c)).toMatch(/^Condition \{[\s\S]*lock: RLock[\s\S]*waiting: 0/);
  });

  it('uses a given Lock; held means held by the calling thread', async () => {
    const lock = track(new Lock());
    const c = track(new Condition(lock));
    expect(c.lock).toBe(lock);
    expect(await runChild('cond.js', 'condNotifyNotHeld', [c])).toBe('ERR_LOCK_NOT_HELD');
    lock.acquireSync();
    // Held by this process, not by the child.
    expect(await runChild('cond.js', 'condNotifyNotHeld', [c])).toBe('ERR_LOCK_NOT_HELD');
    expect(c.waitSync({ timeout: 20 })).toBe(false);
    expect(lock.locked()).toBe(true);
    c.release();
    expect(() => new Condition(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('reopens its own lock in other processes (serialize, open by name, same lock)', async () => {
    const name = uniqueName('cond');
    const c = track(new Condition(undefined, { name }));
    expect(c.lock.name).toBe(`${name}.lock`);
    const marker = serialize([c]) as unknown[];
    expect(marker[0]).toEqual({ $procsync: 'Condition', name });
    c.acquireSync();
    const seen = (await runChild('cond.js', 'condLockName', [c])) as { lock: string; kind: string; locked: boolean };
    expect(seen).toEqual({ lock: c.lock.name, kind: 'RLock', locked: true });
    c.release();
    const again = track(Condition.open(name));
    expect(again.lock.name).toBe(c.lock.name);
    const viaMarker = track(deserialize<Condition[]>(marker)[0]);
    expect(viaMarker.lock.name).toBe(c.lock.name);
    // Create-or-open with the same name uses the existing lock; another given lock is a mismatch.
    const same = track(new Condition(undefined, { name }));
    expect(same.lock.name).toBe(c.lock.name);
    const other = track(new Lock());
    expect(() => new Condition(other, { name })).toThrow(expect.objectContaining({ code: 'ERR_PARAMS_MISMATCH' }));
    expect(() => Condition.open(uniqueName('none'))).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
    expect(() => Condition.open(other.name)).toThrow(expect.objectContaining({ code: 'ERR_KIND_MISMATCH' }));
  });

  it('closes: later use is ERR_CLOSED, a pending async wait rejects with ERR_CLOSED', async () => {
    const c = new Condition(new Lock());
    const lock = c.lock;
    await c.acquire();
    const p = c.wait();
    c.close();
    await expect(p).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => c.notify()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    await expect(c.wait()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    lock.close();
  });

  it('a full waiter table is a clear ERR_OUT_OF_RANGE (maxWaiters)', async () => {
    const c = track(new Condition(undefined, { maxWaiters: 2 }));
    const waits: Promise<boolean>[] = [];
    for (let i = 0; i < 2; i++) {
      await c.acquire();
      waits.push(c.wait());
    }
    await c.acquire();
    await expect(c.wait()).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect((c.lock as RLock).count).toBe(1); // still held: nothing was released
    c.notifyAll();
    c.release();
    expect(await Promise.all(waits)).toEqual([true, true]);
    for (let i = 0; i < 2; i++) c.release();
    expect(() => new Condition(undefined, { maxWaiters: 0 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('Condition across processes (CPython _TestCondition)', () => {
  it('notify wakes a waiting process (test_notify)', async () => {
    const c = track(new Condition());
    const child = startChild('cond.js', 'condWaitSync', [c, {}, 1]);
    expect(await child.message()).toBe('waiting');
    // Once we get the lock, the child has registered and released it.
    c.acquireSync();
    expect(waitingOf(c)).toBe(1);
    c.notify();
    c.release();
    const r = (await child.done).result as { notified: boolean; held: boolean };
    expect(r).toMatchObject({ notified: true, held: true });
  });

  it('notifyAll wakes every current waiter; timed-out waiters are gone (test_notify_all)', async () => {
    const c = track(new Condition());
    const timed = [0, 1, 2].map(() => startChild('cond.js', 'condWaitSync', [c, { timeout: 100 }, 1]));
    const forever = [0, 1, 2].map(() => startChild('cond.js', 'condWaitSync', [c, {}, 1]));
    for (const ch of [...timed, ...forever]) expect(await ch.message()).toBe('waiting');
    const timedResults = await Promise.all(timed.map((ch) => ch.done));
    for (const r of timedResults) expect(r.result).toMatchObject({ notified: false, held: true });
    c.acquireSync();
    expect(waitingOf(c)).toBe(3);
    c.notifyAll();
    expect(waitingOf(c)).toBe(0);
    c.release();
    for (const ch of forever) expect((await ch.done).result).toMatchObject({ notified: true });
  });

  it('notify(n) wakes exactly min(n, waiting) of 6 waiters in 4 processes (test_notify_n)', async () => {
    const c = track(new Condition(new Lock()));
    const counters = track(new SharedArray('i', 2)); // [sleeping, woken]
    const view = counters.view as Int32Array;
    const kids = [
      startChild('cond.js', 'condWaiters', [c, counters, 2, true]),
      startChild('cond.js', 'condWaiters', [c, counters, 2, true]),
      startChild('cond.js', 'condWaiters', [c, counters, 1, false]),
      startChild('cond.js', 'condWaiters', [c, counters, 1, false]),
    ];
    await until(() => Atomics.load(view, 0) === 6, 20_000, 'six sleepers');
    c.acquireSync(); // every sleeper has registered (each did so before releasing the lock)
    expect(waitingOf(c)).toBe(6);
    expect(Atomics.load(view, 1)).toBe(0);
    c.notify(2);
    expect(waitingOf(c)).toBe(4); // exactly 2 were marked, under the internal mutex
    c.release();
    await until(() => Atomics.load(view, 1) === 2, 20_000, 'two woken');
    await sleep(100);
    expect(Atomics.load(view, 1)).toBe(2);
    c.acquireSync();
    c.notify(4);
    c.release();
    await until(() => Atomics.load(view, 1) === 6, 20_000, 'six woken');
    c.acquireSync();
    c.notify(3); // nobody left: no effect
    c.release();
    await sleep(50);
    expect(Atomics.load(view, 1)).toBe(6);
    for (const k of kids) expect((await k.done).code).toBe(0);
  });

  it('wait times out with false and keeps the lock held to the same level (test_timeout)', async () => {
    const c = track(new Condition());
    for (let i = 0; i < 3; i++) c.acquireSync();
    const t0 = performance.now();
    expect(c.waitSync({ timeout: 100 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect((c.lock as RLock).count).toBe(3);
    expect(await c.wait({ timeout: 50 })).toBe(false);
    expect((c.lock as RLock).count).toBe(3);
    expect(c.waitSync({ timeout: 0 })).toBe(false);
    expect(c.waitSync({ block: false })).toBe(false);
    for (let i = 0; i < 3; i++) c.release();
  });

  it('a waiter in another process re-acquires every RLock level after being notified', async () => {
    const c = track(new Condition());
    const child = startChild('cond.js', 'condWaitSync', [c, {}, 3]);
    expect(await child.message()).toBe('waiting');
    c.acquireSync();
    c.notify();
    c.release();
    expect((await child.done).result).toMatchObject({ notified: true, held: true, count: 3 });
  });

  it('waitFor returns once the predicate holds (test_waitfor)', async () => {
    const c = track(new Condition());
    const state = track(new Value('i', 0));
    const child = startChild('cond.js', 'condWaitFor', [c, state, 4, {}]);
    expect(await child.message()).toBe('waiting');
    for (let i = 0; i < 4; i++) {
      await c.acquire();
      state.value = (state.value as number) + 1;
      c.notify();
      c.release();
      await sleep(10);
    }
    expect((await child.done).result).toMatchObject({ result: true, seen: 4 });
  });

  it('waitFor timeout is a total deadline across wake-ups (test_waitfor_timeout)', async () => {
    const c = track(new Condition());
    const state = track(new Value('i', 0));
    const child = startChild('cond.js', 'condWaitFor', [c, state, -1, { timeout: 300 }]);
    expect(await child.message()).toBe('waiting');
    // Keep waking it every 30 ms; a per-wake-up timeout would never expire while this runs.
    let stop = false;
    const bumper = (async () => {
      const end = Date.now() + 4000;
      while (!stop && Date.now() < end) {
        await c.acquire();
        state.value = (state.value as number) + 1;
        c.notify();
        c.release();
        await sleep(30);
      }
    })();
    const r = (await child.done).result as { result: boolean; elapsed: number };
    stop = true;
    await bumper;
    expect(r.result).toBe(false);
    expect(r.elapsed).toBeGreaterThanOrEqual(295);
    expect(r.elapsed).toBeLessThan(3000);
    // Sync form in this process too, and the async form in a child.
    c.acquireSync();
    expect(c.waitForSync(() => 0, { timeout: 30 })).toBe(0);
    expect(await c.waitFor(() => '', { timeout: 30 })).toBe('');
    c.release();
    const a = startChild('cond.js', 'condWaitForAsync', [c, state, -1, { timeout: 150 }]);
    expect(await a.message()).toBe('waiting');
    expect((await a.done).result).toMatchObject({ result: false });
  });
});

describe('Condition async forms', () => {
  it('a process awaits cond.wait() while its event loop keeps running', async () => {
    const c = track(new Condition());
    const child = startChild('cond.js', 'condWaitAsync', [c, {}]);
    expect(await child.message()).toBe('waiting');
    await c.acquire();
    await sleep(100); // the child's timer ticks meanwhile
    c.notify();
    c.release();
    const r = (await child.done).result as { notified: boolean; held: boolean; ticks: number };
    expect(r.notified).toBe(true);
    expect(r.held).toBe(true);
    expect(r.ticks).toBeGreaterThan(0);
  });

  it('several async waiters of one object are woken one by one, oldest first', async () => {
    const c = track(new Condition(new Lock()));
    const order: number[] = [];
    const ws = [0, 1, 2].map(async (i) => {
      await c.acquire();
      const ok = await c.wait();
      order.push(i);
      c.release();
      return ok;
    });
    await until(() => waitingOf(c) === 3, 5000, 'three waiters');
    for (let k = 1; k <= 3; k++) {
      await c.acquire();
      c.notify();
      c.release();
      await until(() => order.length === k, 5000, `waiter ${k}`);
    }
    expect(order).toEqual([0, 1, 2]);
    expect(await Promise.all(ws)).toEqual([true, true, true]);
  });

  it('an aborted waiter withdraws: it rejects, re-holds the lock, and absorbs no notification', async () => {
    const c = track(new Condition());
    // 1. Aborted before any notify: a waiter in a child still gets the next notify.
    await c.acquire();
    await c.acquire();
    const ac = new AbortController();
    const mine = c.wait({ signal: ac.signal });
    const child = startChild('cond.js', 'condWaitSync', [c, {}, 1]);
    expect(await child.message()).toBe('waiting');
    ac.abort();
    await expect(mine).rejects.toMatchObject({ name: 'AbortError' });
    expect((c.lock as RLock).count).toBe(2);
    c.notify();
    c.release();
    c.release();
    expect((await child.done).result).toMatchObject({ notified: true });

    // 2. Aborted after being notified (before it ran): the notification passes on.
    await c.acquire();
    const ac2 = new AbortController();
    const first = c.wait({ signal: ac2.signal }); // the oldest ticket
    const child2 = startChild('cond.js', 'condWaitSync', [c, {}, 1]);
    expect(await child2.message()).toBe('waiting');
    await c.acquire();
    expect(waitingOf(c)).toBe(2);
    c.notify(1); // marks `first`
    ac2.abort(); // before `first` could see it: withdraws and forwards to the child
    c.release();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    c.release();
    expect((await child2.done).result).toMatchObject({ notified: true });

    // 3. An already aborted signal rejects at once, with the lock still held.
    await c.acquire();
    const ac3 = new AbortController();
    ac3.abort();
    await expect(c.wait({ signal: ac3.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(c.lock.locked()).toBe(true);
    c.release();
  });
});

describe('Condition crash safety', () => {
  it('a SIGKILLed waiter never swallows a notification meant for a live one, nor hangs notify', async () => {
    const c = track(new Condition());
    const doomed = startChild('cond.js', 'condWaitSync', [c, {}, 1]);
    expect(await doomed.message()).toBe('waiting');
    c.acquireSync(); // the doomed child has registered first (oldest ticket)
    c.release();
    const live = startChild('cond.js', 'condWaitSync', [c, {}, 1]);
    expect(await live.message()).toBe('waiting');
    c.acquireSync();
    c.release();
    doomed.kill('SIGKILL');
    expect((await doomed.done).signal).toBe('SIGKILL');
    c.acquireSync();
    expect(waitingOf(c)).toBe(2);
    c.notify(1); // skips (and reclaims) the dead waiter's slot
    expect(waitingOf(c)).toBe(0);
    c.release();
    expect((await live.done).result).toMatchObject({ notified: true });

    // notifyAll with a dead (async) waiter registered first: it returns, wakes the live
    // waiter, and leaves nobody registered; a notify(5) then has nobody to wake and is not
    // kept for a later waiter.
    const doomed2 = startChild('cond.js', 'condWaitAsync', [c, {}]);
    expect(await doomed2.message()).toBe('waiting');
    c.acquireSync();
    c.release();
    const live2 = startChild('cond.js', 'condWaitSync', [c, { timeout: 20_000 }, 1]);
    expect(await live2.message()).toBe('waiting');
    c.acquireSync();
    c.release();
    doomed2.kill('SIGKILL');
    expect((await doomed2.done).signal).toBe('SIGKILL');
    c.acquireSync();
    expect(waitingOf(c)).toBe(2);
    c.notifyAll();
    expect(waitingOf(c)).toBe(0);
    c.notify(5);
    expect(waitingOf(c)).toBe(0);
    c.release();
    const r2 = await live2.done;
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.result).toMatchObject({ notified: true, held: true });
    const late = startChild('cond.js', 'condWaitSync', [c, { timeout: 200 }, 1]);
    expect(await late.message()).toBe('waiting');
    expect((await late.done).result).toMatchObject({ notified: false, held: true });
  });
});
