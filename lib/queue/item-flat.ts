// The "flat object" encoding of Queue items (lib/queue/item-codec.ts, tag 0x06): a plain object of at
// most 16 properties with short ASCII keys whose values are all null, booleans, numbers or short
// ASCII strings — the usual small message, e.g. { id: 1, op: 'put' }. JSON.stringify + parse
// cost ~0.7 µs for such an object; this binary form, with the last shape's key bytes and the
// last string of each slot remembered on both sides, ~0.1 µs. It arrives exactly as
// structuredClone gives it (own enumerable string keys in Object.keys order, Object.prototype,
// numbers bit for bit: -0 and NaN included).
//
//   [0x06][n][klen key bytes]×n [value]×n
//   value: 0 null | 1 false | 2 true | 3 int32 LE (4 bytes) | 4 float64 LE (8) | 5 len + ASCII
export const FLAT_TAG = 0x06;
const MAX_PROPS = 16;
const MAX_KEY = 64;
const MAX_STR = 64;
const V_NULL = 0;
const V_FALSE = 1;
const V_TRUE = 2;
const V_INT32 = 3;
const V_FLOAT64 = 4;
const V_STRING = 5;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Writes an ASCII string of at most `max` chars at buf[p]; the end, or -1 if it is not one. */
function writeAscii(buf: Uint8Array, p: number, s: string, max: number): number {
  const n = s.length;
  if (n > max) return -1;
  buf[p++] = n;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x80) return -1;
    buf[p++] = c;
  }
  return p;
}

/**
 * Encodes `o` (a plain object: the caller checked its prototype) into buf from offset 0; returns
 * the length, or -1 when it does not qualify (buf then holds garbage). buf has room for the
 * largest flat record (under 2.2 KB).
 */
export function writeFlat(buf: Uint8Array, o: Record<string, unknown>): number {
  const keys = Object.keys(o);
  const n = keys.length;
  if (n > MAX_PROPS) return -1;
  buf[0] = FLAT_TAG;
  buf[1] = n;
  let p = 2;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k === '__proto__') return -1;
    p = writeAscii(buf, p, k, MAX_KEY);
    if (p < 0) return -1;
  }
  for (let i = 0; i < n; i++) {
    const v = o[keys[i]];
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          buf[p] = V_INT32;
          buf[p + 1] = v;
          buf[p + 2] = v >> 8;
          buf[p + 3] = v >> 16;
          buf[p + 4] = v >> 24;
          p += 5;
        } else {
          f64[0] = v;
          buf[p++] = V_FLOAT64;
          for (let b = 0; b < 8; b++) buf[p++] = f64Bytes[b];
        }
        break;
      case 'string':
        buf[p] = V_STRING;
        p = writeAscii(buf, p + 1, v, MAX_STR);
        if (p < 0) return -1;
        break;
      case 'boolean':
        buf[p++] = v ? V_TRUE : V_FALSE;
        break;
      case 'object':
        if (v !== null) return -1;
        buf[p++] = V_NULL;
        break;
      default:
        return -1; // undefined (structuredClone keeps the key), bigint, symbol, function
    }
  }
  return p;
}

type Build = (values: unknown[]) => Record<string, unknown>;

/** A record shape: its key section's bytes (count byte included), its keys, its builder. */
interface Shape {
  bytes: Uint8Array;
  keys: string[];
  /** Makes an object of these keys (compile()); null: keyed stores. */
  build: Build | null;
}
/**
 * The shapes seen so far in this thread, by their key bytes read as latin1: the first
 * MAX_SHAPES, each checked, split into keys and compiled once. Beyond those a shape is made
 * per change of shape and not kept (memory stays bounded whatever a peer puts).
 */
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 64;
const NO_SHAPE: Shape = { bytes: new Uint8Array(0), keys: [], build: null };

/** The shape whose key section (count byte first) is bytes[start, end). */
function shapeAt(bytes: Buffer, start: number, end: number): Shape {
  const id = bytes.toString('latin1', start, end);
  const known = shapes.get(id);
  if (known !== undefined) return known;
  const keys: string[] = [];
  for (let q = start + 1; q < end; ) {
    const len = bytes[q];
    for (let b = q + 1; b <= q + len; b++) if (bytes[b] >= 0x80) corrupt();
    const k = bytes.toString('latin1', q + 1, q + 1 + len);
    if (k === '__proto__') corrupt();
    keys.push(k);
    q += 1 + len;
  }
  const keep = shapes.size < MAX_SHAPES;
  const shape = { bytes: bytes.slice(start, end), keys, build: keep ? compile(keys) : null };
  if (keep) shapes.set(id, shape);
  return shape;
}

