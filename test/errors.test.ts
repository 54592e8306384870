// Bad input gets a clear error with the code of API.md; async forms reject instead of throwing.
import { describe, it, expect } from 'vitest';
import { Lock, RLock, Semaphore, BoundedSemaphore, Event, Value, SharedArray, open, deserialize } from 'procsync';

const code = (c: string) => expect.objectContaining({ code: c });

describe('bad input', () => {
  it('names must match /^[A-Za-z0-9._-]{1,200}$/', () => {
    for (const bad of ['', 'a/b', 'sp ace', 'x'.repeat(201), 'é', '../x', 'a~b']) {
      expect(() => new Lock({ name: bad }), bad).toThrow(code('ERR_INVALID_NAME'));
      expect(() => Lock.open(bad), bad).toThrow(code('ERR_INVALID_NAME'));
      expect(() => open(bad), bad).toThrow(code('ERR_INVALID_NAME'));
    }
    expect(() => new Lock({ name: 5 as never })).toThrow(code('ERR_INVALID_NAME'));
    const ok = new Lock({ name: 'x'.repeat(190) + '-._AZaz09' });
    ok.close();
  });

  it('wrong option types are ERR_INVALID_ARG_TYPE; NaN timeouts ERR_OUT_OF_RANGE', async () => {
    const l = new Lock();
    expect(() => l.acquireSync({ timeout: '5' as never })).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => l.acquireSync({ block: 1 as never })).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => l.acquireSync(5 as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => l.acquireSync({ timeout: NaN })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new Lock(7 as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => new Lock({ mode: 0o1777 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new Lock({ persistent: 'yes' as never })).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => l.withLockSync(5 as never)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    // Async forms never throw synchronously: every error is a rejection.
    const p = l.acquire({ timeout: 'x' as never });
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(l.acquire({ signal: {} as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    const e = new Event();
    await expect(e.wait({ timeout: NaN })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    const s = new Semaphore(0);
    await expect(s.acquire({ block: 'no' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    for (const x of [l, e, s]) x.close();
  });

  it('every method after close() is ERR_CLOSED (rejections for the async forms)', async () => {
    const things = [new Lock(), new RLock(), new Semaphore(1), new BoundedSemaphore(1), new Event(),
      new Value('i', 1), new SharedArray('i', 2)];
    for (const t of things) t.close();
    const [l, r, s, b, e, v, a] = things as [Lock, RLock, Semaphore, BoundedSemaphore, Event, Value, SharedArray];
    for (const fn of [() => l.acquireSync(), () => l.release(), () => r.isOwned(), () => r.count,
      () => s.getValue(), () => b.release(), () => e.set(), () => e.isSet(), () => e.waitSync(),
      () => v.value, () => { v.value = 2; }, () => v.getLock(), () => a.get(0), () => a.set(0, 1)]) {
      expect(fn).toThrow(code('ERR_CLOSED'));
    }
    await expect(l.acquire()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(s.acquire()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(e.wait()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(l.withLock(() => 1)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('deserialize refuses markers of unknown kinds', () => {
    expect(() => deserialize({ $procsync: 'Nope', name: 'x' })).toThrow(code('ERR_INVALID_ARG_VALUE'));
    expect(deserialize({ $procsync: 'Lock', name: 'x', extra: 1 })).toEqual({ $procsync: 'Lock', name: 'x', extra: 1 });
  });

  it('withLock rejects with ERR_TIMEOUT when the lock is not acquired in time', async () => {
    const l = new Lock();
    l.acquireSync();
    let ran = false;
    await expect(l.withLock(() => (ran = true), { timeout: 10 })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(() => l.withLockSync(() => (ran = true), { block: false })).toThrow(code('ERR_TIMEOUT'));
    expect(ran).toBe(false);
    l.release();
    l.close();
  });
});
