// Value, RawValue, SharedArray, RawArray across processes.
import { describe, it, expect } from 'vitest';
import { Value, RawValue, SharedArray, RawArray, Lock, RLock, Condition } from 'procsync';
import { runChild, runChildren, uniqueName } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();

describe('Value', () => {
  it("a Value('i') incremented 10,000 times by each of 4 children under a Lock ends exact", async () => {
    const v = track(new Value('i', 0));
    const lock = track(new Lock());
    await runChildren(4, 'locks.js', 'increment', () => [v, lock, 10_000], { timeoutMs: 120_000 });
    expect(v.value).toBe(40_000);
  });

  it('the same with value.getLock() (an RLock by default)', async () => {
    const v = track(new Value('i', 0));
    expect(v.getLock()?.kind).toBe('RLock');
    await runChildren(4, 'locks.js', 'increment', () => [v, null, 10_000], { timeoutMs: 120_000 });
    expect(v.value).toBe(40_000);
  });

  it('async increments under a Lock from 2 children end exact', async () => {
    const v = track(new Value('i', 0));
    const lock = track(new Lock());
    await runChildren(2, 'locks.js', 'incrementAsync', () => [v, lock, 2_000], { timeoutMs: 120_000 });
    expect(v.value).toBe(4_000);
  });

  it("Value('d'), Value('q') (bigint) and Value('bool') round-trip across processes", async () => {
    const d = track(new Value('d', 1.25));
    const q = track(new Value('q', 2n ** 60n));
    const b = track(new Value('bool', false));
    expect(await runChild('locks.js', 'readValue', [d])).toBe(1.25);
    expect(await runChild('locks.js', 'readValue', [q])).toBe(`${2n ** 60n}n`);
    expect(await runChild('locks.js', 'readValue', [b])).toBe(false);
    await runChild('locks.js', 'writeValue', [d, -3.5]);
    await runChild('locks.js', 'writeValue', [q, '-9007199254740993n']);
    await runChild('locks.js', 'writeValue', [b, true]);
    expect(d.value).toBe(-3.5);
    expect(q.value).toBe(-9007199254740993n);
    expect(b.value).toBe(true);
  });

  it('accepts Python typecodes and names; rejects unknown types and out-of-range values', () => {
    expect(track(new Value('H', 65535)).value).toBe(65535);
    expect(track(new Value('uint8', 7)).value).toBe(7);
    expect(track(new Value('f', 0.5)).value).toBe(0.5);
    expect(() => new Value('z' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new Value('toString' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new Value(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Value('b', 200)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Value('i', 1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    const v = track(new Value('i', 1));
    expect(() => (v.value = 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(v.value).toBe(1);
  });

  it('lock: false has no lock; a given Lock is used and reopened by name', async () => {
    const raw = track(new Value('i', 0, { lock: false }));
    expect(raw.getLock()).toBe(null);
    const lock = track(new Lock());
    const v = track(new Value('i', 0, { lock }));
    expect(v.getLock()).toBe(lock);
    const again = track(Value.open(v.name));
    expect(again.getLock()?.name).toBe(lock.name);
    const r = track(new RLock());
    expect(track(new Value('i', 0, { lock: r })).getLock()).toBe(r);
  });

  it('named values are created once and opened by others; other parameters are ERR_PARAMS_MISMATCH', () => {
    const name = uniqueName('value');
    const a = track(new Value('i', 5, { name }));
    const b = track(new Value('i', 99, { name }));
    expect(b.value).toBe(5);
    expect(b.getLock()?.name).toBe(a.getLock()?.name);
    expect(() => new Value('d', 0, { name })).toThrow(expect.objectContaining({ code: 'ERR_PARAMS_MISMATCH' }));
  });

  it('a named Value, SharedArray or Condition opened with another lock than the one it names is ERR_PARAMS_MISMATCH', () => {
    // Else the opener would lock a lock of its own while the others lock the named one.
    const lock = track(new Lock());
    const other = track(new Lock());
    const mismatch = expect.objectContaining({ code: 'ERR_PARAMS_MISMATCH' });
    const v = uniqueName('linked-v');
    track(new Value('i', 0, { name: v, lock }));
    expect(() => new Value('i', 0, { name: v, lock: other })).toThrow(mismatch);
    expect(track(new Value('i', 0, { name: v, lock })).getLock()).toBe(lock);
    expect(track(new Value('i', 0, { name: v })).getLock()?.name).toBe(lock.name);
    const a = uniqueName('linked-a');
    track(new SharedArray('i', 2, { name: a, lock }));
    expect(() => new SharedArray('i', 2, { name: a, lock: other })).toThrow(mismatch);
    expect(track(new SharedArray('i', 2, { name: a, lock })).getLock()).toBe(lock);
    const c = uniqueName('linked-c');
    track(new Condition(lock, { name: c }));
    expect(() => new Condition(other, { name: c })).toThrow(mismatch);
    expect(track(new Condition(lock, { name: c })).lock).toBe(lock);
    expect(track(new Condition(undefined, { name: c })).lock.name).toBe(lock.name);
  });

  it('RawValue has no lock', async () => {
    const v = track(new RawValue('I', 4_000_000_000));
    expect(v.kind).toBe('RawValue');
    expect(await runChild('locks.js', 'readValue', [v])).toBe(4_000_000_000);
  });
});

describe('SharedArray', () => {
  it("a SharedArray('d', 1000) written through .view in a child is seen by the parent", async () => {
    const a = track(new SharedArray('d', 1000));
    const view = a.view;
    expect(view).toBeInstanceOf(Float64Array);
    expect(await runChild('locks.js', 'fillView', [a])).toBe(1000);
    // The parent reads the same memory through the same view object: no copy happened.
    expect(view[999]).toBe(999 * 1.5);
    expect(a.get(10)).toBe(15);
    expect(a.toArray().slice(0, 3)).toEqual([0, 1.5, 3]);
  });

  it('Atomics on the view are atomic across processes', async () => {
    const a = track(new RawArray('i', 1));
    await runChildren(2, 'locks.js', 'atomicAdd', () => [a, 50_000], { timeoutMs: 120_000 });
    expect(Atomics.load(a.view as Int32Array, 0)).toBe(100_000);
  });

  it('is created from values, checks indices and types', () => {
    const a = track(new SharedArray('q', [1n, 2, 3n]));
    expect(a.length).toBe(3);
    expect(a.toArray()).toEqual([1n, 2n, 3n]);
    a.set(1, 20n);
    expect(a.get(1)).toBe(20n);
    expect(() => a.get(3)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => a.get(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => a.set(0.5, 1n)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => a.get('0' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new SharedArray('x' as never, 3)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new SharedArray('i', -1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new SharedArray('i', 'abc' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const b = track(new SharedArray('bool', [true, false]));
    expect(b.toArray()).toEqual([true, false]);
    expect(b.getLock()?.kind).toBe('RLock');
    expect(track(new RawArray('B', 0)).length).toBe(0);
  });

  it('close() empties the view and every method throws ERR_CLOSED', () => {
    const a = new SharedArray('i', 4);
    const view = a.view;
    a.close();
    expect(view.length).toBe(0);
    expect(() => a.get(0)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(() => a.toArray()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});
