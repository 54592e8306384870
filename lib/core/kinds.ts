// The kinds of primitive: their class names (API.md) and the numbers stored in segment headers,
// which the core hands over (native/core/kinds.h kKindNames, via lib/core/layout.ts).
import { layout } from './layout';

const names = [
  'Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Condition', 'Barrier', 'Value',
  'RawValue', 'SharedArray', 'RawArray', 'Queue', 'JoinableQueue', 'SimpleQueue', 'RWLock',
  // The one shared registry of procsync.locks (lib/locks/).
  'LockRegistry',
] as const;

export type KindName = (typeof names)[number];

/** Kind number of each class name. */
export const Kind = Object.fromEntries(names.map((n) => [n, layout.kinds[n]])) as Record<KindName, number>;

/** The class names the TypeScript layer knows (checked against the core's in test/layout.test.ts). */
export const kindNames: readonly KindName[] = names;

const byNumber = new Map<number, KindName>(
  (Object.keys(Kind) as KindName[]).map((k) => [Kind[k], k]),
);

export function kindName(n: number): KindName | undefined {
  return byNumber.get(n);
}
