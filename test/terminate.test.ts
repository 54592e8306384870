// worker.terminate() ends every blocking call of a worker thread (issue 9, point 1).
//
// One case per blocking call, sync and async. Each case runs in its own child process
// (test/fixtures/terminate.js): its main thread creates the primitive and keeps it in the
// blocking state, a worker thread opens it by name, posts 'about to block' and blocks; once it
// is really blocked, `await worker.terminate()` must settle within 3 s (a stuck worker is then
// rescued by unblocking its wait, and the case fails). Afterwards the primitive still works for
// the main thread, the worker took nothing, and the segment goes with the last handle. A native
// crash of the process while the worker is terminated fails only its case.
import { describe, it, expect } from 'vitest';
import { sweep } from 'procsync';
import { startChild } from './helpers/children';

const cases: [kind: string, call: string][] = [
  ['Lock', 'acquireSync'], ['Lock', 'acquire'],
  ['RLock', 'acquireSync'], ['RLock', 'acquire'],
  ['Semaphore', 'acquireSync'], ['Semaphore', 'acquire'],
  ['BoundedSemaphore', 'acquireSync'], ['BoundedSemaphore', 'acquire'],
  ['Event', 'waitSync'], ['Event', 'wait'],
  ['Condition', 'waitSync'], ['Condition', 'wait'], ['Condition', 'waitForSync'], ['Condition', 'waitFor'],
  ['Barrier', 'waitSync'], ['Barrier', 'wait'],
  ['Queue (empty)', 'getSync'], ['Queue (empty)', 'get'],
  ['Queue (full)', 'putSync'], ['Queue (full)', 'put'],
  ['JoinableQueue', 'joinSync'], ['JoinableQueue', 'join'],
  ['SimpleQueue', 'get'],
  ['Process', 'joinSync'], ['Process', 'join'],
];

describe('worker.terminate() ends every blocking call of the worker', () => {
  it.each(cases)('%s.%s', async (kind, call) => {
    const r = await startChild<{ terminateMs: number }>('terminate.js', 'terminateCase', [kind, call], { timeoutMs: 45_000 }).done;
    if (r.code !== 0) {
      // A crashed process leaves its segments unheld: remove them (this case fails anyway).
      sweep();
      const rescued = r.messages.includes('rescuing') ? 'terminate() did not return within 3 s; when the wait was then unblocked, ' : '';
      const why = r.error ? r.error.message : `${rescued}the process died (code ${r.code}, signal ${r.signal}): ${r.stderr.split('\n').slice(0, 12).join('\n')}`;
      expect.fail(`${kind}.${call}: ${why}`);
    }
    expect(r.result!.terminateMs).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
