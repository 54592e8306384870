// Every valid name works for every kind, also where a primitive derives a name from its own
// (the default lock of a Value, SharedArray or Condition): issue 16, points 7 and 9.
import { describe, it, expect } from 'vitest';
import { statSync } from 'fs';
import { createRequire } from 'module';
import * as procsync from 'procsync';
import { KindName } from 'procsync';
import { runChild, startChild, expectOk } from './helpers/children';
import { useTracked } from './helpers/track';
import { segmentPath } from './helpers/segment-path';

const { make, lockName } = createRequire(import.meta.url)('./fixtures/names.js') as {
  make: (kind: KindName, name: string, opts?: object) => procsync.Primitive;
  lockName: (p: procsync.Primitive) => string | null;
};

const KINDS: KindName[] = ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Condition', 'Barrier',
  'Value', 'RawValue', 'SharedArray', 'RawArray', 'Queue', 'JoinableQueue', 'SimpleQueue'];
const WITH_LOCK: KindName[] = ['Condition', 'Value', 'SharedArray'];
const NAME_RE = /^[A-Za-z0-9._-]{1,200}$/;

/** A unique valid name of exactly `length` characters. */
function nameOf(length: number, tag: string): string {
  const head = `t-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 10)}-`;
  return (head + 'x'.repeat(length)).slice(0, length);
}

const track = useTracked();

describe('names up to 200 characters', () => {
  it('every kind can be created and opened with a 200-character name', () => {
    for (const kind of KINDS) {
      const name = nameOf(200, kind);
      const p = track(make(kind, name));
      expect(p.name, kind).toBe(name);
      expect(p.kind).toBe(kind);
      const again = track(procsync.open(name));
      expect(again.kind, kind).toBe(kind);
      if (WITH_LOCK.includes(kind)) {
        const l = lockName(p)!;
        expect(l, kind).toMatch(NAME_RE);
        expect(lockName(again), kind).toBe(l);
      }
    }
  });

  it('names of 190 to 200 characters each derive a distinct, valid lock name', () => {
    const seen = new Set<string>();
    for (let len = 190; len <= 200; len++) {
      for (const kind of WITH_LOCK) {
        const p = track(make(kind, nameOf(len, kind)));
        const l = lockName(p)!;
        expect(l, `${kind} ${len}`).toMatch(NAME_RE);
        expect(seen.has(l)).toBe(false);
        seen.add(l);
      }
    }
    // Short enough names keep the readable form.
    const short = track(make('Value', nameOf(100, 'short')));
    expect(lockName(short)).toBe(`${short.name}.lock`);
  });

  it('two names that differ only past the cut get different locks', () => {
    const base = nameOf(199, 'cut');
    const a = track(make('Value', base + 'a'));
    const b = track(make('Value', base + 'b'));
    expect(lockName(a)).not.toBe(lockName(b));
  });

  it('another process derives the same lock name from the same 200-character name', async () => {
    for (const kind of WITH_LOCK) {
      const name = nameOf(200, kind);
      // The child creates it (and its lock), reports, closes: everything is gone again.
      const theirs = await runChild<{ lock: string }>('names.js', 'createAndReport', [kind, name]);
      const mine = track(make(kind, name));
      expect(lockName(mine), kind).toBe(theirs.lock);
    }
  });

  it('a process that opens the primitive while another holds its lock shares that lock', async () => {
    for (const kind of WITH_LOCK) {
      const name = nameOf(200, kind);
      const child = startChild('names.js', 'holdLock', [kind, name]);
      const held = await child.message();
      const p = track(procsync.open(name)) as procsync.Value;
      const lock = p.kind === 'Condition' ? (p as unknown as procsync.Condition).lock : p.getLock()!;
      expect(lock.name).toBe(held);
      expect(lock.locked(), kind).toBe(true);
      expect(lock.acquireSync({ block: false })).toBe(false);
      child.send('go');
      expectOk(await child.done);
    }
  });
});

describe("a derived lock follows its owner's options", () => {
  const modeOf = (name: string) => statSync(segmentPath(name)).mode & 0o777;

  it('mode: the default lock of a Value, SharedArray or Condition gets the same mode', () => {
    for (const kind of WITH_LOCK) {
      for (const mode of [0o666, 0o640, undefined]) {
        const p = track(make(kind, nameOf(60, kind), mode === undefined ? {} : { mode }));
        const want = mode ?? 0o600;
        expect(modeOf(p.name), kind).toBe(want);
        expect(modeOf(lockName(p)!), `${kind} lock, mode ${want.toString(8)}`).toBe(want);
      }
    }
  });

  it('persistent: a persistent Value or SharedArray keeps its lock too', () => {
    for (const kind of ['Value', 'SharedArray', 'Condition'] as const) {
      const name = nameOf(60, kind);
      const p = make(kind, name, { persistent: true });
      const l = lockName(p)!;
      p.close();
      try {
        const again = track(procsync.open(name));
        expect(lockName(again), kind).toBe(l);
      } finally {
        procsync.unlink(name);
        procsync.unlink(l);
      }
    }
  });
});
