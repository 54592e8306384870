// Event: CPython's _TestEvent behaviours, across processes, sync and async.
import { describe, it, expect } from 'vitest';
import { Event } from 'procsync';
import { runChild, startChild } from './helpers/children';
import { native } from './helpers/native';
import { useTracked } from './helpers/track';

const track = useTracked();

describe('Event', () => {
  it('set / clear / isSet / wait (CPython _TestEvent.test_event)', async () => {
    const ev = track(new Event());
    expect(ev.isSet()).toBe(false);
    expect(ev.waitSync({ timeout: 0 })).toBe(false);
    expect(ev.waitSync({ timeout: 20 })).toBe(false);
    expect(await ev.wait({ timeout: 20 })).toBe(false);
    expect(ev.waitSync({ timeout: -3 })).toBe(false);
    ev.set();
    expect(ev.isSet()).toBe(true);
    expect(ev.waitSync()).toBe(true);
    expect(await ev.wait()).toBe(true);
    expect(ev.waitSync({ timeout: 0 })).toBe(true);
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  it('set() in another process wakes sync and async waiters in several processes', async () => {
    const ev = track(new Event());
    const sync = startChild('locks.js', 'eventWait', [ev, { timeout: 20_000 }]);
    const async_ = startChild('locks.js', 'eventWaitAsync', [ev, { timeout: 20_000 }]);
    expect(await sync.message()).toBe('waiting');
    expect(await async_.message()).toBe('waiting');
    const local = [ev.wait(), ev.wait({ timeout: 20_000 })];
    expect(await runChild('locks.js', 'eventSet', [ev])).toBe(true);
    expect(await Promise.all(local)).toEqual([true, true]);
    expect((await sync.done).result).toBe(true);
    expect((await async_.done).result).toBe(true);
  });

  it('a waiter returns true when set() happened while it waited, even if cleared again', async () => {
    const ev = track(new Event());
    const w = ev.wait({ timeout: 20_000 });
    ev.set();
    ev.clear();
    expect(await w).toBe(true);
    const child = startChild('locks.js', 'eventWait', [ev, { timeout: 20_000 }]);
    expect(await child.message()).toBe('waiting');
    // The child may or may not be asleep yet; either way it must see this set.
    await new Promise((r) => setTimeout(r, 50));
    ev.set();
    ev.clear();
    expect((await child.done).result).toBe(true);
  });

  it('an aborted wait rejects; other waiters are unaffected', async () => {
    const ev = track(new Event());
    const ac = new AbortController();
    const a = ev.wait({ signal: ac.signal });
    const b = ev.wait({ timeout: 20_000 });
    ac.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    ev.set();
    expect(await b).toBe(true);
  });

  it('many local async waiters share one native wait', async () => {
    const ev = track(new Event());
    // Waiter threads of earlier tests may linger (idle ones exit after a while): at most one
    // more than before may be needed for these 1,000 waits.
    const before = native.threadCount();
    const ws = Array.from({ length: 1000 }, () => ev.wait({ timeout: 30_000 }));
    await new Promise((r) => setTimeout(r, 100)); // every wait has been started
    const during = native.threadCount();
    expect(during).toBeGreaterThanOrEqual(1); // the wait is native (a thread is parked in it)
    expect(during).toBeLessThanOrEqual(before + 1);
    ev.set();
    const got = await Promise.all(ws);
    expect(got).toHaveLength(1000);
    expect(got.every((x) => x === true)).toBe(true);
  });
});
