// A cancelled async wait never leaves its take behind (native/napi/async_host.h cancel()): the soak run
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

describe.each([
  ['waiter threads', '0'],
  ['the event loop where it can (Linux 6.7+)', '1'],
])('an async acquire that resolves false has taken nothing, on %s', (_, mode) => {
  // Its timeout settles it only once the native wait has confirmed the cancel (lib/primitives/waitqueue.ts
  // giveUp): a take that beat the cancel is the caller's, never a count given back later, after
  // the caller moved on (what the stress run's supervisor once saw as a count too many).
  it('Semaphore: no count is out after a timed-out acquire', async () => {
    const r = await runChild<{ taken: number; timedOut: number; phantom: number; loop: { available: boolean; waits: number } }>(
      'giveup.js',
      'phantomTake',
      [6000],
      { timeoutMs: 60_000, env: { PROCSYNC_LOOP_WAITS: mode } },
    );
    expect(r.phantom).toBe(0);
    expect(r.timedOut).toBeGreaterThan(0);
    expect(r.taken).toBeGreaterThan(0);
    // The path it meant to test: the loop where available (every wait that timed out waited
    // there; one that found its count at once never waited at all), else none of it.
    if (mode === '1' && r.loop.available) expect(r.loop.waits).toBeGreaterThanOrEqual(r.timedOut);
    else expect(r.loop.waits).toBe(0);
  }, 70_000);
});
