// Native calls name a segment by a handle number (native/napi/segment_slots.h). A stale number — its
// segment closed, its slot reused by another — must resolve to nothing (ERR_CLOSED), never to
// the other segment; garbage is refused with a TypeError or ERR_CLOSED, never a crash.
import { describe, it, expect } from 'vitest';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Lock, Semaphore } from 'procsync';
import { useTracked } from './helpers/track';

const track = useTracked();

// The addon instance procsync loaded (Node's module cache hands back the same one).
type Internal = {
  wake(h: unknown, off: number, n: number): void;
  semWake(h: unknown, n: number): void;
  semAcquire(h: unknown, t: number): number;
  eventWait(h: unknown, expected: number, t: number): number;
};
// eslint-disable-next-line @typescript-eslint/no-var-requires
const native: Internal = require(path.join(__dirname, '..', 'dist', 'core', 'native.js')).native;
const handleOf = (p: object): number => (p as unknown as { handle: number }).handle;
const offOf = (p: object, k: number): number => (p as unknown as { off(k: number): number }).off(k);

describe('segment handles', () => {
  it('a closed handle is ERR_CLOSED, also after its slot went to another segment', () => {
    const a = track(new Semaphore(1));
    const h = handleOf(a);
    expect(native.semAcquire(h, 0)).toBe(0); // takes a's count
    a.close();
    const b = track(new Semaphore(1)); // reuses the slot with a new generation
    expect(handleOf(b)).not.toBe(h);
    expect(() => native.semAcquire(h, 0)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(() => native.semWake(h, 1)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(() => native.wake(h, offOf(b, 0), 1)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(b.getValue()).toBe(1); // untouched
  });

  it('garbage handles are refused', () => {
    const a = track(new Semaphore(0));
    const off = offOf(a, 0);
    for (const bad of [undefined, null, 'x', {}, a, () => 0]) {
      expect(() => native.wake(bad, off, 1), String(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    for (const bad of [-1, 0.5, NaN, Infinity, 2 ** 60, handleOf(a) + 1, handleOf(a) + 2 ** 24]) {
      expect(() => native.wake(bad, off, 1), String(bad)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    }
    expect(a.getValue()).toBe(0);
  });

  it('the Semaphore and Event calls, which find their words from the segment, refuse a segment of another kind', () => {
    const lock = track(new Lock());
    expect(() => native.semAcquire(handleOf(lock), 0)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
    expect(() => native.semWake(handleOf(lock), 1)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
    expect(() => native.eventWait(handleOf(lock), 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
    const sem = track(new Semaphore(1));
    expect(() => native.eventWait(handleOf(sem), 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
    expect(sem.getValue()).toBe(1);
    expect(lock.locked()).toBe(false); // untouched
    const a = track(new Semaphore(0));
    expect(() => native.semWake(handleOf(a), -1)).toThrow(RangeError);
    native.semWake(handleOf(a), 1); // no sleeper: nothing to wake
    expect(a.getValue()).toBe(0);
  });
});

describe('the numbers the fast paths index with', () => {
  // A user id or state offset that arrives as a double (e.g. read from a Float64Array) makes
  // every Atomics index and value derived from it a double, and V8's Atomics calls take their
  // slow conversion path: the Lock pair nearly doubled once. Checked with V8's own %IsSmi.
  it('are small integers (Smis), not doubles', () => {
    const code = `
      const { Lock, RLock, Semaphore, RWLock } = require(${JSON.stringify(path.join(__dirname, '..'))});
      const out = [];
      for (const p of [new Lock(), new RLock(), new Semaphore(1), new RWLock()]) {
        out.push([p.kind, %IsSmi(p.me), %IsSmi(p.base), %IsSmi(p.info.stateOffset), p.ownerAt === undefined || %IsSmi(p.ownerAt)]);
        p.close();
      }
      console.log(JSON.stringify(out));`;
    const r = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    for (const [kind, ...smis] of JSON.parse(r) as [string, ...boolean[]][]) expect(smis, kind).toEqual([true, true, true, true]);
  });
});
