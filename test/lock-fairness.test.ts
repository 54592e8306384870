// Contended Lock/RLock: no convoy, but bounded unfairness (issue 15). A release frees the word
// for any running process (no hand-off to a sleeper that is not running), except to an heir: a
// waiter that lost the race kLossesBeforeHeir times in a row gets the lock handed over by the
// next release that sees the sleepers bit (native/primitives/lock.h). Outcomes only, no timings: a sleeper
// among processes that re-take the lock back to back still gets it, every time, within a bound
// far above any real wait.
import { describe, it, expect } from 'vitest';
import { Event, Lock, RLock } from 'procsync';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { layout } = require('../dist/core/layout.js') as typeof import('../lib/core/layout');
import { startChild } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();

// Words of the lock state as the tests poke them (white-box: the heir word is native/primitives/lock.h's
// kLockHeirWord, right after the RLock count).
const HEIR_WORD = layout.lock.countWord + 1;
function words(lock: Lock | RLock): { i32: Int32Array; owner: number; heir: number } {
  const l = lock as unknown as { i32: Int32Array; ownerAt: number };
  return { i32: l.i32, owner: l.ownerAt, heir: l.ownerAt + (HEIR_WORD - layout.lock.ownerWord) };
}

describe.each([
  ['Lock', () => new Lock()],
  ['RLock', () => new RLock()],
] as const)('%s under contention', (_kind, make) => {
  it('a waiter among three processes that re-take it back to back gets it every time', async () => {
    const lock = track(make());
    const stop = track(new Event());
    const hammers = [0, 1, 2].map(() => startChild<number>('locks.js', 'hammer', [lock, stop], { timeoutMs: 90_000 }));
    try {
      for (const h of hammers) expect(await h.message(30_000)).toBe('running');
      // 40 acquisitions, each allowed 20 s: a starved waiter would time out (false) instead.
      const victim = startChild<number>('locks.js', 'takeTimes', [lock, 40, 20_000], { timeoutMs: 90_000 });
      const r = await victim.done;
      expect(r.code).toBe(0);
      expect(r.result).toBe(40);
    } finally {
      stop.set();
    }
    for (const h of hammers) {
      const r = await h.done;
      expect(r.code).toBe(0);
      expect(r.result).toBeGreaterThan(0);
    }
    expect(lock.locked()).toBe(false);
  }, 120_000);
});

describe('heir word', () => {
  it('a dead or garbage heir is forgotten by the release, which frees the lock', () => {
    const lock = track(new Lock());
    const { i32, owner, heir } = words(lock);
    lock.acquireSync();
    // As if a sleeper had set the waiters bit and an heir that no longer exists had registered.
    Atomics.or(i32, owner, layout.lock.waiters);
    Atomics.store(i32, heir, 0x3fff_fff0);
    lock.release();
    expect(Atomics.load(i32, heir)).toBe(0);
    expect(lock.locked()).toBe(false);
    expect(lock.acquireSync({ timeout: 1000 })).toBe(true);
    lock.release();
  });

  it('an abandoned or half-claimed hand-over left in the heir word is forgotten by the release', () => {
    const lock = track(new Lock());
    const { i32, owner, heir } = words(lock);
    // bit 31: claimed by a releaser; bit 30: abandoned by its heir (native/primitives/lock.h).
    for (const left of [0x4000_0005, 0x8000_0005 | 0, 0xc000_0005 | 0]) {
      lock.acquireSync();
      Atomics.or(i32, owner, layout.lock.waiters);
      Atomics.store(i32, heir, left);
      lock.release();
      expect(Atomics.load(i32, heir)).toBe(0);
      expect(lock.locked()).toBe(false);
    }
  });

  it('a release by another thread than the owner still frees it (slow path), and a second throws', () => {
    const lock = track(new Lock());
    const { i32, owner } = words(lock);
    // An owner id that is not ours: the one-CAS fast path does not apply.
    Atomics.store(i32, owner, 0x3fff_fff1);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(() => lock.release()).toThrow(expect.objectContaining({ code: 'ERR_RELEASED_TOO_MANY_TIMES' }));
  });
});
