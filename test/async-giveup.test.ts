// A cancelled async wait never leaves its take behind (native/waiter.h cancel()): the soak run
// found a thread waiting forever for a lock held by itself.
import { describe, it, expect } from 'vitest';
import { runChild } from './helpers/children';

describe('an async acquire that gives up as its native wait succeeds', () => {
  for (const kind of ['Lock', 'RLock', 'Semaphore']) {
    it(`${kind}: the same thread's next sync acquire never finds it held by itself`, async () => {
      const r = await runChild<{ rounds: number; won: number; selfHeld: number }>('giveup.js', 'raceGiveUp', [kind, 150], {
        timeoutMs: 90_000,
      });
      expect(r.selfHeld).toBe(0);
      expect(r.rounds).toBe(150);
    }, 100_000);
  }
});
