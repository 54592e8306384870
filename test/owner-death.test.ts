// Owner death within the promised 1 s (API.md): for every kind that recovers from a dead owner
// or party, the time from the owner's observed exit (the child's 'exit' event here) to the
// waiter's recovery (its call returning, stamped by the waiter) is below OWNER_DEATH_MS.
// The outcomes themselves are tested in lock/condition/barrier.test.ts; this file is only about
// the bound, so it is skipped under an emulator (PROCSYNC_EMULATED=1, see helpers/timing.ts).
import { describe, it, expect } from 'vitest';
import { Barrier, Condition, Lock, RLock } from 'procsync';
import { startChild, until } from './helpers/children';
import { OWNER_DEATH_MS, emulated } from './helpers/timing';
import { useTracked } from './helpers/track';

const track = useTracked();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(emulated)(`owner death is detected within ${OWNER_DEATH_MS} ms of the owner's exit`, () => {
  it.each([
    ['Lock', 'acquireSync'], ['Lock', 'acquire'],
    ['RLock', 'acquireSync'], ['RLock', 'acquire'],
  ] as const)('%s: a waiter in %s takes over from a SIGKILLed holder', async (kind, call) => {
    const lock = track(kind === 'Lock' ? new Lock() : new RLock());
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    const waiter = startChild<{ ok: boolean; at: number }>('locks.js', 'acquireStamp', [lock, call === 'acquire']);
    expect(await waiter.message()).toBe('waiting');
    await sleep(200); // into its wait (if not, it is "the next acquirer": the same promise)
    holder.kill('SIGKILL');
    const h = await holder.done;
    expect(h.signal).toBe('SIGKILL');
    const w = await waiter.done;
    expect(w.code, w.stderr).toBe(0);
    expect(w.result!.ok).toBe(true);
    expect(w.result!.at - h.exitAt).toBeLessThan(OWNER_DEATH_MS);
  });

  it('Condition: a SIGKILLed waiter does not absorb the notify meant for a live one', async () => {
    const c = track(new Condition());
    const doomed = startChild('cond.js', 'condWaitSync', [c, {}, 1]);
    expect(await doomed.message()).toBe('waiting');
    c.acquireSync(); // once we hold the lock, the doomed child has registered (oldest ticket)
    c.release();
    const live = startChild<{ notified: boolean; at: number }>('cond.js', 'condWaitSync', [c, { timeout: 20_000 }, 1]);
    expect(await live.message()).toBe('waiting');
    c.acquireSync();
    c.release();
    doomed.kill('SIGKILL');
    const d = await doomed.done;
    expect(d.signal).toBe('SIGKILL');
    c.acquireSync();
    c.notify(1);
    c.release();
    const l = await live.done;
    expect(l.code, l.stderr).toBe(0);
    expect(l.result!.notified).toBe(true);
    expect(l.result!.at - d.exitAt).toBeLessThan(OWNER_DEATH_MS);
  });

  it('Barrier: a party SIGKILLed while waiting breaks it for the others', async () => {
    const b = track(new Barrier(3));
    const kids = [0, 1].map(() => startChild<{ code?: string; at: number }>('cond.js', 'barrierWaitOnce', [b, null]));
    for (const k of kids) expect(await k.message()).toBe('arriving');
    await until(() => b.nWaiting === 2, 10_000, 'two waiting');
    kids[1].kill('SIGKILL');
    const d = await kids[1].done;
    expect(d.signal).toBe('SIGKILL');
    const r = await kids[0].done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.result!.code).toBe('ERR_BROKEN_BARRIER');
    expect(r.result!.at - d.exitAt).toBeLessThan(OWNER_DEATH_MS);
  });
});
