// Async waits never use the libuv threadpool and never block the event loop.
import { describe, it, expect } from 'vitest';
import { Lock, Semaphore, Event } from 'procsync';
import { startChild } from './helpers/children';

describe('async waits and the event loop', () => {
  it('with UV_THREADPOOL_SIZE=1 and 50+ pending async waits, fs.promises.readFile still completes', async () => {
    const lock = new Lock();
    const sem = new Semaphore(0);
    const ev = new Event();
    lock.acquireSync(); // held here, so the child's 20 acquires all wait
    const kid = startChild('locks.js', 'pendingWaitsThenFs', [lock, sem, ev], {
      env: { UV_THREADPOOL_SIZE: '1' },
      timeoutMs: 30_000,
    });
    // If the waits sat on the single libuv thread, readFile could never run and this would
    // time out (bounded by message()'s limit).
    expect(await kid.message(20_000)).toEqual({ readFile: true });
    kid.send('finish');
    const r = await kid.done;
    expect(r.code).toBe(0);
    lock.release();
    for (const p of [lock, sem, ev]) p.close();
  });

  it('a pending async wait keeps the process alive until it completes', async () => {
    const r = await startChild('loop.js', 'keepsAlive', []).done;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['waiting', 'acquired']);
  });

  it('an idle process with open primitives exits by itself', async () => {
    const r = await startChild('loop.js', 'idleExits', [], { timeoutMs: 20_000 }).done;
    expect(r.signal).toBe(null);
    expect(r.code).toBe(0);
  });
});
