// A lock linked to another primitive: a Condition's lock, a Value's or SharedArray's. The
// segment's link area names it (kind + name), so that every process that opens the primitive
// opens the same lock.
import { Kind } from '../core/kinds';
import { NativeSegment } from '../core/native';
import { Lock } from './lock';
import { RLock } from './rlock';

export type AnyLock = Lock | RLock;

/** Opens the lock named in a segment's link area. */
export function openLinkedLock(seg: NativeSegment): AnyLock | null {
  const info = seg.info();
  if (info.linkKind === Kind.Lock) return Lock.open(info.linkName);
  if (info.linkKind === Kind.RLock) return RLock.open(info.linkName);
  return null;
}

/** The link-area fields that name `lock` (none for null). */
export function linkOf(lock: AnyLock | null): { linkKind: number; linkName: string } {
  return lock ? { linkKind: Kind[lock.kind], linkName: lock.name } : { linkKind: 0, linkName: '' };
}
