// What every primitive shares: its segment, name, kind, lifetime (close / dispose / GC / exit)
// and its JSON marker. Subclasses add the rules of their kind over the segment's state words.
import { inspect } from 'util';
import { closedError, coded } from './errors';
import { Kind, KindName } from './kinds';
import { native, threadId, NativeSegment, OpenSpec, SegHandle, SegmentInfo } from './native';
import { CreateOptions, checkAllowOwner, checkCreate, checkName } from './options';

/** @internal Constructs a primitive over an already opened segment (used by X.open()). */
export const kAttach = Symbol('procsync.attach');
/** @internal */
export interface AttachOptions {
  [kAttach]?: NativeSegment;
}

const disposeSymbol: symbol = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('nodejs.dispose');

let anonymousCounter = 0;
function anonymousName(kind: KindName): string {
  const rand = Math.floor(Math.random() * 0xffffffff).toString(36);
  return `${kind}-${process.pid}-${threadId}-${++anonymousCounter}-${rand}`;
}

export interface SegmentRequest {
  kind: KindName;
  params?: number[];
  linkKind?: number;
  linkName?: string;
  init?: Uint8Array;
}

// A segment that was opened with { allowOwner: uid } may name another segment (a Value's or a
// Condition's lock) that the classes reopen by name on their own: that one is allowed for the
// same uid. Name -> uid; a few bytes per distinct linked name.
const linkAllowance = new Map<string, number>();

function allowanceFor(name: string, explicit: number | undefined): number | undefined {
  return explicit ?? linkAllowance.get(name);
}

function noteLink(seg: NativeSegment, allowOwner: number | undefined): void {
  if (allowOwner === undefined) return;
  const link = seg.info().linkName;
  if (link) linkAllowance.set(link, allowOwner);
}

/**
 * Creates (no name) or creates-or-opens (with a name) the segment of a primitive. When an
 * existing segment is opened, its creation parameters must equal the requested ones.
 */
export function createSegment(req: SegmentRequest, opts: CreateOptions): NativeSegment {
  checkCreate(opts);
  const spec: OpenSpec = {
    name: opts.name ?? anonymousName(req.kind),
    kind: Kind[req.kind],
    params: req.params ?? [],
    linkKind: req.linkKind ?? 0,
    linkName: req.linkName ?? '',
    mode: opts.mode ?? 0o600,
    persistent: opts.persistent ?? false,
    how: opts.name === undefined ? 0 : 2,
    init: req.init,
  };
  const allowOwner = opts.name === undefined ? undefined : allowanceFor(opts.name, opts.allowOwner);
  if (allowOwner !== undefined) spec.allowOwner = allowOwner;
  const seg = native.open(spec);
  noteLink(seg, allowOwner);
  const info = seg.info();
  knownInfo.set(seg, info);
  if (!info.created) {
    const want = [0, 1, 2, 3].map((i) => spec.params![i] ?? 0);
    const same = want.every((p, i) => p === info.params[i]) && (info.linkKind !== 0) === (spec.linkKind !== 0);
    if (!same) {
      seg.close();
      throw coded('ERR_PARAMS_MISMATCH', `'${spec.name}' exists with other parameters than requested`);
    }
  }
  return seg;
}

// seg.info() builds a fresh object natively (a dozen named properties: several µs, a fair part
// of a named open); createSegment needs it before the Primitive exists, which reuses it.
const knownInfo = new WeakMap<NativeSegment, SegmentInfo>();

/** Opens an existing segment by name, of the given kind (or any kind). */
export function openSegment(name: string, kind?: KindName, opts?: { allowOwner?: number }): NativeSegment {
  checkName(name);
  const allowOwner = allowanceFor(name, checkAllowOwner(opts?.allowOwner));
  const k = kind ? Kind[kind] : 0;
  const seg = allowOwner === undefined ? native.openExisting(name, k) : native.openExisting(name, k, allowOwner);
  noteLink(seg, allowOwner);
  return seg;
}

