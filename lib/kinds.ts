// Kind numbers stored in segment headers (native/layout.h) and the class names of API.md.
export const Kind = {
  Lock: 1,
  RLock: 2,
  Semaphore: 3,
  BoundedSemaphore: 4,
  Event: 5,
  Condition: 6,
  Barrier: 7,
  Value: 8,
  RawValue: 9,
  SharedArray: 10,
  RawArray: 11,
  Queue: 12,
  JoinableQueue: 13,
  SimpleQueue: 14,
  RWLock: 15,
  /** The one shared registry of procsync.locks (lib/locks/). */
  LockRegistry: 16,
} as const;

export type KindName = keyof typeof Kind;

const byNumber = new Map<number, KindName>(
  (Object.keys(Kind) as KindName[]).map((k) => [Kind[k], k]),
);

export function kindName(n: number): KindName | undefined {
  return byNumber.get(n);
}
