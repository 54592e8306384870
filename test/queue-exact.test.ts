// A Queue item arrives as structuredClone would give it, whichever encoding it travels in
// (JSON fast path or v8.serialize), also when it carries procsync primitives (issue 16 point 8).
import { describe, it, expect } from 'vitest';
import { createRequire } from 'module';
import { isDeepStrictEqual } from 'util';
import { Queue, Lock, Event } from 'procsync';
import { runChild } from './helpers/children';
import { useTracked } from './helpers/track';

const items = createRequire(import.meta.url)('./fixtures/items.js') as {
  cases: () => Record<string, unknown>;
  differences: (got: Record<string, unknown>) => string[];
};

const track = useTracked();

describe('Queue items are exact', () => {
  it('put/get in one process: each case equals structuredClone of it', () => {
    const q = track(new Queue<unknown>());
    const got: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(items.cases())) {
      q.putSync(v);
      got[k] = q.getSync();
    }
    expect(items.differences(got)).toEqual([]);
  });

  // Each shape of flat object is built by an object literal compiled for it (lib/queue/item-flat.ts
  // builder), up to 64 shapes; the others, and every shape where code generation from strings
  // is refused, by keyed stores.
  it('flat objects of 100 shapes, each twice, arrive exact', async () => {
    expect(await runChild('items.js', 'roundTrip', [track(new Queue<unknown>())])).toEqual([]);
  });

  it('the same with code generation from strings refused (--disallow-code-generation-from-strings)', async () => {
    const q = track(new Queue<unknown>());
    expect(await runChild('items.js', 'roundTrip', [q], { execArgv: ['--disallow-code-generation-from-strings'] })).toEqual([]);
  });

  it('from a child to the parent', async () => {
    const q = track(new Queue<{ k: string; v: unknown }>());
    await runChild('items.js', 'putAll', [q]);
    const got: Record<string, unknown> = {};
    for (let i = 0; i < Object.keys(items.cases()).length; i++) {
      const { k, v } = q.getSync({ timeout: 10_000 });
      got[k] = v;
    }
    expect(items.differences(got)).toEqual([]);
  });

  it('from the parent to a child', async () => {
    const q = track(new Queue<{ k: string; v: unknown }>());
    for (const [k, v] of Object.entries(items.cases())) q.putSync({ k, v });
    expect(await runChild('items.js', 'getAll', [q])).toEqual([]);
  });

  it('the same shapes next to a primitive (the item is walked for markers) stay exact', () => {
    const q = track(new Queue<unknown>());
    const lock = track(new Lock());
    for (const [k, v] of Object.entries(items.cases())) {
      q.putSync({ lock, v, also: [lock] });
      const got = q.getSync() as { lock: Lock; v: unknown; also: Lock[] };
      expect(got.lock).toBeInstanceOf(Lock);
      expect(got.also[0]).toBeInstanceOf(Lock);
      expect(got.lock.name).toBe(lock.name);
      got.lock.close();
      got.also[0].close();
      expect(isDeepStrictEqual(got.v, structuredClone(v)), k).toBe(true);
    }
  });

  it('a real marker inside an item reopens; a look-alike in an item without primitives does not', () => {
    const q = track(new Queue<unknown>());
    const ev = track(new Event());
    q.putSync({ ev, text: '"$procsync"' });
    const got = q.getSync() as { ev: Event };
    expect(got.ev).toBeInstanceOf(Event);
    got.ev.close();
    const lookAlike = { $procsync: 'Event', name: ev.name };
    q.putSync(lookAlike);
    expect(q.getSync()).toEqual(lookAlike);
  });
});
