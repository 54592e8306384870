// Async acquires the event loop waits for itself (native/napi/loop_waits.h; Linux with io_uring futex
// waits) and the waiter-thread path they fall back to (PROCSYNC_LOOP_WAITS=0, other platforms):
// the same outcomes across processes, cancellation, close, many at once, worker termination.
import { describe, it, expect } from 'vitest';
import * as os from 'os';
import * as path from 'path';
import { Semaphore } from 'procsync';
import { runChild, startChild, expectOk } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { native } = require(path.join(__dirname, '..', 'dist', 'core', 'native.js'));
const here: boolean = native.loopWaits().available;
type Loop = { available: boolean; waits: number };

describe.each([
  ['the event loop (PROCSYNC_LOOP_WAITS=1: every eligible wait)', { PROCSYNC_LOOP_WAITS: '1' }],
  ['waiter threads (PROCSYNC_LOOP_WAITS=0)', { PROCSYNC_LOOP_WAITS: '0' }],
])('async Semaphore acquire on %s', (_, env: NodeJS.ProcessEnv) => {
  const loopOn = env.PROCSYNC_LOOP_WAITS === '1' && here;
  // The path the waits took: all on the loop where it is on, none where it is off.
  const expectPath = (loop: Loop, waits: number) => {
    expect(loop.available).toBe(loopOn);
    if (loopOn) expect(loop.waits).toBeGreaterThanOrEqual(waits);
    else expect(loop.waits).toBe(0);
  };

  it('an async ping-pong between two processes hands over every round', async () => {
    const a = track(new Semaphore(0));
    const b = track(new Semaphore(0));
    const kids = [true, false].map((first) => startChild<{ loop: Loop; threads: number }>('loop-waits.js', 'pingPong', [a, b, 2000, first], { env }));
    const rs = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    for (const r of rs) {
      // Every round's acquire waited (or found the count at once: at least a few waited).
      expectPath(r.loop, 1);
      // The loop needs no waiter thread; the thread path made at least one.
      expect(r.threads > 0).toBe(!loopOn);
    }
    expect(a.getValue()).toBe(0);
    expect(b.getValue()).toBe(0);
  });

  it('abort and close while waiting take nothing and leave no sleeper behind', async () => {
    const r = await runChild<Record<string, unknown> & { loop: Loop }>('loop-waits.js', 'cancelWhileWaiting', [], { env });
    expect(r).toMatchObject({ armed: 1, abortCode: 'AbortError', afterAbort: 0, value: 1, closeCode: 'ERR_CLOSED', got: true });
    expectPath(r.loop, 3);
  });

  it('1,000 waits pending at once all complete when released', async () => {
    const r = await runChild<{ ok: boolean; armed: number; left: number; loop: Loop }>('loop-waits.js', 'many', [1000], { env, timeoutMs: 60_000 });
    expect(r).toMatchObject({ ok: true, armed: 1000, left: 0 });
    expectPath(r.loop, 1000);
  });

  // The io_uring completion queue's overflow: loop waits only. (On waiter threads each object's
  // wait in flight has a thread of its own: 20,000 threads.)
  it.skipIf(!loopOn)('20,000 waits on one Semaphore released at once, more completions than the queue holds, all complete', async () => {
    const n = 20_000;
    const r = await runChild<{ ok: boolean; armed: number; left: number; loop: Loop }>('loop-waits.js', 'manyOnOne', [n], { env, timeoutMs: 120_000 });
    expect(r).toMatchObject({ ok: true, armed: n, left: 0 });
    expectPath(r.loop, n);
  });

  it('a worker terminated while waiting withdraws its sleeper', async () => {
    const r = await runChild<Record<string, unknown>>('loop-waits.js', 'terminateWaitingWorker', [], { env });
    expect(r).toMatchObject({ first: 'waiting', armed: 1, after: 0, value: 1 });
  });
});

// Unset, the loop — except for a process pinned to one CPU whose releaser runs on another CPU:
// there a waiter thread's spin catches the hand-off (native/napi/run.cc, wait_on_loop).
describe('async Semaphore acquire, the default choice', () => {
  it.skipIf(!here)('processes that may run on one CPU only wait on the event loop', async () => {
    const a = track(new Semaphore(0));
    const b = track(new Semaphore(0));
    const kids = [true, false].map((first) =>
      startChild<{ loop: Loop; threads: number }>('loop-waits.js', 'pingPong', [a, b, 2000, first], { wrap: ['taskset', '-c', '0'] }),
    );
    const rs = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    for (const r of rs) expect(r.loop.waits).toBeGreaterThan(0);
    expect(a.getValue()).toBe(0);
  });

  it.skipIf(!here || os.availableParallelism() < 2)('processes pinned to one CPU each, the releaser on the other, use waiter threads', async () => {
    // The first wait knows nothing of its releaser yet (the loop); the release that wakes it
    // notes its CPU in the semaphore (native/core/spin.h), and the waits after it see another CPU.
    const a = track(new Semaphore(0));
    const b = track(new Semaphore(0));
    const rounds = 500;
    const kids = [true, false].map((first, cpu) =>
      startChild<{ loop: Loop; threads: number }>('loop-waits.js', 'pingPong', [a, b, rounds, first], { wrap: ['taskset', '-c', String(cpu)] }),
    );
    const rs = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    for (const r of rs) expect(r.loop.waits).toBeLessThan(rounds / 10);
    expect(a.getValue()).toBe(0);
    expect(b.getValue()).toBe(0);
  });

  it.skipIf(!here || os.availableParallelism() < 2)('unpinned processes wait on the event loop', async () => {
    const a = track(new Semaphore(0));
    const b = track(new Semaphore(0));
    const kids = [true, false].map((first) => startChild<{ loop: Loop; threads: number }>('loop-waits.js', 'pingPong', [a, b, 500, first]));
    const rs = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    for (const r of rs) expect(r.loop.waits).toBeGreaterThan(0);
    expect(a.getValue()).toBe(0);
    expect(b.getValue()).toBe(0);
  });
});
