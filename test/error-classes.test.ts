// Every error of procsync's own is a ProcsyncError (Empty, Full and BrokenBarrierError are
// subclasses); argument errors are TypeError/RangeError with a code (issue 16 point 11).
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'fs';
import * as path from 'path';
import * as procsync from 'procsync';
import {
  ProcsyncError, BrokenBarrierError, Empty, Full, Lock, RLock, Semaphore, BoundedSemaphore, Event,
  Condition, Barrier, Value, Queue, SimpleQueue, Process,
} from 'procsync';
import { uniqueName } from './helpers/children';
import { segmentPath } from './helpers/segment-path';

/** What `fn` threw (or its promise rejected with). */
async function caught(fn: () => unknown): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('did not throw');
}

async function expectOurs(code: string, fn: () => unknown, cls: Function = ProcsyncError): Promise<void> {
  const e = await caught(fn);
  expect(e.code, `${code}: ${e.stack}`).toBe(code);
  expect(e, code).toBeInstanceOf(ProcsyncError);
  expect(e, code).toBeInstanceOf(cls);
  expect(e.name, code).toBe(cls.name);
  expect(String(e.stack), code).toContain(e.message);
}

describe('error classes', () => {
  it('opening by name: ERR_NOT_FOUND, ERR_KIND_MISMATCH, ERR_PARAMS_MISMATCH, ERR_INVALID_NAME', async () => {
    const name = uniqueName('err');
    await expectOurs('ERR_NOT_FOUND', () => Lock.open(name));
    await expectOurs('ERR_NOT_FOUND', () => procsync.open(name));
    await expectOurs('ERR_NOT_FOUND', () => Value.open(name));
    const lock = new Lock({ name });
    try {
      await expectOurs('ERR_KIND_MISMATCH', () => Semaphore.open(name));
      await expectOurs('ERR_KIND_MISMATCH', () => Queue.open(name));
      await expectOurs('ERR_KIND_MISMATCH', () => new Semaphore(1, { name }));
    } finally {
      lock.close();
    }
    const sem = new Semaphore(1, { name });
    try {
      await expectOurs('ERR_PARAMS_MISMATCH', () => new Semaphore(2, { name }));
    } finally {
      sem.close();
    }
    await expectOurs('ERR_INVALID_NAME', () => new Lock({ name: 'a/b' }));
  });

  it('ERR_CORRUPT: a segment whose header is not ours', async () => {
    const name = uniqueName('corrupt');
    writeFileSync(segmentPath(name), Buffer.alloc(4096, 0x5a), { mode: 0o600 });
    try {
      await expectOurs('ERR_CORRUPT', () => Lock.open(name));
      await expectOurs('ERR_CORRUPT', () => procsync.open(name));
    } finally {
      procsync.unlink(name);
    }
  });

  it('misuse: ERR_RELEASED_TOO_MANY_TIMES, ERR_NOT_OWNER, ERR_LOCK_NOT_HELD, ERR_CLOSED, ERR_TIMEOUT', async () => {
    const lock = new Lock();
    const rlock = new RLock();
    const bsem = new BoundedSemaphore(1);
    const cond = new Condition();
    try {
      await expectOurs('ERR_RELEASED_TOO_MANY_TIMES', () => lock.release());
      await expectOurs('ERR_RELEASED_TOO_MANY_TIMES', () => bsem.release());
      await expectOurs('ERR_NOT_OWNER', () => rlock.release());
      await expectOurs('ERR_LOCK_NOT_HELD', () => cond.notify());
      await expectOurs('ERR_LOCK_NOT_HELD', () => cond.wait({ timeout: 0 }));
      lock.acquireSync();
      await expectOurs('ERR_TIMEOUT', () => lock.withLock(() => 1, { timeout: 0 }));
      lock.release();
    } finally {
      for (const p of [lock, rlock, bsem, cond]) p.close();
    }
    const ev = new Event();
    ev.close();
    await expectOurs('ERR_CLOSED', () => ev.set());
    await expectOurs('ERR_CLOSED', () => ev.wait());
    const q = new Queue();
    q.close();
    await expectOurs('ERR_CLOSED', () => q.putSync(1));
  });

  it('Empty, Full, ERR_MESSAGE_TOO_LARGE and BrokenBarrierError are ProcsyncErrors', async () => {
    const q = new Queue({ maxsize: 1, capacity: 1024 });
    const sq = new SimpleQueue({ capacity: 1024 });
    const b = new Barrier(2);
    try {
      await expectOurs('ERR_QUEUE_EMPTY', () => q.getNowait(), Empty);
      await expectOurs('ERR_QUEUE_EMPTY', () => q.get({ timeout: 0 }), Empty);
      q.putSync(1);
      await expectOurs('ERR_QUEUE_FULL', () => q.putNowait(2), Full);
      await expectOurs('ERR_MESSAGE_TOO_LARGE', () => sq.putSync('x'.repeat(4096)));
      await expectOurs('ERR_BROKEN_BARRIER', () => b.waitSync({ timeout: 0 }), BrokenBarrierError);
      await expectOurs('ERR_BROKEN_BARRIER', () => b.wait(), BrokenBarrierError);
    } finally {
      for (const p of [q, sq, b]) p.close();
    }
    expect(new Empty()).toBeInstanceOf(ProcsyncError);
    expect(new Full().code).toBe('ERR_QUEUE_FULL');
    expect(new BrokenBarrierError().name).toBe('BrokenBarrierError');
  });

  it('Process: ERR_INVALID_STATE and ERR_TARGET_NOT_FOUND', async () => {
    const p = new Process({ target: path.join(__dirname, 'fixtures', 'no-such-module.js') });
    await expectOurs('ERR_INVALID_STATE', () => p.joinSync());
    p.start();
    await expectOurs('ERR_INVALID_STATE', () => p.start());
    await expectOurs('ERR_TARGET_NOT_FOUND', () => p.join({ timeout: 20_000 }));
  });

  it('argument errors stay TypeError / RangeError with a code, and are not ProcsyncErrors', async () => {
    const cases: [string, Function, () => unknown][] = [
      ['ERR_INVALID_ARG_TYPE', TypeError, () => new Semaphore('1' as never)],
      ['ERR_INVALID_ARG_VALUE', TypeError, () => new Value('z' as never)],
      ['ERR_OUT_OF_RANGE', RangeError, () => new Semaphore(-1)],
      ['ERR_OUT_OF_RANGE', RangeError, () => new Barrier(0)],
    ];
    for (const [code, cls, fn] of cases) {
      const e = await caught(fn);
      expect(e.code).toBe(code);
      expect(e).toBeInstanceOf(cls);
      expect(e).not.toBeInstanceOf(ProcsyncError);
    }
  });
});
