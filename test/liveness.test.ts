// Owner liveness is decided by the kernel (native/platform/liveness.h), not by a pid or tid looked up in
// /proc: an id that happens to be a live pid is not mistaken for an owner (pid reuse), and a
// live holder in another pid namespace is never taken over (containers that share /dev/shm).
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'child_process';
import { Barrier, Condition, Lock, RLock } from 'procsync';
import { startChild, expectOk, uniqueName, ChildOptions } from './helpers/children';
import { segmentFile } from './helpers/segment-file';
import { useTracked } from './helpers/track';

const track = useTracked();

const UNSHARE = ['unshare', '-p', '-f', '--kill-child', '--mount-proc'];
const canUnshare = spawnSync(UNSHARE[0], [...UNSHARE.slice(1), 'true']).status === 0;
if (!canUnshare) console.log('liveness.test: `unshare -p` is not permitted here; the pid-namespace tests are skipped');
const inNamespace: ChildOptions = { wrap: UNSHARE, timeoutMs: 20_000 };
const onHost: ChildOptions = { timeoutMs: 20_000 };

type Outcome = { got: boolean; warnings: string[] };

describe('pid reuse', () => {
  for (const Kind of [Lock, RLock]) {
    it(`${Kind.name}: an owner word naming a live but unrelated pid is judged dead and taken over`, async () => {
      const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        const lock = track(new Kind({ name: uniqueName('reuse') }));
        const f = segmentFile(lock.name);
        // As if the owner's id had been reused by a process that has nothing to do with us.
        f.write(f.word(0), sleeper.pid!);
        f.close();
        const warnings: string[] = [];
        const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? '');
        process.on('warning', onWarning);
        try {
          expect(lock.acquireSync({ timeout: 5000 })).toBe(true);
          await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
        } finally {
          process.off('warning', onWarning);
        }
        expect(warnings).toContain('PROCSYNC_OWNER_DIED');
        lock.release();
      } finally {
        sleeper.kill('SIGKILL');
      }
    });
  }
});

describe.skipIf(!canUnshare)('pid namespaces: a live holder is never taken over', () => {
  for (const [holderWhere, waiterWhere, label] of [
    [onHost, inNamespace, 'holder on the host, waiter in a new pid namespace'],
    [inNamespace, onHost, 'holder in a new pid namespace, waiter on the host'],
  ] as const) {
    for (const Kind of [Lock, RLock]) {
      it(`${Kind.name}: ${label}`, async () => {
        const lock = track(new Kind({ name: uniqueName('ns') }));
        const holder = startChild('liveness.js', 'hold', [lock], holderWhere);
        expect(await holder.message()).toBe('held');
        // Longer than several liveness slices (200 ms each): every check must say "alive".
        const waiter = await startChild<Outcome>('liveness.js', 'tryAcquire', [lock, 1500], waiterWhere).done;
        expect(expectOk(waiter)).toEqual({ got: false, warnings: [] });
        holder.send('release');
        const h = expectOk(await holder.done) as { released: boolean };
        expect(h.released).toBe(true);
        expect(lock.locked()).toBe(false);
      });
    }

    it(`Condition: notify from the other namespace does not skip a live waiter (${label})`, async () => {
      const cond = track(new Condition(undefined, { name: uniqueName('nscond') }));
      const first = startChild<{ notified: boolean }>('liveness.js', 'condWait', [cond, 8000], holderWhere);
      expect(await first.message()).toBe('waiting');
      const second = startChild<{ notified: boolean }>('liveness.js', 'condWait', [cond, 4000], waiterWhere);
      expect(await second.message()).toBe('waiting');
      // The oldest waiter is in the other namespace than the notifier: notify(1) must pick it,
      // not judge it dead, free its slot and notify the second one (which then times out).
      expect(expectOk(await startChild('liveness.js', 'notifyOne', [cond], waiterWhere).done)).toBe(1);
      expect(expectOk(await first.done)).toEqual({ notified: true });
      expect(expectOk(await second.done)).toEqual({ notified: false });
    });

    it(`Barrier: parties in both namespaces complete the cycle (${label})`, async () => {
      const barrier = track(new Barrier(3, { name: uniqueName('nsbar') }));
      const a = startChild<{ index?: number; error?: string }>('liveness.js', 'barrierWait', [barrier, 15_000], holderWhere);
      const b = startChild<{ index?: number; error?: string }>('liveness.js', 'barrierWait', [barrier, 15_000], waiterWhere);
      expect(await a.message()).toBe('arriving');
      expect(await b.message()).toBe('arriving');
      const deadline = Date.now() + 10_000;
      while (barrier.nWaiting < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(barrier.nWaiting).toBe(2);
      // Several slices: each waiting party checks the liveness of the other.
      await new Promise((r) => setTimeout(r, 700));
      const mine = await barrier.wait({ timeout: 10_000 });
      const indices = [mine, expectOk(await a.done).index, expectOk(await b.done).index].sort();
      expect(indices).toEqual([0, 1, 2]);
    });
  }
});
