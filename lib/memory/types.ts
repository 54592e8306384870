// Element types of Value and SharedArray: Python typecodes and names, and how each is stored.
import { invalidArgType, invalidArgValue, outOfRange } from '../core/errors';

export const TYPE_NAMES = [
  'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'bool',
] as const; // the index is the code stored in the segment header (native/core/layout.cc)

export type TypeName = (typeof TYPE_NAMES)[number];
export type TypeCode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd' | '?';
export type TypeSpec = TypeName | TypeCode;

type Int64Spec = 'l' | 'L' | 'q' | 'Q' | 'int64' | 'uint64';
type BoolSpec = '?' | 'bool';

/** What reading an element of type T gives: a bigint (64-bit integers), a boolean ('bool') or a number. */
export type ValueOf<T extends TypeSpec> = T extends Int64Spec ? bigint : T extends BoolSpec ? boolean : number;

/** What may be written to an element of type T (64-bit integers also take safe-integer numbers). */
export type InputOf<T extends TypeSpec> = T extends Int64Spec ? bigint | number : T extends BoolSpec ? boolean : number;

/** The TypedArray that `.view` is for elements of type T. */
export type ViewOf<T extends TypeSpec> =
  T extends 'b' | 'int8' ? Int8Array
  : T extends 'B' | 'uint8' | BoolSpec ? Uint8Array
  : T extends 'h' | 'int16' ? Int16Array
  : T extends 'H' | 'uint16' ? Uint16Array
  : T extends 'i' | 'int32' ? Int32Array
  : T extends 'I' | 'uint32' ? Uint32Array
  : T extends 'l' | 'q' | 'int64' ? BigInt64Array
  : T extends 'L' | 'Q' | 'uint64' ? BigUint64Array
  : T extends 'f' | 'float32' ? Float32Array
  : T extends 'd' | 'float64' ? Float64Array
  : never;

const CODES: Record<TypeCode, TypeName> = {
  b: 'int8', B: 'uint8', h: 'int16', H: 'uint16', i: 'int32', I: 'uint32',
  l: 'int64', L: 'uint64', q: 'int64', Q: 'uint64', f: 'float32', d: 'float64', '?': 'bool',
};

type Ctor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor;

const CTORS: Record<TypeName, Ctor> = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, float32: Float32Array,
  float64: Float64Array, bool: Uint8Array,
};

const INT_RANGES: Partial<Record<TypeName, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
};
/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
const BIG_RANGES: Partial<Record<TypeName, [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

export type TypedView =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

export interface ElementType {
  name: TypeName;
  code: number;
  size: number;
  view(buffer: ArrayBuffer, byteOffset: number, length: number): TypedView;
  /** Validates and converts a JS value for storage. */
  toStored(v: unknown): number | bigint;
  /** Converts a stored element back for the user. */
  fromStored(v: number | bigint): number | bigint | boolean;
  zero: number | bigint | boolean;
}

export function parseType(spec: unknown): ElementType {
  if (typeof spec !== 'string') throw invalidArgType('type must be a typecode or type name string');
  const name: TypeName | undefined = Object.hasOwn(CODES, spec)
    ? CODES[spec as TypeCode]
    : (TYPE_NAMES as readonly string[]).includes(spec)
      ? (spec as TypeName)
      : undefined;
  if (!name) throw invalidArgValue(`unknown type ${JSON.stringify(spec)}; use one of ${Object.keys(CODES).join(' ')} or ${TYPE_NAMES.join(', ')}`);
  return typeByName(name);
}

export function typeByCode(code: number): ElementType {
  const name = TYPE_NAMES[code];
  if (!name) throw invalidArgValue(`unknown type code ${code}`);
  return typeByName(name);
}

/**
 * One ElementType per name, made once: each has its own toStored / fromStored, specialized to
 * its kind, so that `value += 1` on an int32 Value calls one small monomorphic function (the
 * 4-process counter of issue 15 runs it inside the lock) instead of testing the type's name,
 * kind and range table on every write.
 */
const TYPES = new Map<TypeName, ElementType>();

function typeByName(name: TypeName): ElementType {
  let t = TYPES.get(name);
  if (t === undefined) {
    t = Object.freeze(makeType(name));
    TYPES.set(name, t);
  }
  return t;
}

const identity = (v: number | bigint): number | bigint => v;

function makeType(name: TypeName): ElementType {
  const C = CTORS[name];
  const base = {
    name,
    code: TYPE_NAMES.indexOf(name),
    size: C.BYTES_PER_ELEMENT,
    view: (buffer: ArrayBuffer, off: number, len: number): TypedView => new C(buffer, off, len),
  };
  if (name === 'bool') {
    return {
      ...base,
      zero: false,
      toStored(v: unknown): number {
        if (typeof v === 'boolean') return v ? 1 : 0;
        if (typeof v === 'number' && (v === 0 || v === 1)) return v;
        throw invalidArgType('a bool value must be a boolean');
      },
      fromStored: (v: number | bigint): boolean => v !== 0,
    };
  }
  const big = BIG_RANGES[name];
  if (big) {
    const [lo, hi] = big;
    return {
      ...base,
      zero: 0n,
      toStored(v: unknown): bigint {
        let b: bigint;
        if (typeof v === 'bigint') b = v;
        else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
        else if (typeof v === 'number') throw outOfRange(`${name} needs an integer (a bigint beyond 2**53)`);
        else throw invalidArgType(`${name} values are bigints`);
        if (b < lo || b > hi) throw outOfRange(`${b} is out of range for ${name}`);
        return b;
      },
      fromStored: identity,
    };
  }
  const range = INT_RANGES[name];
  if (range) {
    const [lo, hi] = range;
    return {
      ...base,
      zero: 0,
      toStored(v: unknown): number {
        // In range first: NaN fails both comparisons, so only integers reach isInteger.
        if (typeof v === 'number' && v >= lo && v <= hi && Number.isInteger(v)) return v;
        if (typeof v !== 'number') throw invalidArgType(`${name} values are numbers`);
        throw outOfRange(`${v} is out of range for ${name}`);
      },
      fromStored: identity,
    };
  }
  if (name === 'float32') {
    return {
      ...base,
      zero: 0,
      toStored(v: unknown): number {
        if (typeof v !== 'number') throw invalidArgType(`${name} values are numbers`);
        // A finite number beyond float32's range would be stored as ±Infinity; NaN and ±Infinity
        // given as such are stored as they are.
        if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
          throw outOfRange(`${v} is out of range for float32 (its largest finite value is ${FLOAT32_MAX})`);
        }
        return v;
      },
      fromStored: identity,
    };
  }
  return {
    ...base,
    zero: 0,
    toStored(v: unknown): number {
      if (typeof v !== 'number') throw invalidArgType(`${name} values are numbers`); // float64: any number
      return v;
    },
    fromStored: identity,
  };
}