/**
 * A function that makes an object of these keys from its values in order, as one object
 * literal: V8 then makes it from a boilerplate of the known shape (~15 ns for two properties),
 * where `o[k] = v` per property is a keyed store whose one site sees every key (~40 ns each,
 * measured). Null — keyed stores — where code generation from strings is refused
 * (`--disallow-code-generation-from-strings`). Each key becomes a JSON string literal; the keys
 * are ASCII and never `__proto__` (which a literal would take as the prototype): shapeAt()
 * refuses those records.
 */
function compile(keys: string[]): Build | null {
  try {
    const props = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
    return new Function('v', `'use strict'; return { ${props} };`) as Build;
  } catch {
    return null;
  }
}

/** Thrown as ERR_CORRUPT by decodeItem's caller. */
function corrupt(): never {
  throw new Error('a flat queue item is malformed');
}

/**
 * Decodes records written by writeFlat. Remembers the key bytes and keys of the last shape, and
 * the last string of each property, so that a stream of alike messages allocates only the
 * objects themselves (strings are immutable: reusing one is invisible).
 */
export class FlatReader {
  /** The last record's shape: the next one is most likely the same. */
  private shape: Shape = NO_SHAPE;
  /** The values of the record being read, in key order (reused). */
  private readonly values: unknown[] = [];
  private readonly slots: { bytes: Uint8Array; len: number; str: string }[] = [];

  read(bytes: Buffer, start: number, end: number): Record<string, unknown> {
    let p = start + 1;
    if (p >= end) corrupt();
    const n = bytes[p++];
    if (n > MAX_PROPS) corrupt();
    // The key section (from its count byte): the same bytes as last time -> the same shape.
    const keysStart = p - 1;
    for (let i = 0; i < n; i++) {
      if (p >= end) corrupt();
      p += 1 + bytes[p];
    }
    if (p > end) corrupt();
    let shape = this.shape;
    const known = shape.bytes;
    let same = p - keysStart === known.length;
    for (let i = 0; same && i < known.length; i++) same = bytes[keysStart + i] === known[i];
    if (!same) shape = this.shape = shapeAt(bytes, keysStart, p);
    const values = this.values;
    for (let i = 0; i < n; i++) {
      if (p >= end) corrupt();
      const t = bytes[p++];
      let v: unknown;
      switch (t) {
        case V_NULL:
          v = null;
          break;
        case V_FALSE:
          v = false;
          break;
        case V_TRUE:
          v = true;
          break;
        case V_INT32:
          if (p + 4 > end) corrupt();
          v = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
          p += 4;
          break;
        case V_FLOAT64:
          if (p + 8 > end) corrupt();
          for (let b = 0; b < 8; b++) f64Bytes[b] = bytes[p + b];
          v = f64[0];
          p += 8;
          break;
        case V_STRING: {
          if (p >= end) corrupt();
          const len = bytes[p++];
          if (len > MAX_STR || p + len > end) corrupt();
          v = this.string(i, bytes, p, len);
          p += len;
          break;
        }
        default:
          corrupt();
      }
      values[i] = v;
    }
    if (p !== end) corrupt();
    if (shape.build !== null) return shape.build(values);
    const keys = shape.keys;
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[keys[i]] = values[i];
    return o;
  }

  private string(i: number, bytes: Buffer, p: number, len: number): string {
    let slot = this.slots[i];
    if (slot === undefined) slot = this.slots[i] = { bytes: new Uint8Array(MAX_STR), len: -1, str: '' };
    let same = slot.len === len;
    for (let b = 0; same && b < len; b++) same = bytes[p + b] === slot.bytes[b];
    if (same) return slot.str;
    slot.len = -1; // until the new bytes are all in and checked
    for (let b = 0; b < len; b++) {
      const c = bytes[p + b];
      if (c >= 0x80) corrupt();
      slot.bytes[b] = c;
    }
    slot.str = bytes.toString('latin1', p, p + len);
    slot.len = len;
    return slot.str;
  }
}
