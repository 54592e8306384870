// Async acquires the event loop waits for itself (native/loop_waits.h; Linux with io_uring futex
// waits) and the waiter-thread path they fall back to (PROCSYNC_LOOP_WAITS=0, other platforms):
// the same outcomes across processes, cancellation, close, many at once, worker termination.
import { describe, it, expect } from 'vitest';
import * as path from 'path';
import { Semaphore } from 'procsync';
import { runChild, startChild, expectOk } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { native } = require(path.join(__dirname, '..', 'dist', 'native.js'));
const here: boolean = native.loopWaits();

describe.each([
  ['loop waits where available', {}],
  ['waiter threads (PROCSYNC_LOOP_WAITS=0)', { PROCSYNC_LOOP_WAITS: '0' }],
])('async Semaphore acquire: %s', (_, env: NodeJS.ProcessEnv) => {
  const threadsOnly = env.PROCSYNC_LOOP_WAITS === '0';

  it('an async ping-pong between two processes hands over every round', async () => {
    const a = track(new Semaphore(0));
    const b = track(new Semaphore(0));
    const kids = [true, false].map((first) => startChild<{ loopWaits: boolean; threads: number }>('loop-waits.js', 'pingPong', [a, b, 2000, first], { env }));
    const rs = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    for (const r of rs) {
      expect(r.loopWaits).toBe(threadsOnly ? false : here);
      // Loop waits need no waiter thread; the thread path made at least one.
      if (r.loopWaits) expect(r.threads).toBe(0);
      else expect(r.threads).toBeGreaterThan(0);
    }
    expect(a.getValue()).toBe(0);
    expect(b.getValue()).toBe(0);
  });

  it('abort and close while waiting take nothing and leave no sleeper behind', async () => {
    const r = await runChild<Record<string, unknown>>('loop-waits.js', 'cancelWhileWaiting', [], { env });
    expect(r).toMatchObject({ armed: 1, abortCode: 'AbortError', afterAbort: 0, value: 1, closeCode: 'ERR_CLOSED', got: true });
  });

  it('1,000 waits pending at once all complete when released', async () => {
    const r = await runChild<{ ok: boolean; armed: number; left: number; threads: number }>('loop-waits.js', 'many', [1000], { env, timeoutMs: 60_000 });
    expect(r).toMatchObject({ ok: true, armed: 1000, left: 0 });
  });

  it('a worker terminated while waiting withdraws its sleeper', async () => {
    const r = await runChild<Record<string, unknown>>('loop-waits.js', 'terminateWaitingWorker', [], { env });
    expect(r).toMatchObject({ first: 'waiting', armed: 1, after: 0, value: 1 });
  });
});