export abstract class Primitive {
  /** The name other processes open this primitive by. */
  readonly name: string;
  #seg: NativeSegment | null;
  /**
   * @internal How native calls name the segment (info.handle), without the closed check of
   * `seg`: a native call with it after close() throws ERR_CLOSED itself.
   */
  protected readonly handle: SegHandle;
  // While close() waits for an in-flight async wait to finish, the segment stays usable for
  // undoing what that wait may have taken (rawSegment()).
  #closingSeg: NativeSegment | null = null;
  /** 32-bit view of the whole segment; state word k is at index `base + k`. */
  protected readonly i32: Int32Array;
  protected readonly base: number;
  protected readonly info: SegmentInfo;
  /** This thread's user id in the segment: the owner id in its owner words (native/platform/liveness.h). */
  protected readonly me: number;

  protected constructor(seg: NativeSegment) {
    this.#seg = seg;
    this.info = knownInfo.get(seg) ?? seg.info();
    this.handle = this.info.handle;
    this.me = this.info.userId;
    this.i32 = new Int32Array(seg.buffer());
    this.base = this.info.stateOffset / 4;
    this.name = this.info.name;
  }

  /** The class name ('Lock', 'Semaphore', ...). */
  abstract get kind(): KindName;

  /** The segment's handle for native calls; throws ERR_CLOSED after close(). */
  protected get seg(): SegHandle {
    if (this.#seg === null) throw closedError(this.kind);
    return this.handle;
  }

  protected get isClosed(): boolean {
    return this.#seg === null;
  }

  /** Byte offset of state word k (for native calls). */
  protected off(k: number): number {
    return (this.base + k) * 4;
  }

  /**
   * Detaches this process from the primitive. Pending async waits of this object reject with
   * ERR_CLOSED. The shared memory is removed when the last process closes it.
   */
  close(): void {
    const seg = this.#seg;
    if (seg === null) return;
    this.#seg = null;
    this.#closingSeg = seg;
    const pending = this.beforeClose();
    if (pending) {
      // An async wait that was in flight may have taken something (a lock, a count); it is
      // given back before the segment goes.
      pending.then(() => {
        this.#closingSeg = null;
        this.afterClose(seg);
      });
    } else {
      this.#closingSeg = null;
      this.afterClose(seg);
    }
  }

  /** Subclasses: stop pending waits; return a promise when something in flight must finish. */
  protected beforeClose(): Promise<void> | void {}

  /** Subclasses that own other primitives (a Value's lock) close them here. */
  protected afterClose(seg: NativeSegment): void {
    seg.close();
  }

  /** @internal The segment, also while close() waits to undo an in-flight wait (for undo logic only). */
  protected rawSegment(): SegHandle {
    if (this.#seg === null && this.#closingSeg === null) throw closedError(this.kind);
    return this.handle;
  }

  /** `using x = new Lock()`: close() at the end of the scope. */
  declare [Symbol.dispose]: () => void;

  toJSON(): { $procsync: KindName; name: string } {
    return { $procsync: this.kind, name: this.name };
  }

  /** Fields shown by util.inspect; subclasses extend. */
  protected inspectFields(): Record<string, unknown> {
    return { name: this.name };
  }

  [inspect.custom](_depth: number, options: object): string {
    if (this.isClosed) return `${this.kind} { name: ${JSON.stringify(this.name)}, closed: true }`;
    return `${this.kind} ${inspect(this.inspectFields(), options)}`;
  }
}

// `using lock = new Lock()` (explicit resource management).
(Primitive.prototype as unknown as Record<symbol, () => void>)[disposeSymbol] = function (this: Primitive) {
  this.close();
};

// process.exit() skips native cleanup hooks: give up every segment of this thread on 'exit'
// so the last user's exit removes the shared memory at once (SIGKILL is covered by the flocks
// and the sweep).
process.on('exit', () => native.closeAll());
