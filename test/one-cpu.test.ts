// Processes that share one CPU (taskset -c 0): a sync wait gives the CPU away once before it
// sleeps (native/core/spin.h yield_once), so in a ping-pong the other side runs at once, takes its
// turn and gives it back before the waiter ever sleeps — and a release finds no sleeper to wake.
// Measured: 0-2 of 4,000 releases needed a wake-up (also with two busy loops on that CPU);
// without the yield 2,300-2,500. The bound is an outcome, not a time: fewer than one in eight.
import { describe, it, expect } from 'vitest';
import { Event, Semaphore, backend } from 'procsync';
import { startChild, expectOk } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
const ROUNDS = 2000;

// The Linux backend only: the others do not read the process's affinity (platform.h allowed_cpus).
describe.skipIf(backend !== 'linux')('one CPU: a sync wait yields once before it sleeps', () => {
  it.each([
    ['Semaphore', () => [track(new Semaphore(0)), track(new Semaphore(0))]],
    ['Event', () => [track(new Event()), track(new Event())]],
  ] as const)('%s ping-pong: releases find the other side awake', async (kind, make) => {
    const [a, b] = make();
    const kids = [true, false].map((first) =>
      startChild<{ rounds: number; wakeups: number }>('one-cpu.js', 'pingPong', [kind, a, b, ROUNDS, first], {
        wrap: ['taskset', '-c', '0'],
      }),
    );
    const rs = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    const wakeups = rs.reduce((n, r) => n + r.wakeups, 0);
    expect(rs.map((r) => r.rounds)).toEqual([ROUNDS, ROUNDS]);
    expect(wakeups).toBeLessThan(ROUNDS / 4); // of 2 * ROUNDS releases
  });
});
