// One source of truth: the constants lib/ uses come from the core's headers (lib/layout.ts,
// native/constants_binding.cc). These checks catch a kind or result code added on one side only.
import { describe, it, expect } from 'vitest';
import { Lock, Queue, ProcsyncError } from 'procsync';
import { segmentFile } from './helpers/segment-file';
import { uniqueName } from './helpers/children';

// Loaded as procsync itself loads it (dist/), so that this is the one instance of the addon.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { layout, codeNames } = require('../dist/layout.js') as typeof import('../lib/layout');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { kindNames, Kind } = require('../dist/kinds.js') as typeof import('../lib/kinds');

describe('layout constants', () => {
  it('TypeScript knows exactly the kinds of the core, under the same numbers', () => {
    expect(Object.keys(layout.kinds).sort()).toEqual([...kindNames].sort());
    for (const k of kindNames) expect(Kind[k]).toBe(layout.kinds[k]);
  });

  it('TypeScript knows exactly the result codes of the core', () => {
    expect(Object.keys(layout.codes).sort()).toEqual([...codeNames].sort());
    expect(new Set(Object.values(layout.codes)).size).toBe(codeNames.length);
  });

  it('the state offset the segments use is the one handed over', () => {
    const q = new Queue({ name: uniqueName('layout') });
    const f = segmentFile(q.name);
    try {
      expect(f.stateOffset).toBe(layout.stateOffset);
    } finally {
      f.close();
      q.close();
    }
  });

  it('the lock word encoding: a held Lock shows its owner id with the handed-over mask', () => {
    const l = new Lock();
    l.acquireSync();
    const f = segmentFile(l.name);
    try {
      const w = f.read(f.word(layout.lock.ownerWord));
      expect(w & layout.lock.ownerMask).toBeGreaterThan(0);
      expect(w & ~(layout.lock.ownerMask | layout.lock.waiters)).toBe(0);
    } finally {
      f.close();
      l.release();
      l.close();
    }
    expect(new ProcsyncError('ERR_CORRUPT', 'x')).toBeInstanceOf(Error);
  });
});
