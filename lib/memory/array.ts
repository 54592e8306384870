// SharedArray / RawArray: a fixed-length array of one element type in shared memory. `.view`
// is a TypedArray over the shared memory itself: zero copies, writes visible to every process,
// Atomics.* (except wait) usable on it.
import { layout } from '../core/layout';
import { invalidArgType, outOfRange } from '../core/errors';
import { KindName } from '../core/kinds';
import { NativeSegment } from '../core/native';
import { CreateOptions } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { ElementType, InputOf, TypeSpec, ValueOf, ViewOf, parseType, typeByCode } from './types';
import { ValueOptions } from './value';
import { AnyLock, Linked, attachLinked, createWithLink } from '../primitives/linked-lock';

// The segment (its header, then the elements) must fit in 4 GiB (kMaxSegmentSize, native/core/layout.h).
const MAX_BYTES = 2 ** 32 - layout.stateOffset;

/** A length, or the initial values. */
type Init<T extends TypeSpec> = number | ArrayLike<InputOf<T>> | Iterable<InputOf<T>>;

function parseInit(type: ElementType, init: unknown): { length: number; bytes?: Uint8Array } {
  if (typeof init === 'number') {
    if (!Number.isInteger(init) || init < 0 || init * type.size > MAX_BYTES) {
      throw outOfRange(`length must be an integer in 0 .. ${Math.floor(MAX_BYTES / type.size)}`);
    }
    return { length: init };
  }
  if (init === null || typeof init !== 'object' || !(Symbol.iterator in (init as object) || 'length' in (init as object))) {
    throw invalidArgType('lengthOrValues must be a length or an array of values');
  }
  const values = Array.from(init as ArrayLike<unknown>);
  if (values.length * type.size > MAX_BYTES) throw outOfRange('too many values');
  const buf = new ArrayBuffer(Math.max(8, values.length * type.size));
  const view = type.view(buf, 0, values.length) as unknown as (number | bigint)[];
  values.forEach((v, i) => (view[i] = type.toStored(v)));
  return { length: values.length, bytes: new Uint8Array(buf, 0, values.length * type.size) };
}

abstract class ArrayBase<T extends TypeSpec> extends Primitive {
  protected readonly type: ElementType;
  /** A TypedArray over the shared memory (zero copy). Empty after close(). */
  readonly view: ViewOf<T>;

  protected constructor(seg: NativeSegment) {
    super(seg);
    this.type = typeByCode(this.info.params[0]);
    this.view = this.type.view(this.i32.buffer as ArrayBuffer, this.info.stateOffset, this.info.params[1]) as ViewOf<T>;
  }

  get length(): number {
    return this.info.params[1];
  }

  get typeName(): string {
    return this.type.name;
  }

  private index(i: unknown): number {
    if (typeof i !== 'number') throw invalidArgType('index must be a number');
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw outOfRange(`index ${i} out of range 0 .. ${this.length - 1}`);
    return i;
  }

  get(i: number): ValueOf<T> {
    this.seg;
    return this.type.fromStored(this.view[this.index(i)]) as ValueOf<T>;
  }

  set(i: number, v: InputOf<T>): void {
    this.seg;
    (this.view as unknown as (number | bigint)[])[this.index(i)] = this.type.toStored(v);
  }

  /** A plain array copy of the current contents. */
  toArray(): ValueOf<T>[] {
    this.seg;
    return Array.from(this.view as ArrayLike<number | bigint>, (v) => this.type.fromStored(v) as ValueOf<T>);
  }

  protected override inspectFields(): Record<string, unknown> {
    return { name: this.name, type: this.type.name, length: this.length };
  }
}

/** A fixed-length shared array of type T, with a lock for read-modify-write sequences. */
export class SharedArray<T extends TypeSpec = TypeSpec> extends ArrayBase<T> {
  #lock: AnyLock | null;
  #ownsLock: boolean;

  constructor(type: T, lengthOrValues: Init<T>, opts?: ValueOptions);
  /** @internal */
  constructor(type: T, lengthOrValues: Init<T>, opts?: ValueOptions & AttachOptions);
  constructor(type: T, lengthOrValues: Init<T>, opts?: ValueOptions & AttachOptions) {
    const attach = opts?.[kAttach];
    let made: Linked;
    if (attach) made = attachLinked(attach);
    else {
      const t = parseType(type);
      const { length, bytes } = parseInit(t, lengthOrValues);
      made = createWithLink(opts?.lock, opts, (link) =>
        createSegment({ kind: 'SharedArray', params: [t.code, length], init: bytes, ...link }, opts ?? {}),
      );
    }
    super(made.seg);
    this.#lock = made.lock;
    this.#ownsLock = made.owned;
  }

  static open(name: string): SharedArray {
    return new SharedArray<TypeSpec>('i', 0, { [kAttach]: openSegment(name, 'SharedArray') });
  }

  get kind(): KindName {
    return 'SharedArray';
  }

  getLock(): AnyLock | null {
    this.seg;
    return this.#lock;
  }

  getObj(): this {
    this.seg;
    return this;
  }

  protected override afterClose(seg: NativeSegment): void {
    super.afterClose(seg);
    if (this.#ownsLock) this.#lock?.close();
  }
}

/** A fixed-length shared array of type T, without a lock. */
export class RawArray<T extends TypeSpec = TypeSpec> extends ArrayBase<T> {
  constructor(type: T, lengthOrValues: Init<T>, opts?: CreateOptions);
  /** @internal */
  constructor(type: T, lengthOrValues: Init<T>, opts?: CreateOptions & AttachOptions);
  constructor(type: T, lengthOrValues: Init<T>, opts?: CreateOptions & AttachOptions) {
    let seg = opts?.[kAttach];
    if (!seg) {
      const t = parseType(type);
      const { length, bytes } = parseInit(t, lengthOrValues);
      seg = createSegment({ kind: 'RawArray', params: [t.code, length], init: bytes }, opts ?? {});
    }
    super(seg);
  }

  static open(name: string): RawArray {
    return new RawArray<TypeSpec>('i', 0, { [kAttach]: openSegment(name, 'RawArray') });
  }

  get kind(): KindName {
    return 'RawArray';
  }
}
