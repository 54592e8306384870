// A lock linked to another primitive: a Condition's lock, a Value's or SharedArray's. The
// segment's link area names it (kind + name), so that every process that opens the primitive
// opens the same lock. The three classes make their segment and lock here: attachLinked when
// opened by name, createWithLink when constructed.
import { coded, invalidArgType } from '../core/errors';
import { Kind } from '../core/kinds';
import { NativeSegment } from '../core/native';
import { CreateOptions, checkCreate, derivedName } from '../core/options';
import { Lock } from './lock';
import { RLock } from './rlock';

export type AnyLock = Lock | RLock;

/** A primitive's segment and its lock; `owned`: the lock was made for it (closed with it). */
export interface Linked {
  seg: NativeSegment;
  lock: AnyLock | null;
  owned: boolean;
}

/**
 * Resolves a `lock` option to the lock object to link, and whether we own it. The default
 * (undefined or true) is a new RLock with the owner's mode and persistence, named after the
 * owner when it is named (derivedName); false is no lock.
 */
export function lockFor(opt: unknown, opts: CreateOptions | undefined): { lock: AnyLock | null; owned: boolean } {
  const o = checkCreate(opts);
  if (opt === undefined || opt === true) {
    const name = o.name === undefined ? undefined : derivedName(o.name, 'lock');
    return { lock: new RLock({ name, mode: o.mode, persistent: o.persistent, allowOwner: o.allowOwner }), owned: true };
  }
  if (opt === false) return { lock: null, owned: false };
  if (opt instanceof Lock || opt instanceof RLock) return { lock: opt, owned: false };
  throw invalidArgType('lock must be a boolean, a Lock or an RLock');
}

/** An opened segment (X.open(name)) and the lock it names, which is ours to close. */
export function attachLinked(seg: NativeSegment): Linked {
  return { seg, lock: openLinkedLock(seg), owned: true };
}

/** A new (or, by name, an existing) segment made by `create`, linked to the lock `lockOpt`
 * asks for (lockFor), settled by createLinked. */
export function createWithLink(
  lockOpt: unknown,
  opts: CreateOptions | undefined,
  create: (link: { linkKind: number; linkName: string }) => NativeSegment,
): Linked {
  const { lock, owned } = lockFor(lockOpt, opts);
  return { ...createLinked(lock, owned, opts?.name, create), owned };
}

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

/**
 * Creates or opens a segment that names its lock (`create` gets the link fields), and settles
 * which lock the object uses: when it opened an existing segment, a lock of our own making
 * (`owned`, the default) gives way to the one the segment names, and a lock the caller gave
 * must be that one — else every process would lock a lock of its own
 * (`ERR_PARAMS_MISMATCH`, as for any other parameter that differs). An owned lock is closed
 * when creating fails.
 */
export function createLinked(
  lock: AnyLock | null,
  owned: boolean,
  name: string | undefined,
  create: (link: { linkKind: number; linkName: string }) => NativeSegment,
): { seg: NativeSegment; lock: AnyLock | null } {
  let seg: NativeSegment;
  try {
    seg = create(linkOf(lock));
  } catch (e) {
    if (owned) lock?.close();
    throw e;
  }
  const info = seg.info();
  if (info.created) return { seg, lock };
  if (owned) {
    lock?.close();
    return { seg, lock: openLinkedLock(seg) };
  }
  if (lock && (info.linkName !== lock.name || info.linkKind !== Kind[lock.kind])) {
    seg.close();
    throw coded('ERR_PARAMS_MISMATCH', `'${name}' exists with another lock than the one given`);
  }
  return { seg, lock };
}
