// Value / RawValue: one element of shared memory, with (Value) a lock for read-modify-write.
// The lock is its own RLock (or the Lock/RLock given) segment, named in this segment's link
// area so that every process that opens the Value opens the same lock.
import { KindName } from '../core/kinds';
import { NativeSegment } from '../core/native';
import { CreateOptions } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { ElementType, InputOf, TypeSpec, TypedView, ValueOf, parseType, typeByCode } from './types';
import { AnyLock, Linked, attachLinked, createWithLink } from '../primitives/linked-lock';

export interface ValueOptions extends CreateOptions {
  /** true (default): a new RLock; false: no lock; or the Lock/RLock to use. */
  lock?: boolean | AnyLock;
}

abstract class ValueBase<T extends TypeSpec> extends Primitive {
  protected readonly type: ElementType;
  protected readonly view: TypedView;
  protected constructor(seg: NativeSegment) {
    super(seg);
    this.type = typeByCode(this.info.params[0]);
    this.view = this.type.view(this.i32.buffer as ArrayBuffer, this.info.stateOffset, 1);
  }

  /** The shared value (a bigint for 64-bit integer types, a boolean for 'bool'). */
  get value(): ValueOf<T> {
    this.seg;
    return this.type.fromStored(this.view[0]) as ValueOf<T>;
  }

  set value(v: InputOf<T>) {
    this.seg;
    (this.view as unknown as (number | bigint)[])[0] = this.type.toStored(v);
  }

  /** The type name ('int32', 'float64', ...). */
  get typeName(): string {
    return this.type.name;
  }

  protected override inspectFields(): Record<string, unknown> {
    return { name: this.name, type: this.type.name, value: this.type.fromStored(this.view[0]) };
  }
}

function initBytes(type: ElementType, initial: unknown): Uint8Array {
  const stored = type.toStored(initial ?? type.zero);
  const buf = new ArrayBuffer(8);
  (type.view(buf, 0, 1) as unknown as (number | bigint)[])[0] = stored;
  return new Uint8Array(buf);
}

/** A shared number (bigint, boolean) of type T, with a lock for read-modify-write sequences. */
export class Value<T extends TypeSpec = TypeSpec> extends ValueBase<T> {
  #lock: AnyLock | null;
  #ownsLock: boolean;

  constructor(type: T, initial?: InputOf<T>, opts?: ValueOptions);
  /** @internal */
  constructor(type: T, initial?: InputOf<T>, opts?: ValueOptions & AttachOptions);
  constructor(type: T, initial?: InputOf<T>, opts?: ValueOptions & AttachOptions) {
    const attach = opts?.[kAttach];
    let made: Linked;
    if (attach) made = attachLinked(attach);
    else {
      const t = parseType(type);
      const init = initBytes(t, initial);
      made = createWithLink(opts?.lock, opts, (link) =>
        createSegment({ kind: 'Value', params: [t.code], init, ...link }, opts ?? {}),
      );
    }
    super(made.seg);
    this.#lock = made.lock;
    this.#ownsLock = made.owned;
  }

  /** Opens an existing Value by name (its type is the one it was created with). */
  static open(name: string): Value {
    return new Value<TypeSpec>('i', 0, { [kAttach]: openSegment(name, 'Value') });
  }

  get kind(): KindName {
    return 'Value';
  }

  /** The lock guarding read-modify-write sequences (null when created with lock: false). */
  getLock(): AnyLock | null {
    this.seg;
    return this.#lock;
  }

  /** Python's get_obj(): the raw value object (this Value). */
  getObj(): this {
    this.seg;
    return this;
  }

  protected override afterClose(seg: NativeSegment): void {
    super.afterClose(seg);
    if (this.#ownsLock) this.#lock?.close();
  }
}

/** A shared number (bigint, boolean) of type T, without a lock. */
export class RawValue<T extends TypeSpec = TypeSpec> extends ValueBase<T> {
  constructor(type: T, initial?: InputOf<T>, opts?: CreateOptions);
  /** @internal */
  constructor(type: T, initial?: InputOf<T>, opts?: CreateOptions & AttachOptions);
  constructor(type: T, initial?: InputOf<T>, opts?: CreateOptions & AttachOptions) {
    let seg = opts?.[kAttach];
    if (!seg) {
      const t = parseType(type);
      seg = createSegment({ kind: 'RawValue', params: [t.code], init: initBytes(t, initial) }, opts ?? {});
    }
    super(seg);
  }

  static open(name: string): RawValue {
    return new RawValue<TypeSpec>('i', 0, { [kAttach]: openSegment(name, 'RawValue') });
  }

  get kind(): KindName {
    return 'RawValue';
  }
}
